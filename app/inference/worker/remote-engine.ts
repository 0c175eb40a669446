import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { AppError, type ModelInfo } from '../../contract/index.js';
import type { EngineOptions, GenerateHooks, GenerateRequest, GenerateResult } from '../engine.js';
import type { Turn } from '../fit-history.js';
import { startWorker } from '../../threads/start-worker.js';
import type { FromWorker, ToWorker } from './protocol.js';

interface Pending {
  resolve(value: unknown): void;
  reject(err: AppError): void;
  hooks?: GenerateHooks;
  onProgress?: (fraction: number, phase?: 'loading' | 'tuning') => void;
}

/**
 * The same engine, run in a worker thread: every method goes over a message port, so nothing the
 * model does can block the thread that serves the window.
 */
export class RemoteEngine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly replies = new Map<number, Promise<unknown>>();
  private dead: AppError | null = null;
  info!: ModelInfo;
  /** Same for any two models that tokenize alike (see LocalEngine.tokenizerId). */
  tokenizerId!: string;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    const die = (why: string) => {
      this.dead = new AppError('GENERATION_FAILED', { message: 'The model stopped unexpectedly. Load it again.', detail: why });
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
    worker.on('error', (err) => die(String(err)));
    worker.on('exit', (code) => die(`engine worker exited with code ${code}`));
  }

  static async load(opts: EngineOptions): Promise<RemoteEngine> {
    const engine = new RemoteEngine(startWorker(import.meta.url, 'engine-worker'));
    const { onProgress, availableMemory, ...rest } = opts;
    try {
      const loaded = (await engine.request(
        (id) => ({ type: 'load', id, opts: rest, availableMemory: (availableMemory ?? os.freemem)() }),
        { onProgress },
      )) as { info: ModelInfo; tokenizerId: string };
      engine.info = loaded.info;
      engine.tokenizerId = loaded.tokenizerId;
      return engine;
    } catch (err) {
      await engine.worker.terminate();
      throw err;
    }
  }

  generate(req: GenerateRequest, hooks: GenerateHooks = {}): Promise<GenerateResult> {
    const { signal, ...rest } = req;
    let id = 0;
    const done = this.request(
      (i) => {
        id = i;
        return { type: 'generate', id: i, req: rest };
      },
      { hooks },
    ) as Promise<GenerateResult>;
    this.replies.set(id, done);
    void done.finally(() => this.replies.delete(id)).catch(() => undefined);
    if (signal) {
      const onAbort = () => this.post({ type: 'abort', id });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      void done.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
    }
    return done;
  }

  async assertFits(systemPrompt: string, lastTurn: Turn, maxTokens: number): Promise<void> {
    await this.request((id) => ({ type: 'assertFits', id, systemPrompt, lastTurn, maxTokens }));
  }

  /** The loaded model's token count for a text: what cloud usage estimates are made with. */
  async countTokens(text: string): Promise<number> {
    return (await this.request((id) => ({ type: 'countTokens', id, text }))) as number;
  }

  /** Token counts of many texts in one round trip to the worker (document indexing counts chunks). */
  /** A whole prompt's tokens as the model reads it, chat template included. */
  async countPrompt(systemPrompt: string, turns: readonly Turn[]): Promise<number> {
    return (await this.request((id) => ({ type: 'countPrompt', id, systemPrompt, turns: [...turns] }))) as number;
  }

  async countTokensMany(texts: readonly string[]): Promise<number[]> {
    if (texts.length === 0) return [];
    return (await this.request((id) => ({ type: 'countTokensMany', id, texts: [...texts] }))) as number[];
  }

  forgetConversation(conversationId: string): void {
    this.post({ type: 'forget', conversationId });
  }

  /**
   * Running replies end (as stopped) before the model is freed: terminating a worker while
   * llama.cpp is mid-evaluation aborts the whole process.
   */
  async dispose(): Promise<void> {
    for (const id of this.replies.keys()) this.post({ type: 'abort', id });
    await Promise.allSettled(this.replies.values());
    try {
      if (!this.dead) await this.request((id) => ({ type: 'dispose', id }));
    } finally {
      await this.worker.terminate();
    }
  }

  private post(m: ToWorker): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  private request(make: (id: number) => ToWorker, extra: Omit<Pending, 'resolve' | 'reject'> = {}): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...extra });
      this.worker.postMessage(make(id));
    });
  }

  private onMessage(m: FromWorker): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'progress':
        p.onProgress?.(m.fraction, m.phase);
        return;
      case 'prompt':
        p.hooks?.onPrompt?.(m.info);
        return;
      case 'text':
        p.hooks?.onText?.(m.piece);
        return;
      case 'token':
        p.hooks?.onToken?.(m.probability);
        return;
      case 'count':
      case 'counts':
        this.pending.delete(m.id);
        p.resolve(m.tokens);
        return;
      case 'loaded':
        this.pending.delete(m.id);
        p.resolve({ info: m.info, tokenizerId: m.tokenizerId });
        return;
      case 'result':
        this.pending.delete(m.id);
        p.resolve(m.result);
        return;
      case 'ok':
        this.pending.delete(m.id);
        p.resolve(undefined);
        return;
      case 'error':
        this.pending.delete(m.id);
        p.reject(AppError.fromPayload(m.error));
        return;
    }
  }
}
