import fs from 'node:fs';
import { createRequire } from 'node:module';

/**
 * `npm start`: the desktop app where Electron can run, otherwise the browser mode with a plain
 * explanation of what is missing. The Electron shell itself arrives with the desktop-shell issue.
 */
function electronBinary(): { ok: true; path: string } | { ok: false; why: string } {
  const require = createRequire(import.meta.url);
  let bin: string;
  try {
    bin = require('electron') as string;
  } catch {
    return { ok: false, why: 'the electron package is not installed' };
  }
  if (typeof bin !== 'string' || !fs.existsSync(bin)) {
    return { ok: false, why: 'the Electron binary was never downloaded (it comes from GitHub, which this machine cannot reach)' };
  }
  return { ok: true, path: bin };
}

const electron = electronBinary();
const why = electron.ok ? 'the desktop shell is not part of this build yet' : electron.why;
console.log(`Modest desktop window unavailable: ${why}.`);
console.log('Starting the browser mode instead (same app, in your browser).\n');
await import('../app/server/cli.js');
