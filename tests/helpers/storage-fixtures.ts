import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { openStorage, type Storage } from '../../app/storage/index.js';

/** Temporary data folders, removed after each test (storages opened through here are closed first). */
export function useTempDirs(prefix = 'modest-storage-') {
  const dirs: string[] = [];
  const opened: Storage[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tmpDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  return {
    tmpDir,
    /** A fresh (or given) data folder with a deterministic clock. */
    open(dataDir = tmpDir(), now: () => number = steppingClock()) {
      const s = openStorage(dataDir, { now });
      opened.push(s);
      return s;
    },
  };
}

/** Starts at 2025-01-02 03:04:05 UTC and advances one second per reading, so order never ties. */
export function steppingClock(start = Date.UTC(2025, 0, 2, 3, 4, 5), stepMs = 1000): () => number {
  let t = start - stepMs;
  return () => (t += stepMs);
}

/** The bytes on disk now: the database file and its WAL, if any. */
export function rawDbBytes(dbPath: string): Buffer {
  const parts = [dbPath, `${dbPath}-wal`].filter((p) => fs.existsSync(p)).map((p) => fs.readFileSync(p));
  return Buffer.concat(parts);
}

export function expectCode(fn: () => unknown, code: string): Error & { code: string } {
  try {
    fn();
  } catch (err) {
    const e = err as Error & { code: string };
    if (e.code !== code) throw new Error(`expected AppError ${code}, got ${e.code ?? 'no code'}: ${e.message}`, { cause: e });
    return e;
  }
  throw new Error(`expected AppError ${code}, but nothing was thrown`);
}
