import { AppError, type DocKind } from '../../contract/index.js';
import { extractCsv } from './csv.js';
import { extractDocx } from './docx.js';
import { extractHtml } from './html.js';
import { extractJson } from './json.js';
import { extractPdf } from './pdf.js';
import { extractText } from './text.js';
import type { Batch, ExtractOptions } from './types.js';

export type { Batch, Block, ExtractOptions } from './types.js';

/**
 * A document as batches of blocks, in order. Each batch's `cursor` may be passed back as
 * `resumeFrom` to continue after it; its unit depends on the kind (pages for PDF, bytes for
 * TXT/MD and JSON over 64 MB, data rows for CSV, blocks for DOCX, HTML and JSON).
 * Runs in the caller's thread: use runExtraction (extraction.ts) to run it in a worker.
 */
export async function* extract(path: string, kind: DocKind, opts: ExtractOptions = {}): AsyncGenerator<Batch> {
  try {
    yield* byKind(path, kind, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('DOC_NOT_FOUND', { detail: String(err) });
    throw err;
  }
}

function byKind(path: string, kind: DocKind, opts: ExtractOptions): AsyncIterable<Batch> {
  switch (kind) {
    case 'pdf':
      return extractPdf(path, opts);
    case 'docx':
      return extractDocx(path, opts);
    case 'html':
      return extractHtml(path, opts);
    case 'txt':
      return extractText(path, false, opts);
    case 'md':
      return extractText(path, true, opts);
    case 'csv':
      return extractCsv(path, opts);
    case 'json':
      return extractJson(path, opts);
  }
}
