import { describe, expect, it } from 'vitest';
import { buildFtsQuery } from '../../app/storage/index.js';
import { MAX_TERMS } from '../../app/storage/fts-query.js';

/** Every output must be quoted terms joined by OR: nothing the user typed can act as FTS5 syntax. */
const SAFE = /^"[^"]+"\*?( OR "[^"]+"\*?)*$/u;

describe('buildFtsQuery', () => {
  it.each([
    ["what's the Brightwater invoice?", '"brightwater" OR "invoice"'],
    ['Where did I put the invoice from Brightwater?', '"put" OR "invoice" OR "brightwater"'],
    ["what's this? (section 4)", '"section" OR "4"'],
    ['C++ -flag', '"c" OR "flag"*'],
    ['"hello', '"hello"*'],
    ['Brightw', '"brightw"*'],
    ['invoice ', '"invoice"'],
    ['Invoice invoice INVOICE', '"invoice"*'],
    ['near the station', '"near" OR "station"*'],
    ['cats NEAR dogs', '"cats" OR "dogs"*'],
    ['title:secret', '"title" OR "secret"*'],
    ['Café in Zürich', '"café" OR "zürich"*'],
    ['東京タワー', '"東京タワー"*'],
  ])('%j → %s', (input, expected) => {
    expect(buildFtsQuery(input)).toBe(expected);
  });

  it.each(['', '   ', '*', '???', '()', '"', 'AND', 'OR NOT', 'NEAR(', 'and or not', 'what is this?', '🙂🙂', '\u0000', '\ud800'])(
    'leaves nothing to search in %j → null',
    (input) => {
      expect(buildFtsQuery(input)).toBeNull();
    },
  );

  it('keeps a 10,000-character paste bounded', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `w${i}x`).join(' ');
    const q = buildFtsQuery(words.slice(0, 10_000))!;
    expect(q).toMatch(SAFE);
    expect(q.split(' OR ')).toHaveLength(MAX_TERMS);
    expect(buildFtsQuery('x'.repeat(10_000))).toBe(`"${'x'.repeat(10_000)}"*`);
  });

  it('never emits anything but quoted terms, whatever the input (fuzz)', () => {
    // A small seeded generator, so a failure reproduces.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['"', "'", '(', ')', '*', '-', '+', ':', '^', '{', '}', ' ', 'AND', 'OR', 'NOT', 'NEAR', 'a', 'bé', '4', '\n', 'ß', '語', '\\'];
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(rand() * 12);
      const s = Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const q = buildFtsQuery(s);
      if (q !== null) expect(q, JSON.stringify(s)).toMatch(SAFE);
    }
  });
});
