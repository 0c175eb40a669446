import type Database from 'better-sqlite3';
import type { SearchHit } from '../contract/index.js';
import { buildFtsQuery } from './fts-query.js';

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 200;

interface Row {
  message_id: string;
  conversation_id: string;
  conversation_title: string;
  role: 'user' | 'assistant';
  snippet: string;
  created_at: number;
}

export function createSearch(db: Database.Database): (query: string, limit?: number) => SearchHit[] {
  // bm25() is lower-is-better; ties go to the newer message.
  const stmt = db.prepare<[string, number], Row>(
    `SELECT m.id AS message_id, m.conversation_id, c.title AS conversation_title, m.role, m.created_at,
            snippet(messages_fts, 0, '[[', ']]', '…', 16) AS snippet
       FROM messages_fts
       JOIN messages m ON m.seq = messages_fts.rowid
       JOIN conversations c ON c.id = m.conversation_id
      WHERE messages_fts MATCH ? AND c.deleted_at IS NULL AND c.kind = 'chat'
      ORDER BY bm25(messages_fts), m.created_at DESC, m.seq DESC
      LIMIT ?`,
  );

  return (query, limit = DEFAULT_SEARCH_LIMIT) => {
    const match = buildFtsQuery(query);
    if (match === null) return [];
    const n = Number.isFinite(limit) ? Math.min(MAX_SEARCH_LIMIT, Math.max(1, Math.trunc(limit))) : DEFAULT_SEARCH_LIMIT;
    return stmt.all(match, n).map((r) => ({
      messageId: r.message_id,
      conversationId: r.conversation_id,
      conversationTitle: r.conversation_title,
      role: r.role,
      snippet: r.snippet,
      createdAt: r.created_at,
    }));
  };
}
