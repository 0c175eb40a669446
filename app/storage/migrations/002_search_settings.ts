/**
 * Full-text search over message content, and the settings table.
 *
 * The FTS table is external-content (content='messages'): the text is stored once, in messages,
 * and the index is kept in sync by triggers, so it can never drift from what the app writes.
 * 'rebuild' indexes messages written before this migration existed.
 */
export const sql = `
CREATE VIRTUAL TABLE messages_fts USING fts5 (
  content,
  content = 'messages',
  content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
END;
-- Status-only updates (a reply completing) leave the index alone.
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages WHEN old.content IS NOT new.content BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
  INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

-- One row per setting, the value as JSON: adding a setting later needs no migration, and a bad
-- value spoils only its own key.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;
