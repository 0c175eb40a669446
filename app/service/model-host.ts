import fs from 'node:fs/promises';
import { AppError, type ModelState, type Settings, type Tuning } from '../contract/index.js';
import { RemoteEngine, resolveThreads, type Engine } from '../inference/index.js';
import { machineKey, modelKey } from '../models/index.js';

/** Where measured thread choices are kept, per model file and machine. */
export interface TuningStore {
  tuning(modelKey: string, machineKey: string): Tuning | null;
  saveTuning(modelKey: string, machineKey: string, tuning: Tuning): void;
}

/**
 * Owns the one loaded model and its state as the UI sees it (none, loading with progress, ready,
 * or the specific error). Loading a new model replaces the old one only once the new one works.
 */
export class ModelHost {
  private engine: Engine | null = null;
  private state: ModelState = { state: 'none' };
  private loading: Promise<ModelState> | null = null;

  constructor(
    private readonly availableMemory?: () => number,
    private readonly tunings?: TuningStore,
    private readonly onLoaded?: (path: string) => void,
  ) {}

  get status(): ModelState {
    return this.state;
  }

  /** The engine, or the reason there is none, as an error the UI can show. */
  require(): Engine {
    // While another model loads, the current one is about to be disposed under any new reply.
    if (this.loading || this.state.state === 'loading') throw new AppError('MODEL_LOADING');
    if (this.engine) return this.engine;
    throw new AppError('NO_MODEL');
  }

  get current(): Engine | null {
    return this.engine;
  }

  /**
   * Threads 0 means "measured": the stored choice for this model on this machine, or, on its
   * first load (or `retune`), a short measured run before the context is made.
   */
  async load(path: string, settings: Settings, opts: { retune?: boolean } = {}): Promise<ModelState> {
    if (this.loading) throw new AppError('MODEL_LOADING');
    this.state = { state: 'loading', path, progress: 0, phase: 'loading' };
    const run = (async (): Promise<ModelState> => {
      try {
        const keys = settings.threads === 0 && this.tunings ? await tuningKeys(path, settings.gpu) : null;
        const stored = keys && !opts.retune ? this.tunings!.tuning(keys.model, keys.machine) : null;
        const engine = await RemoteEngine.load({
          modelPath: path,
          threads: resolveThreads(settings.threads),
          contextSize: settings.contextSize,
          sequences: settings.sequences,
          gpu: settings.gpu,
          tune: keys !== null && stored === null,
          tuning: stored ?? undefined,
          availableMemory: this.availableMemory,
          onProgress: (progress, phase) => {
            if (this.state.state === 'loading') this.state = { state: 'loading', path, progress, phase };
          },
        });
        if (keys && stored === null && engine.info.tuning) this.tunings!.saveTuning(keys.model, keys.machine, engine.info.tuning);
        const previous = this.engine;
        this.engine = engine;
        this.onLoaded?.(engine.info.path);
        this.state = { state: 'ready', model: engine.info };
        await previous?.dispose();
        return this.state;
      } catch (err) {
        const e = AppError.from(err);
        // A failed load leaves the previous model usable.
        this.state = this.engine
          ? { state: 'ready', model: this.engine.info }
          : { state: 'error', path, code: e.code, message: e.message };
        throw e;
      }
    })();
    this.loading = run;
    try {
      return await run;
    } finally {
      this.loading = null;
    }
  }

  async unload(): Promise<ModelState> {
    if (this.loading) throw new AppError('MODEL_LOADING');
    const e = this.engine;
    this.engine = null;
    this.state = { state: 'none' };
    await e?.dispose();
    return this.state;
  }

  async dispose(): Promise<void> {
    await this.loading?.catch(() => undefined);
    await this.engine?.dispose();
    this.engine = null;
  }
}

async function tuningKeys(path: string, gpu: Settings['gpu']): Promise<{ model: string; machine: string } | null> {
  try {
    const { size } = await fs.stat(path);
    return { model: modelKey(path, size), machine: machineKey(gpu) };
  } catch {
    return null; // the load reports the missing file with its own words
  }
}
