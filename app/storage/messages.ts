import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError, DocTaskInfoSchema, EscalationSchema, MessageStatusSchema, ReplyStatsSchema, type DocTaskInfo, type Escalation, type Message, type ReplyStats } from '../contract/index.js';
import { notFound } from './conversations.js';
import type { Clock, MessageRepo } from './types.js';

interface Row {
  seq: number;
  id: string;
  conversation_id: string;
  role: 'user' | 'assistant';
  content: string;
  status: Message['status'];
  created_at: number;
  updated_at: number;
  stats_json: string | null;
  error: string | null;
  escalation_json: string | null;
  task_json: string | null;
}

const COLUMNS = 'seq, id, conversation_id, role, content, status, created_at, updated_at, stats_json, error, escalation_json, task_json';

export function toMessage(r: Row): Message {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    role: r.role,
    content: r.content,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    stats: parseStats(r.stats_json),
    error: r.error,
    escalation: parseEscalation(r.escalation_json),
    task: parseTask(r.task_json),
  };
}

function parseEscalation(json: string | null): Escalation | null {
  if (json === null) return null;
  try {
    const parsed = EscalationSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function parseTask(json: string | null): DocTaskInfo | null {
  if (json === null) return null;
  try {
    const parsed = DocTaskInfoSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Stats written by an older or newer Modest may not fit today's schema; a message without stats beats a crash. */
function parseStats(json: string | null): ReplyStats | null {
  if (json === null) return null;
  try {
    const parsed = ReplyStatsSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function checkStatus(status: unknown): Message['status'] {
  const parsed = MessageStatusSchema.safeParse(status);
  if (!parsed.success) throw new AppError('BAD_REQUEST', { message: `Unknown message status "${String(status)}".` });
  return parsed.data;
}

export function createMessageRepo(db: Database.Database, now: Clock): MessageRepo {
  const q = {
    list: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq`),
    get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM messages WHERE id = ?`),
    liveConversation: db.prepare<[string], { one: 1 }>(
      'SELECT 1 AS one FROM conversations WHERE id = ? AND deleted_at IS NULL',
    ),
    insert: db.prepare<[Omit<Row, 'seq' | 'escalation_json'>]>(
      `INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at, stats_json, error, task_json)
       VALUES (@id, @conversation_id, @role, @content, @status, @created_at, @updated_at, @stats_json, @error, @task_json)`,
    ),
    touchConversation: db.prepare<[number, string]>('UPDATE conversations SET updated_at = ? WHERE id = ?'),
    // COALESCE-style flags keep one statement for every patch shape.
    update: db.prepare<[{ id: string; updated_at: number; set_content: number; content: string | null; set_status: number; status: string | null; set_stats: number; stats_json: string | null; set_error: number; error: string | null; set_escalation: number; escalation_json: string | null; set_task: number; task_json: string | null }]>(
      `UPDATE messages SET
         content    = CASE WHEN @set_content THEN @content ELSE content END,
         status     = CASE WHEN @set_status THEN @status ELSE status END,
         stats_json = CASE WHEN @set_stats THEN @stats_json ELSE stats_json END,
         error      = CASE WHEN @set_error THEN @error ELSE error END,
         escalation_json = CASE WHEN @set_escalation THEN @escalation_json ELSE escalation_json END,
         task_json  = CASE WHEN @set_task THEN @task_json ELSE task_json END,
         updated_at = @updated_at
       WHERE id = @id`,
    ),
    deleteFrom: db.prepare<[string, number]>('DELETE FROM messages WHERE conversation_id = ? AND seq >= ?'),
  };

  const getRow = (id: string): Row => {
    const row = q.get.get(id);
    if (!row) throw notFound('message');
    return row;
  };

  const insert = db.transaction((m: Parameters<MessageRepo['insert']>[0]): Message => {
    if (!q.liveConversation.get(m.conversationId)) throw notFound('conversation');
    const status = checkStatus(m.status);
    const t = now();
    const row = {
      id: randomUUID(),
      conversation_id: m.conversationId,
      role: m.role,
      content: m.content,
      status,
      created_at: t,
      updated_at: t,
      stats_json: null,
      error: null,
      task_json: m.task == null ? null : JSON.stringify(m.task),
    };
    q.insert.run(row);
    q.touchConversation.run(t, m.conversationId);
    return toMessage({ ...row, seq: 0, escalation_json: null });
  });

  return {
    list: (conversationId) => q.list.all(conversationId).map(toMessage),
    get: (id) => toMessage(getRow(id)),
    insert: (m) => insert(m),
    update(id, patch) {
      // Deliberately allowed in a soft-deleted conversation: a reply that was streaming when its
      // conversation was deleted still finishes its bookkeeping, and Restore brings it back whole.
      if (patch.status !== undefined) checkStatus(patch.status);
      const res = q.update.run({
        id,
        updated_at: now(),
        set_content: patch.content !== undefined ? 1 : 0,
        content: patch.content ?? null,
        set_status: patch.status !== undefined ? 1 : 0,
        status: patch.status ?? null,
        set_stats: patch.stats !== undefined ? 1 : 0,
        stats_json: patch.stats == null ? null : JSON.stringify(patch.stats),
        set_error: patch.error !== undefined ? 1 : 0,
        error: patch.error ?? null,
        set_escalation: patch.escalation !== undefined ? 1 : 0,
        escalation_json: patch.escalation == null ? null : JSON.stringify(patch.escalation),
        set_task: patch.task !== undefined ? 1 : 0,
        task_json: patch.task == null ? null : JSON.stringify(patch.task),
      });
      if (res.changes === 0) throw notFound('message');
      return toMessage(getRow(id));
    },
    deleteAfter(messageId, opts) {
      const target = getRow(messageId);
      return q.deleteFrom.run(target.conversation_id, opts.inclusive ? target.seq : target.seq + 1).changes;
    },
  };
}
