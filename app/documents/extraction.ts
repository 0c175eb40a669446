import { AppError, type DocKind } from '../contract/index.js';
import { startWorker } from '../threads/start-worker.js';
import type { FromExtractWorker, ToExtractWorker } from './extract-protocol.js';
import type { Batch, ExtractOptions } from './extract/types.js';

export type { Batch, Block, ExtractOptions } from './extract/types.js';

export interface RunExtractionOptions extends ExtractOptions {
  /** Called once per batch, in order; the next batch is not even sent until this settles. */
  onBatch(batch: Batch): void | Promise<void>;
}

/** How long a cancelled worker may take to stop by itself before it is terminated. */
const STOP_GRACE_MS = 2000;
/** A parser that needs more than this for one document is stopped, not allowed to take the machine. */
const WORKER_HEAP_MB = 2048;

/**
 * Extracts a document in a worker thread, handing each batch to `onBatch`. Resolves when all
 * batches were handled; rejects with the extractor's AppError, the one `onBatch` threw, or
 * DOC_CANCELLED when `signal` aborts. The worker runs only parsers (no native engine), so
 * terminating it is always safe.
 */
export function runExtraction(path: string, kind: DocKind, opts: RunExtractionOptions): Promise<void> {
  const { onBatch, signal, resumeFrom, password } = opts;
  if (signal?.aborted) return Promise.reject(new AppError('DOC_CANCELLED'));
  const worker = startWorker(import.meta.url, 'extract-worker', { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  const post = (m: ToExtractWorker) => worker.postMessage(m);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (err?: AppError) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => {
      post({ type: 'cancel' });
      killTimer = setTimeout(() => finish(new AppError('DOC_CANCELLED')), STOP_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (m: FromExtractWorker) => {
      switch (m.type) {
        case 'batch':
          void deliver(m.batch);
          return;
        case 'done':
          finish();
          return;
        case 'error':
          finish(AppError.fromPayload(m.error));
          return;
      }
    });
    const deliver = async (batch: Batch) => {
      if (settled || signal?.aborted) return;
      try {
        await onBatch(batch);
      } catch (err) {
        post({ type: 'cancel' });
        finish(AppError.from(err));
        return;
      }
      if (!settled && !signal?.aborted) post({ type: 'ack' });
    };
    worker.on('error', (err: Error & { code?: string }) => {
      finish(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new AppError('DOC_LIMIT', { message: `Reading this document needed more than ${WORKER_HEAP_MB / 1024} GB of memory, so Modest stopped.`, detail: String(err) })
          : new AppError('INTERNAL', { detail: err.stack ?? String(err) }),
      );
    });
    worker.on('exit', (code) => finish(new AppError('INTERNAL', { detail: `extraction worker exited with code ${code} before it finished` })));
    post({ type: 'start', path, kind, resumeFrom, password });
  });
}
