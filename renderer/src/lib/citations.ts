import { normalizeLabel, type Citation } from '../../../app/contract/index.js';

/** Turns "[p. 12]" into a link to the cited passage; brackets that match no passage stay text. */
export function linkCitations(text: string, citations: readonly Citation[]): string {
  if (citations.length === 0) return text;
  const byLabel = new Map(citations.map((c) => [normalizeLabel(c.label).toLowerCase(), c.chunkId]));
  return text.replace(/\[([^[\]\n]{1,120})\](?!\()/g, (whole, inner: string) => {
    const first = inner.split(/[;,](?=\s*(?:p\.|pp\.|page|part)\s*\d)/i)[0] ?? inner;
    const id = byLabel.get(normalizeLabel(first).toLowerCase());
    return id === undefined ? whole : `[${inner}](#cite-${id})`;
  });
}
