import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { builtAbi, builtBinding, electronAbi, electronSqliteCacheDir, ensureElectronSqlite } from '../../main/electron-native.js';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-native-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

it('reuses a finished Electron build without building again', async () => {
  const binding = builtBinding(electronSqliteCacheDir(root, '39.8.9'));
  fs.mkdirSync(path.dirname(binding), { recursive: true });
  fs.writeFileSync(binding, '');
  // No node_modules at all: anything but the cached path would throw.
  expect(await ensureElectronSqlite({ projectRoot: root, electronVersion: '39.8.9' })).toBe(binding);
});

it('keeps builds for different Electron versions apart', () => {
  expect(electronSqliteCacheDir(root, '39.8.9')).not.toBe(electronSqliteCacheDir(root, '40.0.0'));
  expect(electronSqliteCacheDir(root, '39.8.9').startsWith(path.join(root, '.cache'))).toBe(true);
});

it('reads the ABI a build compiled for, and the one Electron needs', () => {
  const mod = path.join(root, 'mod');
  fs.mkdirSync(path.join(mod, 'build'), { recursive: true });
  expect(builtAbi(mod)).toBeNull();
  fs.writeFileSync(path.join(mod, 'build', 'config.gypi'), '{ "variables": { "node_module_version": 115, "runtime": "electron" } }');
  expect(builtAbi(mod)).toBe(115);
  expect(electronAbi(root)).toBeNull();
  // The installed electron package's record (Electron 39 is ABI 140).
  expect(electronAbi(path.resolve(import.meta.dirname, '../..'))).toBe(140);
});
