/**
 * Paragraphs longer than this are cut: a block should fit a chunk (about 1,600 characters) a few
 * times over, not hold a whole run-on file.
 */
export const MAX_BLOCK_CHARS = 4000;

/**
 * Cuts text into pieces of at most `max` characters, preferring the last sentence end, then the
 * last whitespace, and cutting mid-word only when a piece has neither.
 */
export function splitLong(text: string, max = MAX_BLOCK_CHARS): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = lastSentenceEnd(window);
    if (cut < max / 2) cut = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n')) + 1;
    if (cut <= 0) cut = safeCut(rest, max);
    const piece = rest.slice(0, cut).trim();
    if (piece) out.push(piece);
    rest = rest.slice(cut);
  }
  const tail = rest.trim();
  if (tail) out.push(tail);
  return out;
}

function lastSentenceEnd(s: string): number {
  const re = /[.!?。！？]["')\]]?\s/g;
  let end = -1;
  for (let m = re.exec(s); m; m = re.exec(s)) end = m.index + m[0].length;
  return end;
}

/** Never splits a surrogate pair, so no piece ends in half a character. */
function safeCut(s: string, at: number): number {
  const code = s.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

/** Body text as blocks of a readable size. */
export function bodyBlocks(text: string, page: number | null = null): { text: string; page: number | null; heading: null }[] {
  return splitLong(text).map((t) => ({ text: t, page, heading: null }));
}
