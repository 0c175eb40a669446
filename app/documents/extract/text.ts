import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { AppError } from '../../contract/index.js';
import { bodyBlocks, MAX_BLOCK_CHARS } from './split-long.js';
import { throwIfCancelled, type Batch, type Block, type ExtractOptions } from './types.js';

const READ_CHUNK = 1024 * 1024;
/**
 * A line longer than this is cut at a space (or a character boundary): a 200 MB file with no line
 * breaks must not be held whole in memory waiting for its first '\n'.
 */
const SEGMENT_MAX_BYTES = 16 * 1024;
/** Batches of about this much text, or of this much file read even when it was all blank. */
const BATCH_CHARS = 256 * 1024;
const BATCH_BYTES = 4 * 1024 * 1024;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const MD_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const MD_FENCE = /^ {0,3}(```|~~~)/;

/**
 * Plain text and Markdown, streamed: paragraphs are split on blank lines, Markdown `#` lines are
 * headings. The cursor is a byte offset just after the last segment of the last block emitted,
 * always at a character boundary (and a line start unless a huge line was cut), so a resumed run
 * seeks there and neither repeats nor skips text.
 */
export async function* extractText(path: string, markdown: boolean, opts: ExtractOptions): AsyncGenerator<Batch> {
  const { size } = await fsp.stat(path);
  const start = Math.min(opts.resumeFrom ?? 0, size);
  const reader = new ParagraphReader(markdown);
  let committed = start;
  let anyText = false;
  let blocks: Block[] = [];
  let batchChars = 0;
  let lastYieldAt = start;

  const stream = fs.createReadStream(path, { start, highWaterMark: READ_CHUNK, signal: opts.signal });
  let pending: Buffer = Buffer.alloc(0);
  /** File offset of pending[0]. */
  let base = start;
  const take = (out: { block: Block; end: number }[]) => {
    for (const { block, end } of out) {
      blocks.push(block);
      batchChars += block.text.length;
      committed = end;
      anyText = true;
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfCancelled(opts.signal);
      let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (base === 0 && buf.subarray(0, 3).equals(BOM)) {
        buf = buf.subarray(3);
        base = 3;
      }
      let pos = 0;
      for (;;) {
        const nl = buf.indexOf(10, pos);
        const lineEnd = nl === -1 ? buf.length : nl;
        if (lineEnd - pos > SEGMENT_MAX_BYTES) {
          const cut = forcedCut(buf, pos, pos + SEGMENT_MAX_BYTES);
          take(reader.segment(buf.toString('utf8', pos, cut), base + cut, false));
          pos = cut;
          continue;
        }
        if (nl === -1) break;
        take(reader.segment(buf.toString('utf8', pos, nl), base + nl + 1, true));
        pos = nl + 1;
      }
      // A copy, so the 1 MB chunk is not kept alive by a small tail.
      pending = Buffer.from(buf.subarray(pos));
      base += pos;
      const read = base + pending.length;
      if (batchChars >= BATCH_CHARS || read - lastYieldAt >= BATCH_BYTES) {
        yield { blocks, cursor: committed, done: read, total: size, unit: 'bytes' };
        blocks = [];
        batchChars = 0;
        lastYieldAt = read;
      }
    }
  } catch (err) {
    if (opts.signal?.aborted) throw new AppError('DOC_CANCELLED');
    throw err;
  }
  if (pending.length) take(reader.segment(pending.toString('utf8'), base + pending.length, true));
  take(reader.end());
  if (!anyText && start === 0) throw new AppError('DOC_EMPTY', { message: 'This file has only blank space in it.' });
  yield { blocks, cursor: committed, done: size, total: size, unit: 'bytes' };
}

/** Where to end an over-long segment: after the last space in its second half, else at a character boundary. */
function forcedCut(buf: Buffer, from: number, limit: number): number {
  for (let i = limit - 1; i >= from + SEGMENT_MAX_BYTES / 2; i--) {
    if (buf[i] === 0x20 || buf[i] === 0x09) return i + 1;
  }
  let cut = limit;
  while (cut > from + 1 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

/** Turns segments (lines, or pieces of a huge line) into blocks, each with the file offset it ends at. */
class ParagraphReader {
  private para = '';
  private paraEnd = 0;
  private continuesLine = false;
  private inFence = false;

  constructor(private readonly markdown: boolean) {}

  segment(raw: string, end: number, endsLine: boolean): { block: Block; end: number }[] {
    const startsLine = !this.continuesLine;
    this.continuesLine = !endsLine;
    const line = endsLine ? raw.replace(/\r$/, '') : raw;
    const out: { block: Block; end: number }[] = [];
    if (startsLine && line.trim() === '') {
      this.flush(out);
      return out;
    }
    if (this.markdown && startsLine && endsLine) {
      if (MD_FENCE.test(line)) this.inFence = !this.inFence;
      // A resumed run starts outside any fence: at worst a '#' comment in code becomes a heading.
      const h = this.inFence ? null : MD_HEADING.exec(line);
      if (h) {
        this.flush(out);
        const text = (h[2] ?? '').trim();
        if (text) out.push({ block: { text, page: null, heading: h[1]!.length }, end });
        return out;
      }
    }
    if (this.para && this.para.length + line.length > MAX_BLOCK_CHARS) this.flush(out);
    this.para += this.para && startsLine ? `\n${line.trimEnd()}` : startsLine ? line.trimEnd() : line;
    this.paraEnd = end;
    return out;
  }

  end(): { block: Block; end: number }[] {
    const out: { block: Block; end: number }[] = [];
    this.flush(out);
    return out;
  }

  private flush(out: { block: Block; end: number }[]): void {
    const text = this.para.trim();
    this.para = '';
    if (!text) return;
    for (const block of bodyBlocks(text)) out.push({ block, end: this.paraEnd });
  }
}
