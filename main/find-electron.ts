import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type FoundElectron = { ok: true; path: string; version: string } | { ok: false; why: string };

/**
 * The installed Electron binary, or a plain reason it cannot run. The electron package resolves
 * to its binary's path; that file exists only if its install script could download it.
 */
export function findElectron(root: string): FoundElectron {
  const require = createRequire(path.join(root, 'package.json'));
  let version: string;
  try {
    version = (require('electron/package.json') as { version: string }).version;
  } catch {
    return { ok: false, why: 'the electron package is not installed (run npm ci)' };
  }
  let bin: unknown;
  try {
    // Throws when the install script never wrote path.txt, i.e. the download did not happen.
    bin = require('electron');
  } catch {
    bin = null;
  }
  if (typeof bin !== 'string' || !fs.existsSync(bin)) {
    return {
      ok: false,
      why: `the Electron ${version} binary was never downloaded (npm ci downloads it from GitHub: that download failed, or ELECTRON_SKIP_BINARY_DOWNLOAD=1 was set)`,
    };
  }
  return { ok: true, path: bin, version };
}
