import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../app/storage/index.js';
import { CONTENT_SECURITY_POLICY } from '../../main/app-protocol.js';
import { WINDOW_STATE_FILE } from '../../main/window-state.js';
import { tinyModel } from '../helpers/models.js';

/**
 * The built Electron main process (dist/main/electron-main.js), run in plain Node with a stand-in
 * `electron` module (tests/helpers/fake-electron-module.ts) because no Electron binary can be
 * downloaded here. Everything else is real: the core, the database, llama.cpp, the IPC adapter,
 * the protocol handler and the bundled preload. The stand-in reports what main did.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'dist/main/electron-main.js');
const REGISTER = path.join(ROOT, 'tests/helpers/fake-electron-register.mjs');

type Report = { event: string } & Record<string, unknown>;
const dirs: string[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-electron-main-'));
  dirs.push(d);
  return d;
}

function runMain(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; reports: Report[]; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', REGISTER, MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main did not exit in time:\n${output}`));
    }, 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const reports = output
        .split('\n')
        .filter((l) => l.startsWith('FAKE_ELECTRON '))
        .map((l) => JSON.parse(l.slice('FAKE_ELECTRON '.length)) as Report);
      resolve({ code, reports, output });
    });
  });
}

function find<T extends object = Record<string, unknown>>(reports: Report[], event: string): (Report & T) | undefined {
  return reports.find((r) => r.event === event) as (Report & T) | undefined;
}

let modelPath: string;
let expectedReply: string;
beforeAll(async () => {
  expect(fs.existsSync(MAIN), 'npm run build makes dist/main/electron-main.js').toBe(true);
  const model = await tinyModel('confident');
  modelPath = model.path;
  expectedReply = model.expectedReply;
});
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('Electron main process, wired to a stand-in electron module', () => {
  it('opens a hardened window, serves the page with its CSP, chats through the preload, and quits cleanly', async () => {
    const dataDir = tempDir();
    const { code, reports, output } = await runMain(['--data-dir', dataDir, '--model', modelPath]);
    expect(code, output).toBe(0);

    expect(find(reports, 'singleInstanceLock')).toMatchObject({ got: true });
    expect(reports.findIndex((r) => r.event === 'registerSchemesAsPrivileged')).toBeLessThan(reports.findIndex((r) => r.event === 'window'));
    const win = find<{ webPreferences: Record<string, unknown> }>(reports, 'window')!;
    expect(win.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(fs.existsSync(String(win.webPreferences.preload)), 'the preload main points at exists').toBe(true);
    expect(String(win.webPreferences.preload)).toMatch(/preload\.cjs$/);

    expect(find(reports, 'page')).toEqual({ event: 'page', status: 200, csp: CONTENT_SECURITY_POLICY, hasRoot: true, traversalStatus: 404 });
    expect(find(reports, 'navigation')).toEqual({ event: 'navigation', external: true, file: true, windowOpen: 'deny' });
    expect(reports.filter((r) => r.event === 'openExternal').map((r) => r.url)).toEqual(['https://example.com/', 'https://example.com/x']);
    expect(find(reports, 'permissions')).toMatchObject({ answers: { media: false, geolocation: false, notifications: false, 'clipboard-sanitized-write': true } });
    expect(find<{ top: string[] }>(reports, 'menu')?.top).toEqual(['&File', 'editMenu', '&View', 'windowMenu']);

    expect(find(reports, 'status')).toMatchObject({ shell: 'desktop', keys: 'env-only', keysNote: expect.stringContaining('no secret store') });
    const reply = find<{ conversationId: string; text: string; last: string }>(reports, 'reply')!;
    expect(reply).toMatchObject({ text: expectedReply, last: 'done' });
    expect(find(reports, 'focus'), 'a second launch focuses the window').toBeDefined();

    // Quit saved the window's place and closed the database (it reopens; the lock was released).
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, WINDOW_STATE_FILE), 'utf8'))).toMatchObject({ bounds: { x: 10, y: 20 } });
    const storage = openStorage(dataDir);
    try {
      expect(storage.messages.list(reply.conversationId).map((m) => [m.role, m.content, m.status])).toEqual([
        ['user', 'Hello there', 'complete'],
        ['assistant', expectedReply, 'complete'],
      ]);
    } finally {
      storage.close();
    }
  });

  it('finishes a reply in progress as partial when the app quits mid-reply', async () => {
    const dataDir = tempDir();
    const never = await tinyModel('never-stopping');
    const { code, reports, output } = await runMain(['--data-dir', dataDir, '--model', never.path], { FAKE_ELECTRON_SCRIPT: 'quit-mid-reply' });
    expect(code, output).toBe(0);
    const { conversationId } = find<{ conversationId: string }>(reports, 'quittingMidReply')!;
    const storage = openStorage(dataDir);
    try {
      const [user, assistant] = storage.messages.list(conversationId);
      expect(user?.status).toBe('complete');
      expect(assistant?.status).toBe('partial');
      expect(assistant?.content.length).toBeGreaterThan(0);
    } finally {
      storage.close();
    }
  });

  it('uses the OS secret store where safeStorage really encrypts, and not on basic_text', async () => {
    const dataDir = tempDir();
    const os_ = await runMain(['--data-dir', dataDir, '--model', modelPath], { FAKE_ELECTRON_SAFE_STORAGE: 'os' });
    expect(find(os_.reports, 'status'), os_.output).toMatchObject({ keys: 'os-keychain' });
    const basic = await runMain(['--data-dir', dataDir, '--model', modelPath], { FAKE_ELECTRON_SAFE_STORAGE: 'basic_text' });
    expect(find(basic.reports, 'status'), basic.output).toMatchObject({ keys: 'env-only', keysNote: expect.stringContaining('no secret service') });
  });

  it('leaves quietly when another instance holds the single-instance lock', async () => {
    const dataDir = tempDir();
    const { code, reports } = await runMain(['--data-dir', dataDir], { FAKE_ELECTRON_SECOND_INSTANCE: '1' });
    expect(code).toBe(0);
    expect(find(reports, 'window')).toBeUndefined();
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('refuses, with a dialog, a data folder that the browser mode is using', async () => {
    const dataDir = tempDir();
    const held = openStorage(dataDir);
    try {
      const { code, reports } = await runMain(['--data-dir', dataDir]);
      expect(code).toBe(1);
      expect(find(reports, 'errorBox')).toMatchObject({
        title: 'Modest cannot open its data folder',
        content: expect.stringContaining('Another Modest process is using this data folder'),
      });
      expect(find(reports, 'window')).toBeUndefined();
    } finally {
      held.close();
    }
  });
});
