/**
 * The first run in the window: no model yet, the welcome screen recommends one for this machine,
 * downloads it from a local stand-in for Hugging Face (HF_ENDPOINT) with visible progress, checks
 * it, loads it, and the chat answers. Then a restart opens the same model again by itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../app/contract/index.js';
import { tinyEntry, writeCatalog } from '../helpers/catalog.js';
import { tinyModel } from '../helpers/models.js';
import { startRangeServer, type RangeServer } from '../helpers/range-server.js';
import { apiCall, buildRenderer, chromiumPath, launchChromium, startBrowserMode, type BrowserModeServer } from './browser-mode.js';

const WAIT = { timeout: 90_000, interval: 100 };
chromiumPath();

let browser: Browser;
let hub: RangeServer;
let entry: CatalogEntry;
let catalogFile: string;
let tmp: string;
const servers: BrowserModeServer[] = [];

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

beforeAll(async () => {
  buildRenderer();
  hub = await startRangeServer();
  entry = await tinyEntry(hub);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-first-run-'));
  catalogFile = writeCatalog(tmp, [entry]);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
  await hub?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function open(server: BrowserModeServer): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await page.goto(server.url);
  return page;
}

describe('first run', () => {
  it('downloads the recommended model with progress, then chats with it', async () => {
    const dataDir = path.join(tmp, 'data');
    const server = await startBrowserMode({ dataDir, env: { HF_ENDPOINT: hub.url, MODEST_CATALOG: catalogFile } });
    servers.push(server);
    const page = await open(server);

    const card = page.getByRole('article', { name: entry.name });
    await card.waitFor();
    expect(norm(await card.innerText())).toMatch(/Recommended for this computer/i);
    expect(norm(await card.innerText())).toContain('Fits');

    // Slow enough that the bar is seen part-way: every value it shows is recorded in the page.
    hub.rate = 2_000_000;
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('progress')) seen.push(Number((el as HTMLProgressElement).value));
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await card.getByRole('button', { name: 'Download and start' }).click();
    await page.getByRole('progressbar', { name: `Downloading ${entry.name}` }).waitFor();

    // Downloaded, checked, loaded: the composer opens and the header names the model.
    const input = page.getByRole('textbox', { name: 'Message', exact: true });
    await expect.poll(() => input.isEnabled(), WAIT).toBe(true);
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true);

    const model = await tinyModel('big-vocab');
    await input.fill('Hello there');
    await input.press('Enter');
    const reply = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Modest', exact: true }).last();
    await expect.poll(async () => (await reply.getAttribute('data-status')) ?? '', WAIT).toBe('complete');
    expect(norm(await reply.locator('.reply-body').innerText())).toBe(norm(model.expectedReply));

    const status = (await apiCall(server, 'getModels', {})).body as { installed: { id: string; loaded: boolean }[] };
    expect(status.installed).toEqual([expect.objectContaining({ id: entry.file, loaded: true })]);
    await server.stop();
    servers.splice(servers.indexOf(server), 1);

    // The next start opens the same model by itself, with the tuning measured the first time.
    const again = await startBrowserMode({ dataDir, env: { HF_ENDPOINT: hub.url, MODEST_CATALOG: catalogFile }, waitFor: /^(Model ready:|Model not loaded:)/m });
    servers.push(again);
    expect(again.output()).toContain('Model ready: Modest Tiny big-vocab');
    const page2 = await open(again);
    await expect.poll(() => page2.getByRole('textbox', { name: 'Message', exact: true }).isEnabled(), WAIT).toBe(true);
  });
});
