import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError, type Conversation } from '../contract/index.js';
import type { Clock, ConversationRepo } from './types.js';

export const DEFAULT_TITLE = 'New chat';

interface Row {
  id: string;
  title: string;
  keep_local: number;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'id, title, keep_local, created_at, updated_at';

export function toConversation(r: Row): Conversation {
  return { id: r.id, title: r.title, keepLocal: r.keep_local === 1, createdAt: r.created_at, updatedAt: r.updated_at };
}

export function notFound(what: 'conversation' | 'message' | 'document' | 'passage'): AppError {
  if (what === 'document') return new AppError('DOC_NOT_FOUND');
  return new AppError('NOT_FOUND', { message: `That ${what} no longer exists.` });
}

export function createConversationRepo(db: Database.Database, now: Clock): ConversationRepo {
  const q = {
    list: db.prepare<[], Row>(
      `SELECT ${COLUMNS} FROM conversations WHERE deleted_at IS NULL AND kind = 'chat' ORDER BY updated_at DESC, created_at DESC, id`,
    ),
    findEval: db.prepare<[string], Row>(
      `SELECT ${COLUMNS} FROM conversations WHERE kind = 'eval' AND title = ? AND deleted_at IS NULL ORDER BY created_at DESC, id LIMIT 1`,
    ),
    insertEval: db.prepare<[Row]>(
      `INSERT INTO conversations (${COLUMNS}, kind) VALUES (@id, @title, @keep_local, @created_at, @updated_at, 'eval')`,
    ),
    getLive: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM conversations WHERE id = ? AND deleted_at IS NULL`),
    exists: db.prepare<[string], { one: 1 }>('SELECT 1 AS one FROM conversations WHERE id = ?'),
    insert: db.prepare<[Row]>(
      `INSERT INTO conversations (${COLUMNS}) VALUES (@id, @title, @keep_local, @created_at, @updated_at)`,
    ),
    rename: db.prepare<[string, string]>('UPDATE conversations SET title = ? WHERE id = ? AND deleted_at IS NULL'),
    keepLocal: db.prepare<[number, string]>('UPDATE conversations SET keep_local = ? WHERE id = ? AND deleted_at IS NULL'),
    softDelete: db.prepare<[number, string]>(
      'UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
    ),
    restore: db.prepare<[string]>('UPDATE conversations SET deleted_at = NULL WHERE id = ?'),
    purge: db.prepare('DELETE FROM conversations WHERE deleted_at IS NOT NULL'),
    touch: db.prepare<[number, string]>('UPDATE conversations SET updated_at = ? WHERE id = ?'),
  };

  const get = (id: string): Conversation => {
    const row = q.getLive.get(id);
    if (!row) throw notFound('conversation');
    return toConversation(row);
  };
  const mustExist = (id: string): void => {
    if (!q.exists.get(id)) throw notFound('conversation');
  };

  return {
    list: () => q.list.all().map(toConversation),
    get,
    create(title) {
      const t = now();
      const row: Row = {
        id: randomUUID(),
        title: title?.trim() || DEFAULT_TITLE,
        keep_local: 0,
        created_at: t,
        updated_at: t,
      };
      q.insert.run(row);
      return toConversation(row);
    },
    evalConversation(title) {
      const found = q.findEval.get(title);
      if (found) return toConversation(found);
      const t = now();
      const row: Row = { id: randomUUID(), title, keep_local: 0, created_at: t, updated_at: t };
      q.insertEval.run(row);
      return toConversation(row);
    },
    rename(id, title) {
      const t = title.trim();
      if (t === '') throw new AppError('BAD_REQUEST', { message: 'A title cannot be empty.' });
      // Renaming is not activity: the conversation keeps its place in the list.
      if (q.rename.run(t, id).changes === 0) throw notFound('conversation');
      return get(id);
    },
    setKeepLocal(id, keepLocal) {
      if (q.keepLocal.run(keepLocal ? 1 : 0, id).changes === 0) throw notFound('conversation');
      return get(id);
    },
    softDelete(id) {
      // Deleting twice is not an error: the user's intent is already true.
      if (q.softDelete.run(now(), id).changes === 0) mustExist(id);
    },
    restore(id) {
      if (q.restore.run(id).changes === 0) throw notFound('conversation');
      return get(id);
    },
    purgeDeleted: () => q.purge.run().changes,
    touch(id) {
      if (q.touch.run(now(), id).changes === 0) throw notFound('conversation');
    },
  };
}
