import { parentPort } from 'node:worker_threads';
import { AppError } from '../contract/index.js';
import { extract } from './extract/index.js';
import type { FromExtractWorker, ToExtractWorker } from './extract-protocol.js';

/**
 * Runs one extraction in a worker thread: parsers (pdf.js above all) are synchronous for long
 * stretches, and must not stall the thread that serves the window.
 */
const port = parentPort!;
const controller = new AbortController();
let release: (() => void) | null = null;

const send = (m: FromExtractWorker) => port.postMessage(m);

port.on('message', (m: ToExtractWorker) => {
  switch (m.type) {
    case 'start':
      void run(m);
      return;
    case 'ack':
      release?.();
      return;
    case 'cancel':
      controller.abort();
      release?.();
      return;
  }
});

async function run(m: Extract<ToExtractWorker, { type: 'start' }>): Promise<void> {
  const signal = controller.signal;
  try {
    for await (const batch of extract(m.path, m.kind, { resumeFrom: m.resumeFrom, password: m.password, signal })) {
      if (signal.aborted) break;
      // One batch in flight at a time: a slow consumer holds the extractor back instead of
      // letting batches pile up in its memory.
      const acked = new Promise<void>((resolve) => (release = resolve));
      send({ type: 'batch', batch });
      await acked;
      release = null;
      if (signal.aborted) break;
    }
    if (signal.aborted) throw new AppError('DOC_CANCELLED');
    send({ type: 'done' });
  } catch (err) {
    const e = signal.aborted ? new AppError('DOC_CANCELLED') : AppError.from(err);
    send({ type: 'error', error: { code: e.code, message: e.message, detail: e.detail } });
  } finally {
    port.close();
  }
}
