import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../app/storage/index.js';
import { expectCode, useTempDirs } from '../helpers/storage-fixtures.js';

/** One Modest process per data folder; the SIGKILL half of this lives in storage-crash.test.ts. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { tmpDir } = useTempDirs('modest-lock-');

describe('data folder lock', () => {
  it('refuses a second open in the same process, with the path, until the first closes', () => {
    const dir = tmpDir();
    const first = openStorage(dir);
    try {
      const e = expectCode(() => openStorage(dir), 'DATA_DIR_LOCKED');
      expect(e.message).toContain(dir);
      expect(e.message).toMatch(/Another Modest process is using this data folder/);
      // The same folder by another spelling is the same folder.
      expectCode(() => openStorage(path.join(dir, '.', '..', path.basename(dir))), 'DATA_DIR_LOCKED');
      // The refused attempt must not have disturbed the owner.
      const c = first.conversations.create('still mine');
      expect(first.conversations.get(c.id).title).toBe('still mine');
    } finally {
      first.close();
    }
    first.close(); // twice is harmless
    const again = openStorage(dir);
    again.close();
  });

  it('refuses a second process while this one owns the folder', async () => {
    const dir = tmpDir();
    const owner = openStorage(dir);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/helpers/storage-crash-child.ts'), dir], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, out).toBe(3);
      const line = JSON.parse(out.trim().split('\n')[0]!) as { event: string; code: string; message: string };
      expect(line).toMatchObject({ event: 'error', code: 'DATA_DIR_LOCKED' });
      expect(line.message).toContain(dir);
    } finally {
      owner.close();
    }
  });

  it('reports a folder it cannot create or write as DATA_DIR_UNWRITABLE', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const underFile = expectCode(() => openStorage(path.join(file, 'modest')), 'DATA_DIR_UNWRITABLE');
    expect(underFile.message).toContain(path.join(file, 'modest'));
    expectCode(() => openStorage(file), 'DATA_DIR_UNWRITABLE');
  });

  it.skipIf(process.platform === 'win32')('reports a read-only folder as DATA_DIR_UNWRITABLE', () => {
    const dir = tmpDir();
    // Root ignores permission bits, so for root (as in CI) the folder is made immutable instead.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chattr', ['+i', dir]);
    else fs.chmodSync(dir, 0o500);
    try {
      expectCode(() => openStorage(dir), 'DATA_DIR_UNWRITABLE');
    } finally {
      if (asRoot) execFileSync('chattr', ['-i', dir]);
      else fs.chmodSync(dir, 0o700);
    }
  });

  it('creates missing parent folders', () => {
    const dir = path.join(tmpDir(), 'deep', 'er', 'modest');
    const s = openStorage(dir);
    expect(s.dataDir).toBe(dir);
    expect(s.dbPath).toBe(path.join(dir, 'modest.db'));
    s.close();
    expect(fs.existsSync(path.join(dir, 'modest.db'))).toBe(true);
  });
});
