/**
 * The chat window end to end: the real browser-mode server (a child process, as a person starts
 * it), a generated model, and Debian's Chromium driven by role and accessible name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { tinyModel } from '../helpers/models.js';
import { apiCall, buildRenderer, chromiumPath, launchChromium, startBrowserMode, type BrowserModeServer } from './browser-mode.js';

const WAIT = { timeout: 60_000, interval: 100 };

// Fail the whole file at once, with the reason, when Chromium is not installed.
chromiumPath();

let browser: Browser;

beforeAll(async () => {
  buildRenderer();
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

/** Whitespace-insensitive text, since Markdown rendering reflows line breaks. */
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

function ui(page: Page) {
  const log = page.getByRole('log', { name: 'Messages' });
  return {
    input: page.getByRole('textbox', { name: 'Message', exact: true }),
    send: page.getByRole('button', { name: 'Send', exact: true }),
    stop: page.getByRole('button', { name: 'Stop', exact: true }),
    regenerate: page.getByRole('button', { name: 'Regenerate', exact: true }),
    newChat: page.getByRole('button', { name: 'New chat', exact: true }),
    search: page.getByRole('searchbox', { name: 'Search messages' }),
    conversations: page.getByRole('list', { name: 'Conversations' }),
    log,
    replies: log.getByRole('article', { name: 'Modest', exact: true }),
    userMessages: log.getByRole('article', { name: 'You', exact: true }),
  };
}

async function replyText(reply: Locator): Promise<string> {
  return norm(await reply.locator('.reply-body').innerText());
}

/** Resolves once the reply has finished streaming (its footer shows how it ended). */
async function settled(reply: Locator): Promise<string> {
  await expect.poll(async () => (await reply.getAttribute('data-status')) ?? '', WAIT).not.toBe('');
  await expect.poll(async () => reply.getByText('Writing…').count(), WAIT).toBe(0);
  return (await reply.getAttribute('data-status')) ?? '';
}

describe('chat window (confident model)', () => {
  const consoleErrors: string[] = [];
  let server: BrowserModeServer;
  let context: BrowserContext;
  let page: Page;
  let expectedReply: string;

  beforeAll(async () => {
    const model = await tinyModel('confident');
    expectedReply = model.expectedReply;
    server = await startBrowserMode({ model: model.path });
    context = await browser.newContext();
    page = await context.newPage();
    // A CSP violation is an event, not always a console line: report each one as an error.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) consoleErrors.push(m.text());
    });
    await page.goto(server.url);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('removes the token from the address and keeps working', async () => {
    await ui(page).input.waitFor();
    expect(page.url()).not.toContain('token');
    expect(page.url()).toBe(`${server.origin}/`);
  });

  it('cannot send an empty message', async () => {
    const { input, send, replies } = ui(page);
    await expect.poll(() => input.isEnabled(), WAIT).toBe(true);
    expect(await send.isDisabled()).toBe(true);
    await input.fill('   \n  ');
    expect(await send.isDisabled()).toBe(true);
    await input.press('Enter');
    expect(await replies.count()).toBe(0);
    await input.fill('');
  });

  it('sends with Enter and streams the model’s reply', async () => {
    const { input, replies, userMessages, stop } = ui(page);
    await input.fill('Hello there, little model');
    await input.press('Enter');
    await expect.poll(() => userMessages.count(), WAIT).toBe(1);
    expect(norm(await userMessages.first().innerText())).toContain('Hello there, little model');
    // The input is cleared and the Stop button appears while the reply streams (or it is done already).
    expect(await input.inputValue()).toBe('');
    const reply = replies.last();
    await reply.waitFor();
    expect(await settled(reply)).toBe('complete');
    expect(await stop.count()).toBe(0);
    expect(await replyText(reply)).toBe(norm(expectedReply));
    // The footer tells how the reply was made.
    const footer = norm(await reply.innerText());
    expect(footer).toMatch(/tok\/s/);
    expect(footer).toMatch(/confidence p10 \d+%/);
    expect(footer).toMatch(/first token/);
  });

  it('keeps the conversation titled in the sidebar', async () => {
    const { conversations } = ui(page);
    await expect.poll(() => conversations.getByRole('listitem').count(), WAIT).toBe(1);
    expect(norm(await conversations.innerText())).toContain('Hello there');
  });

  it('regenerates the last reply', async () => {
    const { regenerate, replies } = ui(page);
    const before = await replies.last().getAttribute('id');
    await regenerate.click();
    const reply = replies.last();
    await expect.poll(async () => (await reply.getAttribute('id').catch(() => null)) ?? before, WAIT).not.toBe(before);
    expect(await replies.count()).toBe(1);
    expect(await settled(reply)).toBe('complete');
    expect((await replyText(reply)).length).toBeGreaterThan(0);
    await expect.poll(() => regenerate.isEnabled(), WAIT).toBe(true);
  });

  it('keeps the edited text and says why when an edit is refused', async () => {
    const { userMessages, replies } = ui(page);
    await userMessages.first().getByRole('button', { name: 'Edit message' }).click();
    const box = page.getByRole('textbox', { name: 'Edit message' });
    const tooLong = 'word '.repeat(2000).trim();
    await box.fill(tooLong);
    await page.getByRole('button', { name: 'Save and send' }).click();
    await userMessages.first().getByRole('alert').waitFor();
    expect(await box.inputValue()).toBe(tooLong);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => box.count(), WAIT).toBe(0);
    expect(norm(await userMessages.first().innerText())).toContain('Hello there, little model');
    await expect.poll(() => replies.count(), WAIT).toBe(1);
  });

  it('finds the history again after a reload', async () => {
    await page.reload();
    const { conversations, userMessages, replies } = ui(page);
    await conversations.getByRole('button', { name: /^Hello there/ }).click();
    await expect.poll(() => userMessages.count(), WAIT).toBe(1);
    expect(norm(await userMessages.first().innerText())).toContain('Hello there, little model');
    expect(await replies.count()).toBe(1);
  });

  it('keeps an unsent draft across a reload', async () => {
    const { input } = ui(page);
    await input.fill('A half-written thought');
    // Drafts are written shortly after typing stops.
    await expect.poll(() => page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('modest.draft.'))), WAIT).toBe(true);
    await page.reload();
    await expect.poll(() => ui(page).input.inputValue(), WAIT).toBe('A half-written thought');
    await ui(page).input.fill('');
  });

  it('searches messages and opens the conversation at the hit', async () => {
    const p = ui(page);
    await p.newChat.click();
    await expect.poll(() => p.userMessages.count(), WAIT).toBe(0);
    await p.search.fill('little');
    const results = page.getByRole('list', { name: 'Search results' });
    const hit = results.getByRole('button').first();
    await hit.waitFor();
    expect(await results.locator('mark').first().innerText()).toMatch(/little/i);
    await hit.click();
    await expect.poll(() => p.userMessages.count(), WAIT).toBe(1);
    expect(norm(await p.userMessages.first().innerText())).toContain('little model');
    await p.search.fill('');
  });

  it('a refused first message gives the text back and leaves no empty conversation', async () => {
    const p = ui(page);
    await p.newChat.click();
    await expect.poll(() => p.userMessages.count(), WAIT).toBe(0);
    const tooLong = 'word '.repeat(2000).trim();
    await p.input.fill(tooLong);
    await p.input.press('Enter');
    await page.locator('.composer').getByRole('alert').waitFor();
    await expect.poll(() => p.input.inputValue(), WAIT).toBe(tooLong);
    expect(await p.conversations.getByRole('listitem').count()).toBe(1);
    await expect.poll(async () => ((await apiCall(server, 'listConversations', {})).body as unknown[]).length, WAIT).toBe(1);
    await p.input.fill('');
  });

  it('answers 401 to the API without the token', async () => {
    const none = await apiCall(server, 'listConversations', {}, null);
    expect(none.status).toBe(401);
    expect((none.body as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const wrong = await apiCall(server, 'getStatus', {}, 'not-the-token');
    expect(wrong.status).toBe(401);
    const ok = await apiCall(server, 'getStatus', {});
    expect(ok.status).toBe(200);
  });

  it('tells a window without the token to open the printed link', async () => {
    const other = await browser.newContext();
    try {
      const p = await other.newPage();
      await p.goto(`${server.origin}/`);
      await p.getByRole('heading', { name: 'Open the link Modest printed' }).waitFor();
    } finally {
      await other.close();
    }
  });

  it('says in Settings that cloud API keys come only from environment variables here, and offers no key field', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByRole('heading', { name: 'API keys', exact: true }).waitFor();
    expect(await dialog.getByTestId('key-storage-note').innerText()).toBe(
      'API keys are read only from environment variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, HF_TOKEN), because the browser mode cannot reach the operating system’s secret store.',
    );
    expect(await dialog.locator('input[type=password]').count()).toBe(0);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('Delete all my data also forgets unsent drafts and the open conversation', async () => {
    const p = ui(page);
    const drafts = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('modest.draft.')));
    await p.conversations.getByRole('button', { name: /^Hello there/ }).click();
    await p.input.fill('A draft to forget');
    await expect.poll(async () => (await drafts()).length, WAIT).toBeGreaterThan(0);
    expect(await page.evaluate(() => sessionStorage.getItem('modest.activeConversation'))).not.toBeNull();

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('textbox', { name: 'Type DELETE to confirm' }).fill('DELETE');
    await page.getByRole('button', { name: 'Delete all my data' }).click();
    await expect.poll(() => p.conversations.getByRole('listitem').count(), WAIT).toBe(0);
    expect(await p.input.inputValue()).toBe('');
    // Long enough for a late draft write (300 ms after typing) to have brought one back.
    await page.waitForTimeout(600);
    expect(await drafts()).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.getItem('modest.activeConversation'))).toBeNull();
  });

  it('logged no errors and no CSP violations in the window through all of the above', () => {
    // Chromium itself logs every 4xx answer; the refusals above (413 for a too-long message) are on purpose.
    expect(consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e))).toEqual([]);
  });
});

describe('stopping a reply (never-stopping model)', () => {
  let server: BrowserModeServer;
  let context: BrowserContext;
  let page: Page;
  let modelPath: string;

  beforeAll(async () => {
    modelPath = (await tinyModel('never-stopping')).path;
    // Started without a model: the window asks for one.
    server = await startBrowserMode();
    // Long replies, so there is always something left to stop.
    await apiCall(server, 'updateSettings', { maxReplyTokens: 32_768 });
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(server.url);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('explains why a model file dropped on the browser window cannot be used, and stays on the page', async () => {
    const drop = (name: string) =>
      page.evaluate((fileName) => {
        const target = document.querySelector('.model-gate');
        if (!target) throw new Error('no model gate');
        const dt = new DataTransfer();
        dt.items.add(new File(['GGUF'], fileName));
        target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, name);
    await page.getByRole('textbox', { name: 'Model file path' }).waitFor();
    const url = page.url();
    await drop('notes.pdf');
    await page.getByText('"notes.pdf" is not a .gguf model file.').waitFor();
    await drop('model.gguf');
    await page.getByText('The browser cannot tell Modest where a dropped file is. Type its full path instead.').waitFor();
    expect(page.url()).toBe(url);
    await page.getByRole('textbox', { name: 'Model file path' }).waitFor();
  });

  it('asks for a model, explains a bad path, then loads a good one', async () => {
    const path = page.getByRole('textbox', { name: 'Model file path' });
    await path.fill('/no/such/model.gguf');
    await page.getByRole('button', { name: 'Load model' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(norm(await alert.innerText()).length).toBeGreaterThan(10);

    await path.fill(modelPath);
    await page.getByRole('button', { name: 'Load model' }).click();
    await expect.poll(() => ui(page).input.isEnabled(), WAIT).toBe(true);
  });

  it('Stop keeps the partial reply, marked stopped', async () => {
    const { input, send, stop, replies } = ui(page);
    await input.fill('Tell me a story that never ends');
    await send.click();
    await stop.waitFor();
    // The model writes ~2,000 tokens in a couple of seconds: press Stop from inside the page the
    // moment the first words are on screen, so the test never races the end of the reply.
    await whenReplyHasText(page, { clickStop: true });
    const reply = replies.last();
    expect(await settled(reply)).toBe('partial');
    expect(norm(await reply.innerText())).toContain('stopped');
    const kept = await replyText(reply);
    expect(kept.length).toBeGreaterThan(0);

    // The server kept the same partial text.
    const convs = (await apiCall(server, 'listConversations', {})).body as { id: string }[];
    const msgs = (await apiCall(server, 'getMessages', { conversationId: convs[0]!.id })).body as {
      role: string;
      status: string;
      content: string;
    }[];
    const saved = msgs.at(-1)!;
    expect(saved.role).toBe('assistant');
    expect(saved.status).toBe('partial');
    expect(norm(saved.content).length).toBeGreaterThan(0);
    await expect.poll(() => send.count(), WAIT).toBe(1);
  });

  it('Esc stops too', async () => {
    const { input, replies } = ui(page);
    await input.fill('Another one');
    await input.press('Enter');
    await expect.poll(() => replies.count(), WAIT).toBe(2);
    await whenReplyHasText(page);
    await page.keyboard.press('Escape');
    expect(await settled(replies.nth(1))).toBe('partial');
  });
});

/**
 * Waits, checking every frame inside the page, until the last reply shows text; with `clickStop`,
 * clicks the Stop button right then, in the same frame.
 */
async function whenReplyHasText(page: Page, opts: { clickStop?: boolean } = {}): Promise<void> {
  await page.waitForFunction(
    (clickStop) => {
      const replies = document.querySelectorAll('[role="log"] article[aria-label="Modest"]');
      const last = replies[replies.length - 1];
      const text = last?.querySelector('.reply-body')?.textContent?.trim() ?? '';
      if (text === '') return false;
      if (clickStop) document.querySelector<HTMLButtonElement>('button[aria-label="Stop"]')?.click();
      return true;
    },
    opts.clickStop ?? false,
    { polling: 'raf', timeout: 60_000 },
  );
}
