import type Database from 'better-sqlite3';

/**
 * "Delete all my data" must mean the text is gone from disk, not just unreachable. Deleted rows
 * leave their bytes in free pages and in the WAL, so after deleting we VACUUM (rewrites the file
 * without free pages) and checkpoint with TRUNCATE (copies the result into modest.db and empties
 * the WAL); each step alone leaves the text readable. Settings are kept: they are preferences,
 * not conversation data.
 */
export function createDeleteAll(db: Database.Database): () => { conversations: number; messages: number } {
  const q = {
    countConversations: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM conversations'),
    countMessages: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages'),
    usage: db.prepare('DELETE FROM usage_events'),
    documents: db.prepare('DELETE FROM documents'),
    counts: db.prepare('DELETE FROM doc_token_counts'),
    chunks: db.prepare('DELETE FROM doc_chunks'),
    files: db.prepare('DELETE FROM doc_files'),
    docFts: db.prepare("INSERT INTO doc_chunks_fts (doc_chunks_fts) VALUES ('delete-all')"),
    messages: db.prepare('DELETE FROM messages'),
    conversations: db.prepare('DELETE FROM conversations'),
    // The triggers already removed every entry; this also resets the index's own structure.
    fts: db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')"),
  };

  const wipe = db.transaction(() => {
    const counts = { conversations: q.countConversations.get()!.n, messages: q.countMessages.get()!.n };
    q.usage.run();
    q.documents.run();
    q.counts.run();
    q.chunks.run();
    q.files.run();
    q.docFts.run();
    q.messages.run();
    q.conversations.run();
    q.fts.run();
    return counts;
  });

  return () => {
    const counts = wipe();
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    return counts;
  };
}
