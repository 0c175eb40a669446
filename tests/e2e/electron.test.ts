import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../app/storage/index.js';
import { ensureElectronSqlite } from '../../main/electron-native.js';
import { findElectron } from '../../main/find-electron.js';
import { tinyModel } from '../helpers/models.js';
import { buildRenderer, ROOT } from './browser-mode.js';

/**
 * The desktop app itself: launch Electron on the built main process, chat with a generated model,
 * check the window's security settings from inside, and quit. Where no Electron binary exists
 * (it downloads from GitHub during npm ci) the test is skipped and says why.
 */
const electron = findElectron(ROOT);
const skipReason = electron.ok ? null : `Electron smoke test skipped: ${electron.why}.`;
if (skipReason) console.log(skipReason);

describe.skipIf(!electron.ok)('desktop app (Electron)', () => {
  let app: ElectronApplication;
  let dataDir: string;
  let expectedReply: string;

  beforeAll(async () => {
    if (!electron.ok) return;
    buildRenderer();
    expect(fs.existsSync(path.join(ROOT, 'dist/main/electron-main.js')), 'npm run build first').toBe(true);
    const model = await tinyModel('confident');
    expectedReply = model.expectedReply;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-electron-'));
    const binding = await ensureElectronSqlite({ projectRoot: ROOT, electronVersion: electron.version });
    const asRoot = process.platform === 'linux' && process.getuid?.() === 0;
    app = await _electron.launch({
      executablePath: electron.path,
      args: [ROOT, ...(asRoot ? ['--no-sandbox'] : []), '--data-dir', dataDir, '--model', model.path],
      env: { ...process.env, MODEST_SQLITE_BINDING: binding },
      timeout: 60_000,
    });
  }, 300_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens one hardened window: isolated, sandboxed, no Node in the page', async () => {
    const page = await app.firstWindow();
    const url = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.getURL());
    expect(url).toBe('modest://app/index.html');
    const inPage = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((globalThis as { modest?: object }).modest ?? {}).sort(),
      opened: window.open('https://example.com/') === null,
    }));
    expect(inPage).toEqual({ require: 'undefined', process: 'undefined', bridge: ['call', 'pathForFile', 'stream'], opened: true });
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  });

  it('chats with the generated model and keeps the conversation after quitting', async () => {
    const page = await app.firstWindow();
    const input = page.getByRole('textbox', { name: 'Message', exact: true });
    await input.waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByRole('button', { name: 'Send', exact: true }).isEnabled(), { timeout: 60_000 }).toBe(true);
    await input.fill('Hello there');
    await input.press('Enter');
    const reply = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Modest', exact: true }).last();
    await expect.poll(async () => (await reply.locator('.reply-body').innerText()).replace(/\s+/g, ' ').trim(), { timeout: 60_000 }).toBe(expectedReply);

    await app.close();
    const storage = openStorage(dataDir);
    try {
      const [conv] = storage.conversations.list();
      expect(storage.messages.list(conv!.id).map((m) => [m.role, m.status])).toEqual([
        ['user', 'complete'],
        ['assistant', 'complete'],
      ]);
    } finally {
      storage.close();
    }
  });
});
