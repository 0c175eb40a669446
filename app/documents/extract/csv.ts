import fs from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { AppError } from '../../contract/index.js';
import { bodyBlocks } from './split-long.js';
import { throwIfCancelled, type Batch, type Block, type ExtractOptions } from './types.js';

const ROWS_PER_BLOCK = 20;
const BLOCKS_PER_BATCH = 10;

/**
 * CSV, streamed. The first record names the columns; each block is up to 20 rows written as
 * `column: value; …` lines under a line naming the columns, so a block read alone still makes sense.
 *
 * The cursor counts data rows emitted, not bytes: csv-parse cannot start mid-file (a quoted value
 * may span lines), so a resumed run parses from the top again and skips that many rows.
 */
export async function* extractCsv(path: string, opts: ExtractOptions): AsyncGenerator<Batch> {
  const skip = opts.resumeFrom ?? 0;
  const input = fs.createReadStream(path, { highWaterMark: 1024 * 1024 });
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);

  let header: string[] | null = null;
  let rows = 0;
  let group: string[] = [];
  let blocks: Block[] = [];
  const close = () => {
    if (group.length === 0) return;
    const names = header!.map((h, i) => h || `column ${i + 1}`).join(', ');
    blocks.push(...bodyBlocks(`Columns: ${names}\n${group.join('\n')}`));
    group = [];
  };
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      throwIfCancelled(opts.signal);
      if (header === null) {
        header = record.map((h) => h.trim());
        continue;
      }
      rows++;
      if (rows <= skip) continue;
      const line = renderRow(header, record);
      if (line) group.push(line);
      if (group.length === ROWS_PER_BLOCK) {
        close();
        if (blocks.length >= BLOCKS_PER_BATCH) {
          yield { blocks, cursor: rows, done: rows, total: null, unit: 'rows' };
          blocks = [];
        }
      }
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new AppError('DOC_CORRUPT', {
        message: err.code === 'CSV_QUOTE_NOT_CLOSED'
          ? `This CSV file has a quoted value that is never closed (the file ends inside it, at line ${line}).`
          : `This CSV file is malformed at line ${line}.`,
        detail: err.message,
      });
    }
    throw err;
  } finally {
    input.destroy();
  }
  if (header === null) throw new AppError('DOC_EMPTY', { message: 'This CSV file has no rows.' });
  close();
  if (rows === 0) {
    // Only a header row: still worth a block, so its columns can be found.
    blocks.push({ text: `Columns: ${header.join(', ')}`, page: null, heading: null });
  }
  yield { blocks, cursor: rows, done: rows, total: rows, unit: 'rows' };
}

function renderRow(header: string[], record: string[]): string {
  const cells: string[] = [];
  record.forEach((value, i) => {
    const v = value.trim();
    // Empty cells say nothing and cost tokens.
    if (v) cells.push(`${header[i] || `column ${i + 1}`}: ${v.replace(/\s+/g, ' ')}`);
  });
  return cells.join('; ');
}
