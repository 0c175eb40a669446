import { splitLong } from './split-long.js';
import { tidy, type Block } from './types.js';

/** The fields of pdf.js's TextItem this module reads. */
export interface PdfTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

interface Line {
  text: string;
  size: number;
  /** Baseline, in PDF space (grows upwards). */
  y: number;
  endX: number;
}

/**
 * A page's text items as blocks. pdf.js gives runs of text with their position; runs on one
 * baseline make a line, lines close together make a paragraph, and a short line set clearly larger
 * than the page's body text is a heading.
 */
export function pdfBlocks(items: readonly PdfTextItem[], page: number): Block[] {
  const lines = toLines(items).filter((l) => l.text);
  if (lines.length === 0) return [];
  const body = bodySize(lines);
  const blocks: Block[] = [];
  let para: Line[] = [];
  let paraHeading: number | null = null;
  const close = () => {
    if (para.length === 0) return;
    const text = joinLines(para);
    if (paraHeading !== null) blocks.push({ text, page, heading: paraHeading });
    else for (const t of splitLong(text)) blocks.push({ text: t, page, heading: null });
    para = [];
  };
  for (const line of lines) {
    const level = headingLevel(line, body);
    const prev = para.at(-1);
    const gap = prev ? prev.y - line.y : 0;
    const sameStyle = prev !== undefined && level === paraHeading && Math.abs(line.size - prev.size) <= prev.size * 0.1;
    // More than about one and a half line heights down (or any move up: a new column) starts a new block.
    if (!sameStyle || gap <= 0 || gap > Math.max(line.size, prev!.size) * 1.6) {
      close();
      paraHeading = level;
    }
    para.push(line);
  }
  close();
  return blocks;
}

function toLines(items: readonly PdfTextItem[]): Line[] {
  const lines: Line[] = [];
  let cur: Line | null = null;
  let breakNext = true;
  for (const item of items) {
    const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = item.transform;
    const size = Math.hypot(c, d) || Math.hypot(a, b) || item.height || 1;
    if (item.str === '') {
      if (item.hasEOL) breakNext = true;
      continue;
    }
    if (!cur || breakNext || Math.abs(y - cur.y) > Math.min(size, cur.size) * 0.5) {
      if (cur) cur.text = tidy(cur.text);
      cur = { text: '', size, y, endX: x };
      lines.push(cur);
    } else if (x - cur.endX > size * 0.15 && !cur.text.endsWith(' ') && !item.str.startsWith(' ')) {
      cur.text += ' ';
    }
    cur.text += item.str;
    cur.endX = x + item.width;
    cur.size = Math.max(cur.size, size);
    breakNext = item.hasEOL;
  }
  if (cur) cur.text = tidy(cur.text);
  return lines;
}

/** The size most of the page's characters are set in. */
function bodySize(lines: readonly Line[]): number {
  const weight = new Map<number, number>();
  for (const l of lines) {
    const key = Math.round(l.size * 2) / 2;
    weight.set(key, (weight.get(key) ?? 0) + l.text.length);
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight) {
    if (w > bestWeight) [best, bestWeight] = [size, w];
  }
  return best;
}

function headingLevel(line: Line, body: number): number | null {
  if (line.text.length > 200 || body <= 0) return null;
  const ratio = line.size / body;
  if (ratio < 1.15) return null;
  return ratio >= 1.6 ? 1 : ratio >= 1.3 ? 2 : 3;
}

function joinLines(lines: readonly Line[]): string {
  let text = '';
  for (const l of lines) {
    if (!text) text = l.text;
    else text += text.endsWith('-') ? l.text : ` ${l.text}`;
  }
  return text;
}
