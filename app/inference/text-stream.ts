/**
 * Turns generated tokens into text pieces that are safe to show:
 * - a multi-byte character split across tokens is held until it is whole (no U+FFFD flicker);
 * - text that could be the start of a stop trigger (e.g. "\n### Human:") is held until it is
 *   clearly not one, so a trigger never flashes on screen and is never saved.
 */
export class TextStream {
  private text = '';
  private emitted = 0;
  private pending: number[] = [];
  private readonly context: number[] = [];
  private stopped = false;

  constructor(
    private readonly detokenize: (tokens: readonly number[], lastTokens: readonly number[]) => string,
    private readonly triggers: readonly string[],
  ) {}

  /** Adds a token; returns the new safe text (maybe '') and whether a stop trigger was hit. */
  push(token: number): { piece: string; stop: boolean } {
    if (this.stopped) return { piece: '', stop: true };
    this.pending.push(token);
    const decoded = this.detokenize(this.pending, this.context);
    // Up to 4 tokens can make one UTF-8 character with byte-fallback vocabularies.
    if (decoded.endsWith('\uFFFD') && this.pending.length < 4) return { piece: '', stop: false };
    this.context.push(...this.pending);
    if (this.context.length > 16) this.context.splice(0, this.context.length - 16);
    this.pending = [];
    this.text += decoded;

    for (const t of this.triggers) {
      const at = this.text.indexOf(t, Math.max(0, this.emitted - t.length));
      if (at !== -1) {
        this.text = this.text.slice(0, at);
        this.stopped = true;
        return { piece: this.take(this.text.length), stop: true };
      }
    }
    return { piece: this.take(this.text.length - this.heldBack()), stop: false };
  }

  /** At the end: whatever was held back is real text after all. */
  flush(): string {
    if (this.pending.length > 0 && !this.stopped) {
      this.text += this.detokenize(this.pending, this.context);
      this.pending = [];
    }
    return this.take(this.text.length);
  }

  get fullText(): string {
    return this.text;
  }

  private take(upTo: number): string {
    if (upTo <= this.emitted) return '';
    const piece = this.text.slice(this.emitted, upTo);
    this.emitted = upTo;
    return piece;
  }

  private heldBack(): number {
    let hold = 0;
    for (const t of this.triggers) {
      for (let k = Math.min(t.length - 1, this.text.length); k > hold; k--) {
        if (this.text.endsWith(t.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }
}
