import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/storage-fixtures.js';

/** The document index in a real SQLite file: keyed on content, resumable, searchable. */
const { open } = useTempDirs('modest-docs-storage-');

function setup() {
  const s = open();
  const conv = s.conversations.create();
  s.documents.createFile({ sha256: 'a'.repeat(64), kind: 'pdf', sizeBytes: 100, storedName: 'a.pdf' });
  const doc = s.documents.create({ conversationId: conv.id, name: 'lease.pdf', sizeBytes: 100, kind: 'pdf', sha256: 'a'.repeat(64), status: 'queued' });
  return { s, conv, doc, sha: 'a'.repeat(64) };
}

describe('document storage', () => {
  it('commits chunks and the resume point together, in order', () => {
    const { s, sha } = setup();
    s.documents.appendChunks(sha, [{ pageStart: 1, pageEnd: 1, heading: 'Rent', text: 'The rent is nine hundred euros.' }], {
      cursor: 1,
      progress: { done: 1, total: 4, unit: 'pages' },
      pages: 4,
    });
    s.documents.appendChunks(sha, [{ pageStart: 2, pageEnd: 2, heading: null, text: 'Either party may terminate.' }], {
      cursor: 2,
      progress: { done: 2, total: 4, unit: 'pages' },
    });
    const f = s.documents.file(sha)!;
    expect(f).toMatchObject({ cursor: 2, pages: 4, chunkCount: 2, complete: false, progress: { done: 2, total: 4, unit: 'pages' } });
    expect(s.documents.chunks(sha).map((c) => [c.ord, c.pageStart])).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('rolls back a batch that fails half-way (no chunks without their cursor)', () => {
    const { s, sha } = setup();
    expect(() =>
      s.documents.appendChunks(sha, [{ pageStart: 1, pageEnd: 1, heading: null, text: 'ok' }, { pageStart: 1, pageEnd: 1, heading: null, text: null as unknown as string }], {
        cursor: 9,
        progress: { done: 9, total: 9, unit: 'pages' },
      }),
    ).toThrow();
    expect(s.documents.chunks(sha)).toEqual([]);
    expect(s.documents.file(sha)!.cursor).toBe(0);
  });

  it('searches with BM25, heading matches first, and never passes user syntax to MATCH', () => {
    const { s, sha } = setup();
    s.documents.appendChunks(
      sha,
      [
        { pageStart: 1, pageEnd: 1, heading: 'Deposit', text: 'A deposit of two months is held.' },
        { pageStart: 2, pageEnd: 2, heading: 'Rent', text: 'Rent is paid monthly; the rent is nine hundred euros.' },
        { pageStart: 3, pageEnd: 3, heading: 'Pets', text: 'No pets. Rent rises with inflation.' },
      ],
      { cursor: 3, progress: { done: 3, total: 3, unit: 'pages' } },
    );
    const hits = s.documents.search([sha], 'How much is the rent?', 10);
    expect(hits.map((h) => h.pageStart)).toEqual([2, 3]);
    // Quotes and operators are words here: page 3 matches both "rent" and "pets", so it leads.
    expect(s.documents.search([sha], 'rent" OR pets NEAR(', 10).map((h) => h.pageStart)).toEqual([3, 2]);
    expect(s.documents.search([sha], 'the of and', 10)).toEqual([]);
    expect(s.documents.search(['b'.repeat(64)], 'rent', 10)).toEqual([]);
  });

  it('keeps token counts per tokenizer; a total exists only when every chunk is counted', () => {
    const { s, sha } = setup();
    s.documents.appendChunks(
      sha,
      [
        { pageStart: 1, pageEnd: 1, heading: null, text: 'one' },
        { pageStart: 2, pageEnd: 2, heading: null, text: 'two' },
      ],
      { cursor: 2, progress: { done: 2, total: 2, unit: 'pages' } },
    );
    const [c1, c2] = s.documents.chunks(sha);
    expect(s.documents.tokenTotal(sha, 'tok-a')).toBeNull();
    s.documents.putCounts('tok-a', [{ chunkId: c1!.id, tokens: 5 }]);
    expect(s.documents.tokenTotal(sha, 'tok-a')).toBeNull();
    expect(s.documents.uncounted(sha, 'tok-a', 10).map((c) => c.id)).toEqual([c2!.id]);
    s.documents.putCounts('tok-a', [{ chunkId: c2!.id, tokens: 7 }]);
    expect(s.documents.tokenTotal(sha, 'tok-a')).toBe(12);
    expect(s.documents.tokenTotal(sha, 'tok-b')).toBeNull();
    expect(s.documents.uncounted(sha, 'tok-b', 10)).toHaveLength(2);
  });

  it('removing the last attachment of a file drops its index; another attachment keeps it', () => {
    const { s, conv, doc, sha } = setup();
    s.documents.appendChunks(sha, [{ pageStart: 1, pageEnd: 1, heading: null, text: 'rent' }], { cursor: 1, progress: { done: 1, total: 1, unit: 'pages' } });
    const second = s.documents.create({ conversationId: conv.id, name: 'copy.pdf', sizeBytes: 100, kind: 'pdf', sha256: sha, status: 'ready', reused: true });
    expect(s.documents.remove(doc.id)).toBeNull();
    expect(s.documents.chunks(sha)).toHaveLength(1);
    expect(s.documents.remove(second.id)).toMatchObject({ sha256: sha, storedName: 'a.pdf' });
    expect(s.documents.file(sha)).toBeNull();
    expect(s.documents.search([sha], 'rent', 5)).toEqual([]);
    expect(() => s.documents.get(doc.id)).toThrow(expect.objectContaining({ code: 'DOC_NOT_FOUND' }));
  });

  it('lists unfinished attachments for resuming, and Delete all erases documents and their text', () => {
    const { s, sha, doc } = setup();
    s.documents.appendChunks(sha, [{ pageStart: 1, pageEnd: 1, heading: null, text: 'secret clause text' }], { cursor: 1, progress: { done: 1, total: 2, unit: 'pages' } });
    expect(s.documents.unfinished().map((d) => d.id)).toEqual([doc.id]);
    s.documents.setStatus(doc.id, 'ready');
    expect(s.documents.unfinished()).toEqual([]);
    s.deleteAll();
    expect(s.documents.file(sha)).toBeNull();
    expect(s.documents.search([sha], 'secret', 5)).toEqual([]);
  });
});
