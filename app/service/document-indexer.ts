import { AppError } from '../contract/index.js';
import { Chunker } from '../documents/chunker.js';
import { runExtraction } from '../documents/extraction.js';
import type { Engine } from '../inference/index.js';
import type { DocFile, Storage } from '../storage/index.js';
import type { DocumentFiles } from './document-files.js';

/** Chunks per tokenizer round trip: one worker message each, small enough to keep Stop quick. */
const COUNT_BATCH = 128;

interface Job {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Turns stored files into searchable chunks, one file at a time (extraction is CPU-bound and this
 * is a 2-core machine's UI thread's neighbour). Work is per file content, not per attachment: two
 * attachments of one file share one run. Each extractor batch is committed with its resume point,
 * so a restart — or Retry after Cancel — continues where it stopped.
 */
export class DocumentIndexer {
  private readonly jobs = new Map<string, Job>();
  private readonly passwords = new Map<string, string>();
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly files: DocumentFiles,
    private readonly engine: () => Engine | null,
  ) {}

  /** Queues indexing for this attachment's file (a no-op when that file is already running). */
  enqueue(documentId: string, password?: string): void {
    const doc = this.storage.documents.get(documentId);
    if (doc.sha256 === null || this.closed) return;
    const sha = doc.sha256;
    if (password !== undefined) this.passwords.set(sha, password);
    if (this.jobs.has(sha)) return;
    const controller = new AbortController();
    const done = (this.tail = this.tail.then(() => this.run(sha, controller.signal)).finally(() => this.jobs.delete(sha)));
    this.jobs.set(sha, { controller, done });
  }

  /** Stops this file's indexing; what was committed stays, and Retry resumes from there. */
  cancel(sha256: string): boolean {
    const job = this.jobs.get(sha256);
    if (!job) return false;
    job.controller.abort(new Error('Cancelled.'));
    return true;
  }

  running(sha256: string): boolean {
    return this.jobs.has(sha256);
  }

  /** After a restart: everything that was queued or indexing starts again where it stopped. */
  resume(): void {
    for (const d of this.storage.documents.unfinished()) {
      if (d.sha256 !== null) this.enqueue(d.id);
      else this.storage.documents.setStatus(d.id, 'error', { code: 'DOC_CORRUPT', message: 'The upload did not finish before Modest stopped. Drop the file again.' });
    }
  }

  /** Token counts for the loaded model; only chunks never counted by this tokenizer are counted. */
  async countTokens(sha256: string, signal?: AbortSignal): Promise<number | null> {
    const engine = this.engine();
    if (!engine) return null;
    const tokenizer = engine.tokenizerId;
    for (;;) {
      signal?.throwIfAborted();
      const batch = this.storage.documents.uncounted(sha256, tokenizer, COUNT_BATCH);
      if (batch.length === 0) break;
      const counts = await engine.countTokensMany(batch.map((c) => c.text));
      this.storage.documents.putCounts(
        tokenizer,
        batch.map((c, i) => ({ chunkId: c.id, tokens: counts[i] ?? 0 })),
      );
    }
    return this.storage.documents.tokenTotal(sha256, tokenizer);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.jobs.values()) j.controller.abort(new Error('Modest is shutting down.'));
    await Promise.allSettled([...this.jobs.values()].map((j) => j.done));
  }

  private attachments(sha256: string) {
    return this.storage.documents.bySha(sha256);
  }

  private mark(sha256: string, status: 'indexing' | 'ready' | 'error' | 'cancelled', error: AppError | null = null): void {
    for (const d of this.attachments(sha256)) {
      // A finished attachment keeps its state; removed ones are gone from the list already.
      if (d.status === 'ready' && status !== 'ready') continue;
      this.storage.documents.setStatus(d.id, status, error ? { code: error.code, message: error.message } : null);
    }
  }

  private async run(sha256: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      this.mark(sha256, this.closed ? 'indexing' : 'cancelled');
      return;
    }
    const file = this.storage.documents.file(sha256);
    if (!file) return;
    try {
      if (!file.complete) {
        this.mark(sha256, 'indexing');
        await this.extract(file, signal);
        this.storage.documents.completeFile(sha256);
      }
      try {
        await this.countTokens(sha256, signal);
      } catch (err) {
        // Counting needs the model; without it (or if it is busy reloading) tasks count later.
        if (signal.aborted) throw err;
      }
      this.mark(sha256, 'ready');
      this.passwords.delete(sha256);
    } catch (err) {
      if (signal.aborted) {
        // Shutting down: leave the attachments as indexing so the next start resumes them.
        if (!this.closed) this.mark(sha256, 'cancelled');
        return;
      }
      const e = AppError.from(err);
      this.mark(sha256, 'error', e);
    }
  }

  private async extract(file: DocFile, signal: AbortSignal): Promise<void> {
    const chunker = new Chunker();
    let produced = file.chunkCount;
    await runExtraction(this.files.pathOf(file.storedName), file.kind, {
      resumeFrom: file.cursor,
      password: this.passwords.get(file.sha256),
      signal,
      onBatch: (batch) => {
        for (const b of batch.blocks) chunker.push(b);
        const chunks = chunker.flush();
        produced += chunks.length;
        this.storage.documents.appendChunks(file.sha256, chunks, {
          cursor: batch.cursor,
          progress: { done: batch.done, total: batch.total, unit: batch.unit },
          pages: batch.unit === 'pages' ? batch.total : null,
        });
      },
    });
    if (produced === 0) throw new AppError('DOC_EMPTY', { message: 'This file has no text to read.' });
  }
}
