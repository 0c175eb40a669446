import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { DocKind, DocProgress, DocStatus } from '../contract/index.js';
import { notFound } from './conversations.js';
import { buildFtsQuery } from './fts-query.js';
import type { Clock } from './types.js';

/** An attachment: one dropped file in one conversation. */
export interface DocumentRecord {
  id: string;
  conversationId: string;
  sha256: string | null;
  name: string;
  kind: DocKind | null;
  sizeBytes: number;
  status: DocStatus;
  error: { code: string; message: string } | null;
  allowCloud: boolean;
  reused: boolean;
  createdAt: number;
}

/** The index of one file's content, shared by every attachment of that content. */
export interface DocFile {
  sha256: string;
  kind: DocKind;
  sizeBytes: number;
  storedName: string;
  pages: number | null;
  complete: boolean;
  cursor: number;
  progress: DocProgress;
  chunkCount: number;
}

export interface ChunkInput {
  pageStart: number | null;
  pageEnd: number | null;
  heading: string | null;
  text: string;
}

export interface Chunk extends ChunkInput {
  id: number;
  sha256: string;
  ord: number;
}

export interface ChunkHit extends Chunk {
  rank: number;
}

export interface DocumentRepo {
  create(d: {
    conversationId: string;
    name: string;
    sizeBytes: number;
    kind: DocKind | null;
    sha256: string | null;
    status: DocStatus;
    error?: { code: string; message: string } | null;
    reused?: boolean;
  }): DocumentRecord;
  get(id: string): DocumentRecord;
  list(conversationId: string): DocumentRecord[];
  /** Every attachment of this file content, in any conversation. */
  bySha(sha256: string): DocumentRecord[];
  /** Attachments that were queued or indexing when the app last stopped. */
  unfinished(): DocumentRecord[];
  setStatus(id: string, status: DocStatus, error?: { code: string; message: string } | null): DocumentRecord;
  setAllowCloud(id: string, allow: boolean): DocumentRecord;
  /** Removes the attachment; returns the file whose index nothing else uses any more (to delete). */
  remove(id: string): DocFile | null;

  file(sha256: string): DocFile | null;
  createFile(f: { sha256: string; kind: DocKind; sizeBytes: number; storedName: string }): DocFile;
  /** Chunks and the new resume point in one transaction: a crash keeps both or neither. */
  appendChunks(sha256: string, chunks: readonly ChunkInput[], at: { cursor: number; progress: DocProgress; pages?: number | null }): void;
  completeFile(sha256: string): void;
  /** Forgets a partial index (e.g. after the extractor changed its mind about the file). */
  resetFile(sha256: string): void;
  chunks(sha256: string): Chunk[];
  chunk(id: number): Chunk;
  /** Chunks of this file with no count for this tokenizer yet. */
  uncounted(sha256: string, tokenizer: string, limit: number): { id: number; text: string }[];
  putCounts(tokenizer: string, counts: readonly { chunkId: number; tokens: number }[]): void;
  /** Total tokens, or null while any chunk is uncounted for this tokenizer. */
  tokenTotal(sha256: string, tokenizer: string): number | null;
  tokenCounts(sha256: string, tokenizer: string): Map<number, number>;
  /** BM25 over the given files' chunks; user text never reaches MATCH raw. */
  search(sha256s: readonly string[], query: string, limit: number): ChunkHit[];
}

interface DocRow {
  id: string;
  conversation_id: string;
  sha256: string | null;
  name: string;
  kind: DocKind | null;
  size_bytes: number;
  status: DocStatus;
  error_code: string | null;
  error_message: string | null;
  allow_cloud: number;
  reused: number;
  created_at: number;
}

interface FileRow {
  sha256: string;
  kind: DocKind;
  size_bytes: number;
  stored_name: string;
  pages: number | null;
  state: 'pending' | 'complete';
  cursor: number;
  progress_done: number;
  progress_total: number | null;
  progress_unit: DocProgress['unit'];
  chunk_count: number;
}

interface ChunkRow {
  id: number;
  sha256: string;
  ord: number;
  page_start: number | null;
  page_end: number | null;
  heading: string | null;
  text: string;
}

const toDoc = (r: DocRow): DocumentRecord => ({
  id: r.id,
  conversationId: r.conversation_id,
  sha256: r.sha256,
  name: r.name,
  kind: r.kind,
  sizeBytes: r.size_bytes,
  status: r.status,
  error: r.error_code !== null ? { code: r.error_code, message: r.error_message ?? '' } : null,
  allowCloud: r.allow_cloud === 1,
  reused: r.reused === 1,
  createdAt: r.created_at,
});

const toFile = (r: FileRow): DocFile => ({
  sha256: r.sha256,
  kind: r.kind,
  sizeBytes: r.size_bytes,
  storedName: r.stored_name,
  pages: r.pages,
  complete: r.state === 'complete',
  cursor: r.cursor,
  progress: { done: r.progress_done, total: r.progress_total, unit: r.progress_unit },
  chunkCount: r.chunk_count,
});

const toChunk = (r: ChunkRow): Chunk => ({
  id: r.id,
  sha256: r.sha256,
  ord: r.ord,
  pageStart: r.page_start,
  pageEnd: r.page_end,
  heading: r.heading,
  text: r.text,
});

const DOC_COLUMNS = 'id, conversation_id, sha256, name, kind, size_bytes, status, error_code, error_message, allow_cloud, reused, created_at';

export function createDocumentRepo(db: Database.Database, now: Clock): DocumentRepo {
  const q = {
    liveConversation: db.prepare<[string], { one: 1 }>('SELECT 1 AS one FROM conversations WHERE id = ? AND deleted_at IS NULL'),
    insert: db.prepare(
      `INSERT INTO documents (${DOC_COLUMNS}, updated_at)
       VALUES (@id, @conversation_id, @sha256, @name, @kind, @size_bytes, @status, @error_code, @error_message, 0, @reused, @created_at, @created_at)`,
    ),
    get: db.prepare<[string], DocRow>(`SELECT ${DOC_COLUMNS} FROM documents WHERE id = ?`),
    list: db.prepare<[string], DocRow>(`SELECT ${DOC_COLUMNS} FROM documents WHERE conversation_id = ? ORDER BY created_at, rowid`),
    bySha: db.prepare<[string], DocRow>(`SELECT ${DOC_COLUMNS} FROM documents WHERE sha256 = ? ORDER BY created_at, rowid`),
    unfinished: db.prepare<[], DocRow>(`SELECT ${DOC_COLUMNS} FROM documents WHERE status IN ('queued', 'indexing') ORDER BY created_at, rowid`),
    setStatus: db.prepare<[string, string | null, string | null, number, string]>(
      'UPDATE documents SET status = ?, error_code = ?, error_message = ?, updated_at = ? WHERE id = ?',
    ),
    setAllowCloud: db.prepare<[number, number, string]>('UPDATE documents SET allow_cloud = ?, updated_at = ? WHERE id = ?'),
    remove: db.prepare<[string]>('DELETE FROM documents WHERE id = ?'),
    usesOfSha: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM documents WHERE sha256 = ?'),
    file: db.prepare<[string], FileRow>('SELECT * FROM doc_files WHERE sha256 = ?'),
    insertFile: db.prepare(
      `INSERT INTO doc_files (sha256, kind, size_bytes, stored_name, state, progress_unit, created_at, updated_at)
       VALUES (@sha256, @kind, @size_bytes, @stored_name, 'pending', 'bytes', @t, @t)`,
    ),
    deleteFile: db.prepare<[string]>('DELETE FROM doc_files WHERE sha256 = ?'),
    deleteChunks: db.prepare<[string]>('DELETE FROM doc_chunks WHERE sha256 = ?'),
    insertChunk: db.prepare(
      `INSERT INTO doc_chunks (sha256, ord, page_start, page_end, heading, text)
       VALUES (@sha256, @ord, @page_start, @page_end, @heading, @text)`,
    ),
    advance: db.prepare(
      `UPDATE doc_files SET cursor = @cursor, progress_done = @done, progress_total = @total, progress_unit = @unit,
         pages = COALESCE(@pages, pages), chunk_count = chunk_count + @added, updated_at = @t
       WHERE sha256 = @sha256`,
    ),
    complete: db.prepare<[number, string]>("UPDATE doc_files SET state = 'complete', updated_at = ? WHERE sha256 = ?"),
    reset: db.prepare<[number, string]>(
      "UPDATE doc_files SET state = 'pending', cursor = 0, progress_done = 0, chunk_count = 0, updated_at = ? WHERE sha256 = ?",
    ),
    chunks: db.prepare<[string], ChunkRow>('SELECT * FROM doc_chunks WHERE sha256 = ? ORDER BY ord'),
    chunk: db.prepare<[number], ChunkRow>('SELECT * FROM doc_chunks WHERE id = ?'),
    uncounted: db.prepare<[string, string, number], { id: number; text: string }>(
      `SELECT c.id, c.text FROM doc_chunks c
        WHERE c.sha256 = ? AND NOT EXISTS (SELECT 1 FROM doc_token_counts t WHERE t.tokenizer = ? AND t.chunk_id = c.id)
        ORDER BY c.ord LIMIT ?`,
    ),
    putCount: db.prepare<[string, number, number]>('INSERT OR REPLACE INTO doc_token_counts (tokenizer, chunk_id, tokens) VALUES (?, ?, ?)'),
    tokenTotal: db.prepare<[string, string], { counted: number; tokens: number | null }>(
      `SELECT count(t.tokens) AS counted, sum(t.tokens) AS tokens FROM doc_chunks c
         LEFT JOIN doc_token_counts t ON t.chunk_id = c.id AND t.tokenizer = ?
        WHERE c.sha256 = ?`,
    ),
    tokenCounts: db.prepare<[string, string], { chunk_id: number; tokens: number }>(
      `SELECT t.chunk_id, t.tokens FROM doc_token_counts t JOIN doc_chunks c ON c.id = t.chunk_id
        WHERE t.tokenizer = ? AND c.sha256 = ?`,
    ),
  };

  const getDoc = (id: string): DocRow => {
    const row = q.get.get(id);
    if (!row) throw notFound('document');
    return row;
  };

  const appendChunks = db.transaction(
    (sha256: string, chunks: readonly ChunkInput[], at: { cursor: number; progress: DocProgress; pages?: number | null }) => {
      const f = q.file.get(sha256);
      if (!f) throw notFound('document');
      let ord = f.chunk_count;
      for (const c of chunks) {
        q.insertChunk.run({ sha256, ord: ord++, page_start: c.pageStart, page_end: c.pageEnd, heading: c.heading, text: c.text });
      }
      q.advance.run({
        sha256,
        cursor: at.cursor,
        done: at.progress.done,
        total: at.progress.total,
        unit: at.progress.unit,
        pages: at.pages ?? null,
        added: chunks.length,
        t: now(),
      });
    },
  );

  const remove = db.transaction((id: string): DocFile | null => {
    const row = getDoc(id);
    q.remove.run(id);
    if (row.sha256 === null || q.usesOfSha.get(row.sha256)!.n > 0) return null;
    const f = q.file.get(row.sha256);
    if (!f) return null;
    // Chunks cascade; their FTS entries go with them through the delete trigger.
    q.deleteChunks.run(row.sha256);
    q.deleteFile.run(row.sha256);
    return toFile(f);
  });

  const putCounts = db.transaction((tokenizer: string, counts: readonly { chunkId: number; tokens: number }[]) => {
    for (const c of counts) q.putCount.run(tokenizer, c.chunkId, c.tokens);
  });

  const resetFile = db.transaction((sha256: string) => {
    q.deleteChunks.run(sha256);
    q.reset.run(now(), sha256);
  });

  // bm25 weights: a match in a heading counts for more than one in body text.
  const searchIn = (n: number) =>
    db.prepare<unknown[], ChunkRow & { rank: number }>(
      `SELECT c.*, bm25(doc_chunks_fts, 3.0, 1.0) AS rank
         FROM doc_chunks_fts JOIN doc_chunks c ON c.id = doc_chunks_fts.rowid
        WHERE doc_chunks_fts MATCH ? AND c.sha256 IN (${Array.from({ length: n }, () => '?').join(', ')})
        ORDER BY rank, c.ord LIMIT ?`,
    );
  const searchCache = new Map<number, ReturnType<typeof searchIn>>();

  return {
    create(d) {
      if (!q.liveConversation.get(d.conversationId)) throw notFound('conversation');
      const row = {
        id: randomUUID(),
        conversation_id: d.conversationId,
        sha256: d.sha256,
        name: d.name,
        kind: d.kind,
        size_bytes: d.sizeBytes,
        status: d.status,
        error_code: d.error?.code ?? null,
        error_message: d.error?.message ?? null,
        reused: d.reused ? 1 : 0,
        created_at: now(),
      };
      q.insert.run(row);
      return toDoc({ ...row, allow_cloud: 0 });
    },
    get: (id) => toDoc(getDoc(id)),
    list: (conversationId) => q.list.all(conversationId).map(toDoc),
    bySha: (sha256) => q.bySha.all(sha256).map(toDoc),
    unfinished: () => q.unfinished.all().map(toDoc),
    setStatus(id, status, error = null) {
      const res = q.setStatus.run(status, error?.code ?? null, error?.message ?? null, now(), id);
      if (res.changes === 0) throw notFound('document');
      return toDoc(getDoc(id));
    },
    setAllowCloud(id, allow) {
      const res = q.setAllowCloud.run(allow ? 1 : 0, now(), id);
      if (res.changes === 0) throw notFound('document');
      return toDoc(getDoc(id));
    },
    remove: (id) => remove(id),
    file: (sha256) => {
      const f = q.file.get(sha256);
      return f ? toFile(f) : null;
    },
    createFile(f) {
      q.insertFile.run({ sha256: f.sha256, kind: f.kind, size_bytes: f.sizeBytes, stored_name: f.storedName, t: now() });
      return toFile(q.file.get(f.sha256)!);
    },
    appendChunks: (sha256, chunks, at) => appendChunks(sha256, chunks, at),
    completeFile: (sha256) => void q.complete.run(now(), sha256),
    resetFile: (sha256) => resetFile(sha256),
    chunks: (sha256) => q.chunks.all(sha256).map(toChunk),
    chunk(id) {
      const r = q.chunk.get(id);
      if (!r) throw notFound('passage');
      return toChunk(r);
    },
    uncounted: (sha256, tokenizer, limit) => q.uncounted.all(sha256, tokenizer, limit),
    putCounts: (tokenizer, counts) => putCounts(tokenizer, counts),
    tokenTotal(sha256, tokenizer) {
      const r = q.tokenTotal.get(tokenizer, sha256)!;
      const f = q.file.get(sha256);
      if (!f || r.counted < f.chunk_count) return null;
      return r.tokens ?? 0;
    },
    tokenCounts: (sha256, tokenizer) => new Map(q.tokenCounts.all(tokenizer, sha256).map((r) => [r.chunk_id, r.tokens])),
    search(sha256s, query, limit) {
      const match = buildFtsQuery(query);
      if (match === null || sha256s.length === 0) return [];
      let stmt = searchCache.get(sha256s.length);
      if (!stmt) {
        stmt = searchIn(sha256s.length);
        searchCache.set(sha256s.length, stmt);
      }
      return stmt.all(match, ...sha256s, limit).map((r) => ({ ...toChunk(r), rank: r.rank }));
    },
  };
}
