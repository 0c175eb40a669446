/**
 * Documents dropped on a conversation, and their index.
 *
 * The index is keyed on the file's SHA-256, not on the attachment: the same file dropped again (in
 * any conversation) reuses its chunks. `cursor` is where extraction stopped (pages, bytes or rows,
 * per kind), committed in the same transaction as the chunks before it, so a restart resumes there.
 *
 * Chunk boundaries depend only on the text; token counts depend on the tokenizer too, so they live
 * in their own table keyed by the tokenizer's identity, and another model only re-counts.
 *
 * doc_chunks_fts is external-content like messages_fts (002): text stored once, kept in sync by
 * triggers.
 */
export const sql = `
CREATE TABLE doc_files (
  sha256      TEXT PRIMARY KEY NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('pdf', 'docx', 'txt', 'md', 'html', 'csv', 'json')),
  size_bytes  INTEGER NOT NULL,
  stored_name TEXT NOT NULL,
  pages       INTEGER,
  state       TEXT NOT NULL CHECK (state IN ('pending', 'complete')),
  cursor      INTEGER NOT NULL DEFAULT 0,
  progress_done  INTEGER NOT NULL DEFAULT 0,
  progress_total INTEGER,
  progress_unit  TEXT NOT NULL DEFAULT 'bytes',
  chunk_count INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE documents (
  id              TEXT PRIMARY KEY NOT NULL,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  sha256          TEXT REFERENCES doc_files (sha256),
  name            TEXT NOT NULL,
  kind            TEXT,
  size_bytes      INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('queued', 'indexing', 'ready', 'error', 'cancelled')),
  error_code      TEXT,
  error_message   TEXT,
  allow_cloud     INTEGER NOT NULL DEFAULT 0 CHECK (allow_cloud IN (0, 1)),
  reused          INTEGER NOT NULL DEFAULT 0 CHECK (reused IN (0, 1)),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX documents_by_conversation ON documents (conversation_id, created_at);
CREATE INDEX documents_by_sha ON documents (sha256);
CREATE INDEX documents_by_status ON documents (status);

CREATE TABLE doc_chunks (
  id         INTEGER PRIMARY KEY,
  sha256     TEXT NOT NULL REFERENCES doc_files (sha256) ON DELETE CASCADE,
  ord        INTEGER NOT NULL,
  page_start INTEGER,
  page_end   INTEGER,
  heading    TEXT,
  text       TEXT NOT NULL,
  UNIQUE (sha256, ord)
);

CREATE VIRTUAL TABLE doc_chunks_fts USING fts5 (
  heading,
  text,
  content = 'doc_chunks',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER doc_chunks_fts_insert AFTER INSERT ON doc_chunks BEGIN
  INSERT INTO doc_chunks_fts (rowid, heading, text) VALUES (new.id, new.heading, new.text);
END;
CREATE TRIGGER doc_chunks_fts_delete AFTER DELETE ON doc_chunks BEGIN
  INSERT INTO doc_chunks_fts (doc_chunks_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
END;

CREATE TABLE doc_token_counts (
  tokenizer TEXT NOT NULL,
  chunk_id  INTEGER NOT NULL REFERENCES doc_chunks (id) ON DELETE CASCADE,
  tokens    INTEGER NOT NULL,
  PRIMARY KEY (tokenizer, chunk_id)
) WITHOUT ROWID;
CREATE INDEX doc_token_counts_by_chunk ON doc_token_counts (chunk_id);

ALTER TABLE messages ADD COLUMN task_json TEXT CHECK (task_json IS NULL OR json_valid(task_json));
`;
