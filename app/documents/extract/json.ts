import fsp from 'node:fs/promises';
import { AppError } from '../../contract/index.js';
import { jsonErrorOffset } from './json-position.js';
import { bodyBlocks } from './split-long.js';
import { extractText } from './text.js';
import { throwIfCancelled, type Batch, type Block, type ExtractOptions } from './types.js';
import { batchesOf, WHOLE_FILE_MAX_BYTES } from './whole.js';

const LINES_PER_BLOCK = 40;

/**
 * JSON flattened to `path.to.key: value` lines, so each value is found with its meaning. Elements of
 * a top-level array (or of an array under a top-level key) are kept together in one block when they
 * fit. The cursor counts blocks (see batchesOf).
 *
 * Above 64 MB the file is read as plain text lines instead (cursor and progress in bytes): parsing
 * needs the whole text and its object graph in memory at once, several times the file's size.
 */
export async function* extractJson(path: string, opts: ExtractOptions): AsyncGenerator<Batch> {
  const { size } = await fsp.stat(path);
  if (size > WHOLE_FILE_MAX_BYTES) {
    yield* extractText(path, false, opts);
    return;
  }
  const text = (await fsp.readFile(path, 'utf8')).replace(/^\ufeff/, '');
  throwIfCancelled(opts.signal);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidJson(text, err);
  }
  yield* batchesOf(jsonBlocks(value), opts.resumeFrom ?? 0, opts.signal);
}

export function jsonBlocks(value: unknown): Block[] {
  const blocks: Block[] = [];
  let lines: string[] = [];
  const close = () => {
    if (lines.length) blocks.push(...bodyBlocks(lines.join('\n')));
    lines = [];
  };
  for (const group of groups(value)) {
    if (lines.length + group.length > LINES_PER_BLOCK) close();
    for (let i = 0; i < group.length; i += LINES_PER_BLOCK) {
      lines.push(...group.slice(i, i + LINES_PER_BLOCK));
      if (lines.length >= LINES_PER_BLOCK) close();
    }
  }
  close();
  return blocks;
}

/** Units that belong together: one array element, or one top-level key's value. */
function* groups(value: unknown): Generator<string[]> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield [...flatten(value[i], `[${i}]`)];
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const path = key('', k);
      if (Array.isArray(v) && v.some((x) => isObject(x) || Array.isArray(x))) {
        for (let i = 0; i < v.length; i++) yield [...flatten(v[i], `${path}[${i}]`)];
      } else {
        yield [...flatten(v, path)];
      }
    }
  } else {
    yield [...flatten(value, '')];
  }
}

function* flatten(value: unknown, path: string): Generator<string> {
  if (Array.isArray(value)) {
    if (value.length === 0) yield `${path || '(root)'}: []`;
    for (let i = 0; i < value.length; i++) yield* flatten(value[i], `${path}[${i}]`);
  } else if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) yield `${path || '(root)'}: {}`;
    for (const [k, v] of entries) yield* flatten(v, key(path, k));
  } else {
    const text = typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : String(value);
    yield `${path || '(value)'}: ${text}`;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function key(path: string, k: string): string {
  if (/^[\p{L}_$][\p{L}\p{N}_$-]*$/u.test(k)) return path ? `${path}.${k}` : k;
  return `${path}[${JSON.stringify(k)}]`;
}

function invalidJson(text: string, err: unknown): AppError {
  const reason = err instanceof Error ? err.message : String(err);
  const pos = jsonErrorOffset(text);
  let where = '';
  if (pos >= text.length) where = ' (it ends too early)';
  else if (pos >= 0) {
    const before = text.slice(0, pos);
    where = ` at line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')}`;
  }
  return new AppError('DOC_CORRUPT', { message: `This JSON file is not valid JSON${where}.`, detail: reason });
}
