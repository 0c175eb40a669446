import type Database from 'better-sqlite3';
import type { Clock, LabelKind, LabelRepo, LocalVerdict } from './types.js';

/** What people say about answers: kept for the evaluation work to calibrate the router from. */
export function createLabelRepo(db: Database.Database, now: Clock): LabelRepo {
  const q = {
    insert: db.prepare<[string, string, number]>('INSERT INTO labels (message_id, kind, created_at) VALUES (?, ?, ?)'),
    clearThumbs: db.prepare<[string]>("DELETE FROM labels WHERE message_id = ? AND kind IN ('thumbs-up', 'thumbs-down')"),
    all: db.prepare<[], { message_id: string; kind: LabelKind; created_at: number }>('SELECT message_id, kind, created_at FROM labels ORDER BY id'),
    byMessage: db.prepare<[string], { message_id: string; kind: LabelKind; created_at: number }>(
      'SELECT message_id, kind, created_at FROM labels WHERE message_id = ? ORDER BY id',
    ),
    verdicts: db.prepare<
      [],
      { message_id: string; asked: number; up: number; down: number; cloud_answered: number; min_p: number | null; p10: number | null; mean_logp: number | null; margin1: number | null; token_count: number }
    >(
      `WITH lab AS (
         SELECT message_id, MAX(kind = 'asked-cloud') AS asked, MAX(kind = 'thumbs-up') AS up, MAX(kind = 'thumbs-down') AS down
         FROM labels GROUP BY message_id
       )
       SELECT lab.message_id, lab.asked, lab.up, lab.down, u.min_p, u.p10, u.mean_logp, u.margin1, u.token_count,
         EXISTS (SELECT 1 FROM usage_events c WHERE c.message_id = lab.message_id AND c.route = 'cloud' AND c.outcome = 'ok') AS cloud_answered
       FROM lab
       JOIN usage_events u ON u.id = (SELECT MAX(id) FROM usage_events WHERE message_id = lab.message_id AND route = 'local')
       ORDER BY u.id`,
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
    localVerdicts: () => {
      const out: LocalVerdict[] = [];
      for (const r of q.verdicts.all()) {
        // "Ask cloud" is the clearest verdict on the local answer; after it (or an Auto escalation)
        // the thumbs rate the cloud's answer, which says nothing about the local model.
        const acceptable = r.asked ? false : r.cloud_answered ? null : r.down ? false : r.up ? true : null;
        if (acceptable === null) continue;
        out.push({
          messageId: r.message_id,
          acceptable,
          confidence: { minP: r.min_p, p10: r.p10, meanLogp: r.mean_logp, margin1: r.margin1, tokenCount: r.token_count },
        });
      }
      return out;
    },
  };
}
