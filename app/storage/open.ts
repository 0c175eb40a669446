import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../contract/index.js';
import { createConversationRepo } from './conversations.js';
import { ensureWritableDir, unwritable } from './data-dir.js';
import { createDeleteAll } from './delete-all.js';
import { createDocumentRepo } from './documents.js';
import { createExporter } from './export.js';
import { createModelRepo } from './models.js';
import { createLabelRepo } from './labels.js';
import { createUsageCsv, createUsageSummary } from './usage-summary.js';
import { acquireDataDirLock, type DataDirLock } from './lock.js';
import { createMessageRepo } from './messages.js';
import { migrate } from './migrate.js';
import { sqliteOptions } from './native-binding.js';
import { createSearch } from './search.js';
import { createSettingsRepo } from './settings.js';
import type { Clock, Storage } from './types.js';
import { createUsageRepo } from './usage.js';

export const DB_FILE = 'modest.db';

/** Only our own process uses the file (the lock sees to that); this covers checkpoints and VACUUM. */
const BUSY_TIMEOUT_MS = 5000;

/** mkdir -p, take the data-folder lock, open modest.db, migrate. The lock is held until close(). */
export function openStorage(dataDir: string, opts: { now?: Clock } = {}): Storage {
  const dir = path.resolve(dataDir);
  ensureWritableDir(dir);
  const lock = acquireDataDirLock(dir);
  const dbPath = path.join(dir, DB_FILE);
  let db: Database.Database | undefined;
  try {
    db = openDatabase(dbPath);
    migrate(db);
    return assemble(db, lock, dir, dbPath, opts.now ?? Date.now);
  } catch (err) {
    db?.close();
    lock.release();
    throw openError(err, dir, dbPath);
  }
}

export function openDatabase(dbPath: string): Database.Database {
  const db = new Database(dbPath, sqliteOptions(BUSY_TIMEOUT_MS));
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`SQLite refused WAL mode (journal_mode is ${String(mode)}).`);
    // In WAL mode, NORMAL syncs only at checkpoints, not at every commit. A committed transaction
    // is still in the OS page cache when the process dies, so it survives a crash or kill -9 of
    // Modest (what the crash test checks); only an OS crash or power cut can lose the last few
    // commits, never corrupt the file. FULL would fsync every partial-reply save.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function assemble(db: Database.Database, lock: DataDirLock, dataDir: string, dbPath: string, now: Clock): Storage {
  const conversations = createConversationRepo(db, now);
  const messages = createMessageRepo(db, now);
  let open = true;
  return {
    dataDir,
    dbPath,
    close() {
      if (!open) return;
      open = false;
      try {
        db.close();
      } finally {
        lock.release();
      }
    },
    conversations,
    messages,
    usage: createUsageRepo(db),
    labels: createLabelRepo(db, now),
    documents: createDocumentRepo(db, now),
    models: createModelRepo(db, now),
    settings: createSettingsRepo(db),
    search: createSearch(db),
    usageSummary: createUsageSummary(db),
    usageCsv: createUsageCsv(db),
    exportConversations: createExporter(conversations, messages, now),
    deleteAll: createDeleteAll(db),
  };
}

function openError(err: unknown, dataDir: string, dbPath: string): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new AppError('INTERNAL', {
      message: `${dbPath} is damaged or is not a Modest database. Move it out of the data folder to start afresh, or use another --data-dir.`,
      detail: err instanceof Error ? err.message : String(err),
      cause: err,
    });
  }
  if (typeof code === 'string' && /^SQLITE_(CANTOPEN|READONLY|PERM|IOERR|FULL)/.test(code)) return unwritable(dataDir, err);
  return AppError.from(err);
}
