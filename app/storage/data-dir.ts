import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../contract/index.js';

/** The OS convention for per-user application data, resolved without touching the disk. */
export function defaultDataDirFor(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string {
  if (platform === 'win32') {
    const base = env.APPDATA || path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(base, 'Modest');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Modest');
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.local', 'share');
  return path.posix.join(base, 'modest');
}

export function defaultDataDir(): string {
  return defaultDataDirFor(process.platform, process.env, os.homedir());
}

/**
 * mkdir -p, then prove we can write there. Failing here, with the path in the message, is far
 * clearer than the SQLITE_CANTOPEN that would otherwise surface later.
 */
export function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw unwritable(dir, err);
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    throw unwritable(dir, err);
  }
  if (!stat.isDirectory()) throw unwritable(dir, new Error('the path is a file, not a folder'));
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
  } catch (err) {
    throw unwritable(dir, err);
  }
}

export function unwritable(dir: string, cause: unknown): AppError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new AppError('DATA_DIR_UNWRITABLE', {
    message: `Modest cannot write to its data folder (${dir}). Check that it exists and that you may write there, or choose another with --data-dir.`,
    detail: reason,
    cause,
  });
}
