import { spawn } from 'node:child_process';
import { projectRoot } from '../app/server/project-root.js';
import { ensureElectronSqlite } from './electron-native.js';
import { findElectron } from './find-electron.js';

/**
 * `npm start`: the desktop app where Electron can run, otherwise the browser mode with a plain
 * explanation of what is missing. Arguments (--model, --data-dir) go to whichever starts.
 */
async function main(): Promise<void> {
  const root = projectRoot();
  const args = process.argv.slice(2);
  const electron = findElectron(root);
  let why: string;
  if (electron.ok) {
    try {
      const binding = await ensureElectronSqlite({ projectRoot: root, electronVersion: electron.version, log: (l) => console.log(l) });
      return runElectron(electron.path, root, args, binding);
    } catch (err) {
      why = `better-sqlite3 could not be built for Electron ${electron.version} (${(err as Error).message})`;
    }
  } else {
    why = electron.why;
  }
  console.log(`Modest desktop window unavailable: ${why}.`);
  console.log('Starting the browser mode instead (same app, in your browser).\n');
  await import('../app/server/cli.js');
}

function runElectron(bin: string, root: string, args: string[], binding: string): void {
  // Chromium refuses to start as root with its sandbox on; say so instead of failing obscurely.
  const asRoot = process.platform === 'linux' && process.getuid?.() === 0;
  if (asRoot) console.log('Running as root: Chromium\'s OS sandbox is turned off for this run (--no-sandbox).');
  const child = spawn(bin, [root, ...(asRoot ? ['--no-sandbox'] : []), ...args], {
    stdio: 'inherit',
    env: { ...process.env, MODEST_SQLITE_BINDING: binding },
  });
  // Ctrl+C reaches Electron too (same process group); it finishes replies as partial and quits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

await main();
