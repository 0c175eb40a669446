/** What the extractors emit: a heading, a paragraph, a list item, a group of table rows. */
export interface BlockLike {
  text: string;
  page: number | null;
  /** Heading level 1–6, or null for body text. */
  heading: number | null;
}

export interface ChunkDraft {
  pageStart: number | null;
  pageEnd: number | null;
  /** The nearest heading above the chunk: context for retrieval and for the model. */
  heading: string | null;
  text: string;
}

/**
 * About 400 tokens of English: small enough that a question's best few chunks fit a 4k context
 * with room for the answer, big enough that a paragraph is rarely cut.
 */
export const CHUNK_CHARS = 1600;

/**
 * Groups blocks into chunks along the document's own structure: a heading starts a new chunk,
 * paragraphs are packed until the next one would overflow, and only a paragraph longer than a chunk
 * is cut (at a sentence end, else at a space). Boundaries depend on the text alone — never on the
 * tokenizer — so another model reuses them and only re-counts tokens.
 *
 * `push` returns nothing until `flush`: the indexer flushes at every extractor batch, so each
 * committed resume point falls between chunks.
 */
export class Chunker {
  private heading: string | null = null;
  private parts: string[] = [];
  private size = 0;
  private pageStart: number | null = null;
  private pageEnd: number | null = null;
  private readonly out: ChunkDraft[] = [];

  constructor(private readonly maxChars = CHUNK_CHARS) {}

  push(block: BlockLike): void {
    const text = block.text.trim();
    if (text === '') return;
    if (block.heading !== null) {
      this.close();
      this.heading = text.length > 200 ? `${text.slice(0, 199)}…` : text;
      // The heading is also body text of its section, so a search for it lands on the section.
      this.add(text, block.page);
      return;
    }
    for (const piece of split(text, this.maxChars)) this.add(piece, block.page);
  }

  /** The chunks completed since the last flush, including the one in progress. */
  flush(): ChunkDraft[] {
    this.close();
    return this.out.splice(0);
  }

  private add(text: string, page: number | null): void {
    const extra = text.length + (this.parts.length > 0 ? 2 : 0);
    if (this.size + extra > this.maxChars && this.parts.length > 0) this.close();
    this.parts.push(text);
    this.size += text.length + (this.parts.length > 1 ? 2 : 0);
    if (page !== null) {
      this.pageStart ??= page;
      this.pageEnd = page;
    }
  }

  private close(): void {
    if (this.parts.length === 0) return;
    this.out.push({ pageStart: this.pageStart, pageEnd: this.pageEnd, heading: this.heading, text: this.parts.join('\n\n') });
    this.parts = [];
    this.size = 0;
    this.pageStart = null;
    this.pageEnd = null;
  }
}

/** Cuts an over-long paragraph at sentence ends where possible, else at spaces, else anywhere. */
export function split(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf('? '), window.lastIndexOf('! '), window.lastIndexOf('\n'));
    if (cut < max / 2) cut = window.lastIndexOf(' ');
    if (cut < max / 4) cut = max - 1;
    out.push(rest.slice(0, cut + 1).trim());
    rest = rest.slice(cut + 1).trimStart();
  }
  if (rest.trim() !== '') out.push(rest.trim());
  return out;
}
