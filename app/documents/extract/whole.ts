import { AppError } from '../../contract/index.js';
import { throwIfCancelled, type Batch, type Block } from './types.js';

/** Enough blocks per batch to keep messages few, few enough that one batch stays small. */
const BLOCKS_PER_BATCH = 200;

/**
 * Batches for a document that is converted whole (DOCX, HTML, small JSON). The cursor counts blocks
 * emitted: conversion is deterministic, so a resumed run converts again and skips that many.
 */
export function* batchesOf(blocks: Block[], resumeFrom: number, signal?: AbortSignal): Generator<Batch> {
  if (blocks.length === 0) throw new AppError('DOC_EMPTY', { message: 'This file has no text to read.' });
  const total = blocks.length;
  let i = Math.min(resumeFrom, total);
  do {
    throwIfCancelled(signal);
    const end = Math.min(i + BLOCKS_PER_BATCH, total);
    yield { blocks: blocks.slice(i, end), cursor: end, done: end, total, unit: 'items' };
    i = end;
  } while (i < total);
}

/** Read-whole formats are refused above this: the text, its parse and its blocks must fit in memory. */
export const WHOLE_FILE_MAX_BYTES = 64 * 1024 * 1024;

export function tooBig(kind: string, size: number): AppError {
  return new AppError('DOC_LIMIT', {
    message: `This ${kind} file is ${Math.round(size / 1024 / 1024)} MB; Modest reads ${kind} files up to ${WHOLE_FILE_MAX_BYTES / 1024 / 1024} MB.`,
  });
}
