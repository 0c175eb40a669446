import type Database from 'better-sqlite3';
import { AppError } from '../contract/index.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to `target` (default: the newest). Each migration and its user_version bump
 * commit together, so a crash mid-upgrade leaves the previous version intact, never half of one.
 * Returns the versions applied.
 */
export function migrate(
  db: Database.Database,
  opts: { migrations?: readonly Migration[]; target?: number } = {},
): number[] {
  const migrations = opts.migrations ?? MIGRATIONS;
  const known = migrations.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > known) {
    throw new AppError('INTERNAL', {
      message: `This data folder is from a newer Modest (database version ${current}; this Modest knows up to ${known}). Update Modest, or use another --data-dir.`,
    });
  }
  const target = opts.target ?? known;
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      // PRAGMA takes no bound parameters; the version is our own integer.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
