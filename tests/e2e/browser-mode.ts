/**
 * Helpers for the end-to-end tests: build the window, start the real browser-mode server as a
 * child process (the same `app/server/cli.ts` a person runs), and launch Debian's Chromium.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (p): p is string => Boolean(p),
);

export function chromiumPath(): string {
  const found = CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `Chromium is required for the end-to-end tests but was not found (looked at ${CHROMIUM_CANDIDATES.join(', ')}). ` +
        'Install it with `apt-get install -y chromium` (the CI script does), or set CHROMIUM_PATH.',
    );
  }
  return found;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Builds renderer/dist when it is missing or older than its sources, so the test never drives a
 * stale window (and `npm test`, which builds first, does not build twice).
 */
export function buildRenderer(): void {
  const built = path.join(ROOT, 'renderer/dist/index.html');
  if (fs.existsSync(built) && newestSource() <= fs.statSync(built).mtimeMs) return;
  const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'error'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`Building the window failed:\n${r.stdout}\n${r.stderr}`);
}

function newestSource(): number {
  let newest = 0;
  const visit = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['renderer/src', 'renderer/index.html', 'renderer/vite.config.ts', 'app/contract']) visit(path.join(ROOT, p));
  return newest;
}

export interface BrowserModeServer {
  /** The printed address, with #token=... */
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `app/server/cli.ts` with a fresh data folder and resolves once it printed its address
 * (and, with a model, once the model is ready or failed to load).
 */
export async function startBrowserMode(
  opts: { model?: string; timeoutMs?: number; env?: Record<string, string>; waitFor?: RegExp; dataDir?: string } = {},
): Promise<BrowserModeServer> {
  // A given data folder belongs to the caller (a restart test): it is neither made nor removed here.
  const own = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'modest-e2e-'));
  let proc: ServerProcess;
  try {
    proc = await startServerProcess(['--data-dir', dataDir, ...(opts.model ? ['--model', opts.model] : [])], {
      timeoutMs: opts.timeoutMs ?? 120_000,
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.model ? { waitFor: /^(Model ready:|Model not loaded:)/m } : {}),
      ...(opts.waitFor ? { waitFor: opts.waitFor } : {}),
    });
  } catch (err) {
    if (own) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: proc.url,
    origin: proc.origin,
    token: proc.token,
    dataDir,
    output: proc.output,
    async stop() {
      const killer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
      await proc.stop('SIGTERM');
      clearTimeout(killer);
      if (own) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A plain API request, as any local program could make it. */
export async function apiCall(server: BrowserModeServer, name: string, body: unknown, token: string | null = server.token) {
  const res = await fetch(`${server.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}
