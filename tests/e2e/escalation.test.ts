/**
 * Cloud escalation end to end: the browser-mode server as a child process with a key in its
 * environment, the doubtful generated model, the stand-in provider on 127.0.0.1, and Chromium.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCloud, type FakeCloud } from '../helpers/fake-cloud.js';
import { tinyModel } from '../helpers/models.js';
import { buildRenderer, chromiumPath, launchChromium, startBrowserMode, type BrowserModeServer } from './browser-mode.js';

const WAIT = { timeout: 60_000, interval: 100 };
const KEY = 'sk-test-e2e-escalation-0000';
chromiumPath();

let browser: Browser;
let cloud: FakeCloud;
let server: BrowserModeServer;
let page: Page;

beforeAll(async () => {
  buildRenderer();
  cloud = await startFakeCloud({ apiKey: KEY });
  const model = await tinyModel('low-confidence');
  server = await startBrowserMode({ model: model.path, env: { OPENAI_API_KEY: KEY } });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await page.goto(server.url);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await cloud?.close();
});

describe('escalation in the window', () => {
  it('switched to Auto in Settings, escalates a doubtful answer and shows the cloud reply with its reason', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    expect(await dialog.getByRole('radio', { name: /^Off/ }).isChecked()).toBe(true);
    await dialog.getByRole('radio', { name: /^Auto/ }).check();
    await dialog.getByRole('textbox', { name: /Endpoint/ }).fill(cloud.openaiBaseUrl);
    await dialog.getByRole('button', { name: 'Save cloud settings' }).click();
    await page.getByText('Cloud settings saved.').waitFor();
    await page.keyboard.press('Escape');

    const input = page.getByRole('textbox', { name: 'Message', exact: true });
    await input.fill('What is the capital of France?');
    await input.press('Enter');
    const reply = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Modest', exact: true }).last();
    await expect.poll(async () => (await reply.locator('.reply-body').innerText()).replace(/\s+/g, ' ').trim(), WAIT).toBe(cloud.reply);
    await expect.poll(async () => reply.getByText('Writing…').count(), WAIT).toBe(0);
    await expect
      .poll(async () => (await reply.locator('.escalation').innerText()).replace(/\s+/g, ' '), WAIT)
      .toMatch(/Answered by gpt-4\.1-mini in the cloud, because a local token had probability 0\.00\d+ < 0\.020\./);
    await reply.getByText('Local draft', { exact: false }).click();
    expect(await reply.locator('.local-draft').innerText()).toMatch(/confidence p10/);
    expect(await reply.locator('.meta').innerText()).toMatch(/cloud/);
    expect(cloud.received.length).toBe(1);
    expect(cloud.received[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('shows one local and one cloud call, and the cost, on the dashboard', async () => {
    await page.getByRole('button', { name: 'Usage', exact: true }).click();
    const dash = page.getByRole('dialog', { name: 'Usage and savings' });
    const table = dash.getByRole('region', { name: 'Calls and tokens' });
    await table.getByRole('row', { name: /^Local/ }).waitFor(WAIT);
    expect((await table.getByRole('row', { name: /^Local/ }).innerText()).split(/\s+/)[1]).toBe('1');
    expect((await table.getByRole('row', { name: /^Cloud/ }).innerText()).split(/\s+/)[1]).toBe('1');
    // 42 input and 11 output tokens at gpt-4.1-mini's $0.40 / $1.60 per million.
    expect(await dash.getByRole('region', { name: 'Totals' }).innerText()).toContain('$0.000034');
    await page.keyboard.press('Escape');
    await dash.waitFor({ state: 'hidden' });
  });

  it('sends a message straight to the cloud with Ctrl+Shift+Enter, saying "you asked"', async () => {
    const before = cloud.received.length;
    const input = page.getByRole('textbox', { name: 'Message', exact: true });
    await expect.poll(() => page.getByRole('button', { name: 'Send to gpt-4.1-mini' }).count(), WAIT).toBe(1);
    await input.fill('Summarise the French Revolution in one line.');
    await input.press('Control+Shift+Enter');
    const reply = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Modest', exact: true }).last();
    await expect.poll(async () => (await reply.locator('.escalation').innerText().catch(() => '')).replace(/\s+/g, ' '), WAIT).toMatch(
      /Answered by gpt-4\.1-mini in the cloud, because you asked\./,
    );
    expect(cloud.received.length).toBe(before + 1);
  });

  it('switched back Off, sends nothing however doubtful the answer', async () => {
    const before = cloud.received.length;
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByRole('radio', { name: /^Off/ }).check();
    await dialog.getByRole('button', { name: 'Save cloud settings' }).click();
    await page.getByText('Cloud settings saved.').first().waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'New chat', exact: true }).first().click();
    const input = page.getByRole('textbox', { name: 'Message', exact: true });
    await input.fill('What is the capital of Spain?');
    await input.press('Enter');
    const reply = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Modest', exact: true }).last();
    await expect.poll(async () => reply.getByText('Writing…').count(), WAIT).toBe(0);
    await expect.poll(async () => (await reply.locator('.reply-body').innerText()).length, WAIT).toBeGreaterThan(0);
    expect(cloud.received.length).toBe(before);
    expect(await reply.locator('.escalation').count()).toBe(0);
  });
});
