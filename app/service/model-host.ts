import { AppError, type ModelState, type Settings } from '../contract/index.js';
import { RemoteEngine, resolveThreads, type Engine } from '../inference/index.js';

/**
 * Owns the one loaded model and its state as the UI sees it (none, loading with progress, ready,
 * or the specific error). Loading a new model replaces the old one only once the new one works.
 */
export class ModelHost {
  private engine: Engine | null = null;
  private state: ModelState = { state: 'none' };
  private loading: Promise<ModelState> | null = null;

  constructor(private readonly availableMemory?: () => number) {}

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

  async load(path: string, settings: Settings): Promise<ModelState> {
    if (this.loading) throw new AppError('MODEL_LOADING');
    this.state = { state: 'loading', path, progress: 0 };
    const run = (async (): Promise<ModelState> => {
      try {
        const engine = await RemoteEngine.load({
          modelPath: path,
          threads: resolveThreads(settings.threads),
          contextSize: settings.contextSize,
          sequences: settings.sequences,
          availableMemory: this.availableMemory,
          onProgress: (progress) => {
            if (this.state.state === 'loading') this.state = { state: 'loading', path, progress };
          },
        });
        const previous = this.engine;
        this.engine = engine;
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
