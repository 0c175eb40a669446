/**
 * Documents in the window: a real drop event carrying a real File, the browser mode's streamed
 * upload, indexing progress on the chip, then Summarize and Ask with clickable citations.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leasePdf, RENT_SENTENCE } from '../helpers/lease.js';
import { tinyModel } from '../helpers/models.js';
import type { TinyModel } from '../../models/tiny-model/index.js';
import { buildRenderer, chromiumPath, launchChromium, ROOT, startBrowserMode, type BrowserModeServer } from './browser-mode.js';

const WAIT = { timeout: 60_000, interval: 100 };
chromiumPath();

let browser: Browser;
let server: BrowserModeServer;
let page: Page;
let model: TinyModel;

beforeAll(async () => {
  buildRenderer();
  model = await tinyModel('confident');
  server = await startBrowserMode({ model: model.path });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await page.goto(server.url);
  await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Dispatches dragenter, dragover and drop with a DataTransfer holding the file, as a real drag does. */
async function dropFile(p: Page, name: string, bytes: Uint8Array, type: string): Promise<void> {
  const dataTransfer = await p.evaluateHandle(
    ({ b64, name, type }) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([raw], name, { type }));
      return dt;
    },
    { b64: Buffer.from(bytes).toString('base64'), name, type },
  );
  for (const event of ['dragenter', 'dragover', 'drop']) await p.dispatchEvent('main.chat', event, { dataTransfer });
}

describe('documents in the window', () => {
  it('drops a 100-page PDF, shows its indexing progress, then summarizes it and answers with citations', async () => {
    // Every text the chip shows, recorded in the page so no short-lived state is missed.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { chipTexts: string[] }).chipTexts = seen;
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('.doc-chip')) seen.push(el.textContent ?? '');
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });

    await dropFile(page, 'lease.pdf', await leasePdf(100), 'application/pdf');
    const chip = page.getByRole('listitem', { name: /^lease\.pdf:/ });
    await expect.poll(async () => chip.getAttribute('aria-label'), WAIT).toMatch(/Ready/);
    const seen = await page.evaluate(() => (window as unknown as { chipTexts: string[] }).chipTexts);
    expect(seen.some((t) => /Reading page \d+ of 100|Uploading|Waiting/.test(t))).toBe(true);
    expect(await chip.innerText()).toMatch(/PDF · 100 pages/);

    // Summarize: a new answer under the task's own user message.
    await chip.getByRole('button', { name: 'Summarize' }).click();
    const log = page.getByRole('log', { name: 'Messages' });
    await expect.poll(async () => log.getByRole('article', { name: 'You' }).last().innerText(), WAIT).toMatch(/Summarize lease\.pdf/);
    const summary = log.getByRole('article', { name: 'Modest', exact: true }).last();
    await expect.poll(async () => summary.getAttribute('data-status'), WAIT).toBe('complete');
    expect((await summary.locator('.reply-body').innerText()).length).toBeGreaterThan(10);

    // Ask: the dialog, then the answer with the passages it read; a citation opens its passage.
    // The answer is the reply after the summary: `.last()` alone could still be the summary for a
    // moment after the click, complete already.
    const replies = log.getByRole('article', { name: 'Modest', exact: true });
    const before = await replies.count();
    await chip.getByRole('button', { name: 'Ask' }).click();
    const dialog = page.getByRole('dialog', { name: /Ask about lease\.pdf/ });
    await dialog.getByRole('textbox', { name: 'Question' }).fill('How much is the monthly rent?');
    await dialog.getByRole('button', { name: 'Ask', exact: true }).click();
    await expect.poll(async () => replies.count(), WAIT).toBeGreaterThan(before);
    const answer = replies.nth(before);
    await expect.poll(async () => answer.getAttribute('data-status'), WAIT).toBe('complete');
    expect(await answer.locator('.reply-body').innerText()).toContain(model.expectedReply);
    const cite = answer.getByRole('button', { name: 'p. 3', exact: true });
    await cite.click();
    const passage = page.getByRole('dialog', { name: /lease\.pdf, page 3/ });
    await expect.poll(async () => passage.innerText(), WAIT).toContain(RENT_SENTENCE);

    fs.mkdirSync(path.join(ROOT, '.scratch'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, '.scratch/documents-passage.png') });
    await page.keyboard.press('Escape');

    // Extract: named fields become a table, exported as CSV.
    await chip.getByRole('button', { name: 'Extract' }).click();
    const extract = page.getByRole('dialog', { name: /Extract from lease\.pdf/ });
    await extract.getByRole('textbox', { name: /Fields/ }).fill('rent, tenant');
    await extract.getByRole('button', { name: 'Extract', exact: true }).click();
    const table = log.getByRole('article', { name: 'Modest', exact: true }).last().getByRole('table');
    await expect.poll(async () => (await table.locator('th').allInnerTexts()).join('|'), WAIT).toBe('rent|tenant');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      log.getByRole('article', { name: 'Modest', exact: true }).last().getByRole('button', { name: 'CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('extraction.csv');
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('rent,tenant');
    await page.screenshot({ path: path.join(ROOT, '.scratch/documents.png') });
  }, 180_000);

  it('shows a clear error on the chip for an unreadable file, and keeps working', async () => {
    await dropFile(page, 'notes.txt', new Uint8Array([0, 1, 2, 3, 0, 255, 0, 0]), 'text/plain');
    const chip = page.getByRole('listitem', { name: /^notes\.txt:/ });
    await expect.poll(async () => chip.innerText(), WAIT).toMatch(/not text/i);
    await dropFile(page, 'tool.exe', new Uint8Array([77, 90, 0, 1]), 'application/octet-stream');
    await expect.poll(async () => page.getByRole('listitem', { name: /^tool\.exe:/ }).innerText(), WAIT).toMatch(/cannot read/i);
    // The lease is still usable.
    const replies = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Modest', exact: true });
    const before = await replies.count();
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('When is the rent due?');
    await page.keyboard.press('Enter');
    await expect.poll(async () => replies.count(), WAIT).toBeGreaterThan(before);
    const answer = replies.nth(before);
    await expect.poll(async () => answer.getAttribute('data-status'), WAIT).toBe('complete');
    await expect.poll(async () => answer.locator('.task-sources').innerText(), WAIT).toMatch(/p\. 3/);
    await page.screenshot({ path: path.join(ROOT, '.scratch/documents-errors.png') });
  }, 120_000);
});
