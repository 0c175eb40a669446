import { AppError } from '../../contract/index.js';

/** A structural unit of a document: a heading, a paragraph, a list item or a group of table rows. */
export interface Block {
  text: string;
  /** 1-based page, for PDFs only. */
  page: number | null;
  /** Heading level 1–6, or null for body text. */
  heading: number | null;
}

/**
 * What an extractor yields. `cursor` is where a later run resumes after this batch was kept
 * (see each extractor for its unit); `done`/`total` only drive a progress bar.
 */
export interface Batch {
  blocks: Block[];
  cursor: number;
  done: number;
  total: number | null;
  unit: 'pages' | 'bytes' | 'rows' | 'items';
}

export interface ExtractOptions {
  /** A `cursor` from an earlier run's batch; 0 or absent starts at the beginning. */
  resumeFrom?: number;
  password?: string;
  signal?: AbortSignal;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AppError('DOC_CANCELLED');
}

/** Whitespace runs inside a line collapse: extracted text is read by people and models, not laid out. */
export function tidy(text: string): string {
  return text.replace(/[ \t\f\v\u00a0]+/g, ' ').trim();
}
