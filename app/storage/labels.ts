import type Database from 'better-sqlite3';
import type { Clock, LabelKind, LabelRepo } from './types.js';

/** What people say about answers: kept for the evaluation work to calibrate the router from. */
export function createLabelRepo(db: Database.Database, now: Clock): LabelRepo {
  const q = {
    insert: db.prepare<[string, string, number]>('INSERT INTO labels (message_id, kind, created_at) VALUES (?, ?, ?)'),
    clearThumbs: db.prepare<[string]>("DELETE FROM labels WHERE message_id = ? AND kind IN ('thumbs-up', 'thumbs-down')"),
    all: db.prepare<[], { message_id: string; kind: LabelKind; created_at: number }>('SELECT message_id, kind, created_at FROM labels ORDER BY id'),
    byMessage: db.prepare<[string], { message_id: string; kind: LabelKind; created_at: number }>(
      'SELECT message_id, kind, created_at FROM labels WHERE message_id = ? ORDER BY id',
    ),
  };
  const setThumb = db.transaction((messageId: string, kind: 'thumbs-up' | 'thumbs-down' | null) => {
    q.clearThumbs.run(messageId);
    if (kind) q.insert.run(messageId, kind, now());
  });
  return {
    setThumb: (messageId, kind) => setThumb(messageId, kind),
    add: (messageId, kind) => void q.insert.run(messageId, kind, now()),
    list: (messageId) =>
      (messageId === undefined ? q.all.all() : q.byMessage.all(messageId)).map((r) => ({ messageId: r.message_id, kind: r.kind, createdAt: r.created_at })),
  };
}
