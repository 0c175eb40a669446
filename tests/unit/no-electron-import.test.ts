import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SKIP = new Set(['node_modules', 'dist', '.git', '.cache', '.scratch', 'release']);
const IMPORTS_ELECTRON = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"]electron(?:\/[^'"]*)?['"]/;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(c|m)?(t|j)sx?$/.test(entry.name)) yield full;
  }
}

it('finds the import forms it looks for', () => {
  for (const line of [`import { app } from 'electron';`, `import type { Menu } from "electron";`, `const e = require('electron')`, `await import('electron/main')`, `import 'electron';`]) {
    expect(IMPORTS_ELECTRON.test(line), line).toBe(true);
  }
  expect(IMPORTS_ELECTRON.test(`import x from 'electron-builder';`)).toBe(false);
});

it('no file outside main/ imports electron', () => {
  const offenders: string[] = [];
  let scanned = 0;
  for (const file of sourceFiles(ROOT)) {
    const rel = path.relative(ROOT, file);
    // This file spells the forms out in order to test the pattern.
    if (rel.startsWith(`main${path.sep}`) || file === import.meta.filename) continue;
    scanned++;
    if (IMPORTS_ELECTRON.test(fs.readFileSync(file, 'utf8'))) offenders.push(rel);
  }
  expect(scanned).toBeGreaterThan(50);
  expect(offenders).toEqual([]);
});
