import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { findElectron } from '../../main/find-electron.js';

/** A project folder whose electron package is the real one's entry point, in each install state. */
let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-find-electron-'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"x","type":"module"}');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function installElectronPackage(): string {
  const dir = path.join(root, 'node_modules', 'electron');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '39.8.9', main: 'index.js' }));
  fs.copyFileSync(path.join(import.meta.dirname, '../../node_modules/electron/index.js'), path.join(dir, 'index.js'));
  return dir;
}

it('says the package is missing when npm ci has not run', () => {
  expect(findElectron(root)).toEqual({ ok: false, why: 'the electron package is not installed (run npm ci)' });
});

it('says the binary was never downloaded when the install script skipped or failed', () => {
  installElectronPackage();
  expect(findElectron(root)).toEqual({ ok: false, why: expect.stringMatching(/^the Electron 39\.8\.9 binary was never downloaded \(.*ELECTRON_SKIP_BINARY_DOWNLOAD/) });
});

it('finds the binary the install script recorded', () => {
  const dir = installElectronPackage();
  fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist', 'electron'), '');
  expect(findElectron(root)).toEqual({ ok: true, path: path.join(dir, 'dist', 'electron'), version: '39.8.9' });
});
