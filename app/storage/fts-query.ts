/**
 * Turns what a person types into a safe FTS5 MATCH expression.
 *
 * The user's text is never handed to MATCH: FTS5 syntax (quotes, parentheses, `-`, `*`, `:`,
 * AND/OR/NOT/NEAR) would make ordinary questions fail with a syntax error or mean something else.
 * Instead we keep only word terms, each emitted as a quoted string, joined with OR and ranked by
 * bm25 — so "what's the Brightwater invoice?" finds "Where did I put the invoice from
 * Brightwater?", and a message matching more of the terms ranks higher.
 *
 * Terms are runs of Unicode letters, digits and combining marks, like the unicode61 tokenizer's
 * own tokens: "C++" becomes "c" (the index cannot hold "++" either), "what's" becomes "what" + "s"
 * (both stopwords).
 */

/** Enough for any real question; keeps a pasted 10k-character query cheap. */
export const MAX_TERMS = 32;

const TERM = /[\p{L}\p{N}\p{M}]+/gu;

/** Written in capitals these are FTS5 operators; dropped so the query means what it says. */
const OPERATORS = new Set(['AND', 'OR', 'NOT', 'NEAR']);

// Common English function words, and question words, that would otherwise match nearly every
// message. "near" is not here: in lower case it is an ordinary word and, quoted, harmless.
const STOPWORDS = new Set(
  `a about above after again against all am an and any are aren as at be because been before being below between
  both but by can cannot could couldn d did didn do does doesn doing don down during each few for from further had
  hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn it its itself
  just ll m me might more most must mustn my myself no nor not now o of off on once only or other ought our ours
  ourselves out over own re s same shall shan she should shouldn so some such t than that the their theirs them
  themselves then there these they this those through to too under until up ve very was wasn we were weren what
  when where which while who whom why will with won would wouldn y you your yours yourself yourselves
  anything something tell please`.split(/\s+/),
);

export function buildFtsQuery(text: string): string | null {
  const matches = [...text.matchAll(TERM)];
  const terms: string[] = [];
  for (const m of matches) {
    const raw = m[0];
    if (OPERATORS.has(raw)) continue;
    const term = raw.toLowerCase();
    if (STOPWORDS.has(term) || terms.includes(term)) continue;
    terms.push(term);
    if (terms.length === MAX_TERMS) break;
  }
  if (terms.length === 0) return null;

  // Search-as-you-type: when the text ends inside a word, that word may be unfinished, so it
  // also matches as a prefix. A finished word ("invoice?" or "invoice ") matches exactly.
  const last = matches.at(-1);
  const unfinished =
    last !== undefined &&
    last.index + last[0].length === text.length &&
    last[0].toLowerCase() === terms.at(-1) &&
    last[0].length >= 2;

  return terms.map((t, i) => quote(t) + (unfinished && i === terms.length - 1 ? '*' : '')).join(' OR ');
}

/** An FTS5 string: double quotes, with embedded quotes doubled. */
function quote(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}
