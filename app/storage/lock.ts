import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../contract/index.js';
import { unwritable } from './data-dir.js';
import { sqliteOptions } from './native-binding.js';

export const LOCK_FILE = 'modest.lock';

export interface DataDirLock {
  release(): void;
}

/**
 * One Modest process per data folder, enforced by an OS file lock that SQLite takes for us.
 *
 * Why not a pid/lock file: a process killed with SIGKILL (or a power cut) leaves the file behind,
 * and guessing whether its pid is stale is racy and wrong across pid reuse. An OS lock (fcntl on
 * POSIX, LockFileEx on Windows) is dropped by the kernel when the owning process dies, so there is
 * no stale-lock trap. SQLite already implements those locks portably, and its unix VFS tracks them
 * per inode inside one process too, so a second open in the *same* process is refused as well
 * (raw fcntl locks would not do that). The lock lives in a separate tiny database so that
 * modest.db keeps normal WAL locking.
 *
 * Never open modest.lock with fs.open/close elsewhere in this process: closing any descriptor of a
 * file drops every POSIX lock this process holds on it.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const lockPath = path.join(dataDir, LOCK_FILE);
  let db: Database.Database;
  try {
    db = new Database(lockPath, sqliteOptions(0));
  } catch (err) {
    throw unwritable(dataDir, err);
  }
  try {
    // EXCLUSIVE locking mode keeps locks once taken; the open exclusive transaction takes the
    // strongest one now. Nothing is ever written, so no journal file appears.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if (isBusy(err)) {
      throw new AppError('DATA_DIR_LOCKED', {
        message: `Another Modest process is using this data folder (${dataDir}). Close it first, or use another --data-dir.`,
        cause: err,
      });
    }
    throw unwritable(dataDir, err);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      // Closing rolls back the empty transaction and drops the OS lock.
      db.close();
    },
  };
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
