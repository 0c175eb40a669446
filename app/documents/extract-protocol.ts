import type { DocKind, ErrorPayload } from '../contract/index.js';
import type { Batch } from './extract/types.js';

/** Messages between runExtraction (extraction.ts) and the extraction worker (extract-worker.ts). */
export type ToExtractWorker =
  | { type: 'start'; path: string; kind: DocKind; resumeFrom?: number; password?: string }
  /** The consumer has kept the last batch: only now may the next one be sent. */
  | { type: 'ack' }
  | { type: 'cancel' };

export type FromExtractWorker =
  | { type: 'batch'; batch: Batch }
  | { type: 'done' }
  | { type: 'error'; error: ErrorPayload };
