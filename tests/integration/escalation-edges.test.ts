import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatEvent, Message, Settings } from '../../app/contract/index.js';
import { createEnvKeyStore } from '../../app/secrets/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { startFakeCloud, type FakeCloud } from '../helpers/fake-cloud.js';
import { tinyModel } from '../helpers/models.js';

/**
 * The edges of the cloud hand-over: settings that change while the local model writes, Stop
 * before the cloud answers, calls that fail before streaming, and budgets that cannot cover the
 * worst case. Real llama.cpp on generated models, a real database file, and the stand-in provider
 * reached through the official SDKs.
 */
const KEY = 'sk-test-escalation-edges-8e21d0';
let cloud: FakeCloud;
let confident: string;
let doubtful: string;
let doubtfulReply: string;

beforeAll(async () => {
  cloud = await startFakeCloud({ apiKey: KEY });
  const [a, b] = await Promise.all([tinyModel('confident'), tinyModel('low-confidence')]);
  confident = a.path;
  doubtful = b.path;
  doubtfulReply = b.expectedReply;
});
afterAll(async () => {
  await cloud?.close();
});

let dataDir: string;
let core: Core;

async function start(model: string, settings: Partial<Settings>) {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-escalation-edges-'));
  const storage = openStorage(dataDir);
  storage.settings.update({
    contextSize: 512,
    sequences: 2,
    threads: 1,
    maxReplyTokens: 64,
    cloudProvider: 'openai',
    cloudBaseUrl: cloud.openaiBaseUrl,
    cloudModel: 'gpt-4.1-mini',
    cloudTimeoutSeconds: 5,
    ...settings,
  });
  core = createCore(storage, { keys: createEnvKeyStore('the test says so', { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY }) });
  await core.models.load(model, storage.settings.get());
  return core;
}

beforeEach(() => {
  cloud.reply = 'The cloud model says: Paris is the capital of France.';
  cloud.usage = { input: 42, output: 11 };
});
afterEach(async () => {
  await core?.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Runs a stream to its end; `onEvent` may act on each event as it arrives. */
async function collect(stream: Promise<AsyncIterable<ChatEvent>> | AsyncIterable<ChatEvent>, onEvent?: (e: ChatEvent) => unknown) {
  const events: ChatEvent[] = [];
  for await (const e of await stream) {
    events.push(e);
    await onEvent?.(e);
  }
  return events;
}

function finalMessage(events: ChatEvent[]): Message {
  const done = events.at(-1);
  if (done?.type !== 'done') throw new Error(`no done event: ${JSON.stringify(done)}`);
  return done.message;
}

async function send(text: string, opts: { conversationId?: string; onEvent?: (e: ChatEvent) => unknown; signal?: AbortSignal } = {}) {
  const id = opts.conversationId ?? core.storage.conversations.create().id;
  const events = await collect(core.api.streams.sendMessage({ conversationId: id, text }, opts.signal ?? new AbortController().signal), opts.onEvent);
  return { conversationId: id, events };
}

/** The escalated flag of each usage row, read straight from the database file. */
function escalatedFlags(conversationId: string): { route: string; escalated: number }[] {
  const db = new Database(path.join(dataDir, 'modest.db'), { readonly: true });
  try {
    return db.prepare('SELECT route, escalated FROM usage_events WHERE conversation_id = ? ORDER BY id').all(conversationId) as { route: string; escalated: number }[];
  } finally {
    db.close();
  }
}

const sentToCloud = () => cloud.received.length;
/** Waits until the stand-in has the request, so a queued fault is spent by this test, not the next. */
async function untilReceived(count: number) {
  while (cloud.received.length < count) await new Promise((r) => setTimeout(r, 10));
}
const QUESTION = 'What is the capital of France?';

describe('a change of mind while the local model writes (bug 1)', () => {
  it('"keep local" switched on mid-reply keeps the reply local, declined with the reason', async () => {
    await start(doubtful, { escalationMode: 'auto' });
    const id = core.storage.conversations.create().id;
    const before = sentToCloud();
    let switched = false;
    const r = await send(QUESTION, {
      conversationId: id,
      onEvent: (e) => {
        if (e.type === 'delta' && !switched) {
          switched = true;
          core.storage.conversations.setKeepLocal(id, true);
        }
      },
    });
    expect(switched).toBe(true);
    expect(sentToCloud()).toBe(before);
    expect(r.events.some((e) => e.type === 'escalate')).toBe(false);
    const m = finalMessage(r.events);
    expect(m.stats?.route).toBe('local');
    expect(m.content.length).toBeGreaterThan(0);
    expect(m.escalation).toMatchObject({ state: 'declined', error: expect.stringMatching(/kept local/) });
    expect(core.storage.usage.list({ conversationId: id }).map((u) => u.route)).toEqual(['local']);
  });

  it('escalation turned Off mid-reply keeps the reply local, declined with the reason', async () => {
    await start(doubtful, { escalationMode: 'auto' });
    const before = sentToCloud();
    let switched = false;
    const r = await send(QUESTION, {
      onEvent: (e) => {
        if (e.type === 'delta' && !switched) {
          switched = true;
          core.storage.settings.update({ escalationMode: 'off' });
        }
      },
    });
    expect(sentToCloud()).toBe(before);
    expect(finalMessage(r.events)).toMatchObject({ stats: { route: 'local' }, escalation: { state: 'declined', error: expect.stringMatching(/escalation is off/) } });
  });

  it('Ask mode does not offer the cloud once the conversation was kept local mid-reply', async () => {
    await start(doubtful, { escalationMode: 'ask' });
    const id = core.storage.conversations.create().id;
    const r = await send(QUESTION, {
      conversationId: id,
      onEvent: (e) => {
        if (e.type === 'delta') core.storage.conversations.setKeepLocal(id, true);
      },
    });
    expect(finalMessage(r.events)).toMatchObject({ status: 'complete', content: doubtfulReply, escalation: null });
  });
});

describe('"Ask <model>" on a local answer (bug 2)', () => {
  it('marks the replaced local call escalated, so the dashboard counts one cloud answer', async () => {
    await start(doubtful, { escalationMode: 'ask' });
    const r = await send(QUESTION);
    const local = finalMessage(r.events);
    expect(local.escalation?.state).toBe('offered');
    expect(escalatedFlags(r.conversationId)).toEqual([{ route: 'local', escalated: 0 }]);
    const events = await collect(core.api.streams.escalate({ messageId: local.id }, new AbortController().signal));
    expect(finalMessage(events).escalation?.state).toBe('escalated');
    expect(escalatedFlags(r.conversationId)).toEqual([
      { route: 'local', escalated: 1 },
      { route: 'cloud', escalated: 0 },
    ]);
    const summary = core.storage.usageSummary(0, Date.now() + 1, null, 'gpt-4.1-mini');
    expect(summary.localShare).toBe(0);
  });
});

describe('Stop before the first cloud token (bug 3)', () => {
  it('keeps the whole local answer when "Ask <model>" is stopped while the provider is silent', async () => {
    await start(doubtful, { escalationMode: 'ask', cloudTimeoutSeconds: 60 });
    const r = await send(QUESTION);
    const local = finalMessage(r.events);
    cloud.fail({ kind: 'hang' });
    const before = sentToCloud();
    const events = await collect(core.api.streams.escalate({ messageId: local.id }, new AbortController().signal), async (e) => {
      if (e.type !== 'escalate') return;
      await untilReceived(before + 1);
      await core.api.calls.stopGeneration({ messageId: e.messageId });
    });
    const m = finalMessage(events);
    expect(m).toMatchObject({ content: local.content, status: 'complete', stats: { route: 'local' }, escalation: { state: 'declined', error: expect.stringMatching(/^Stopped before/) } });
    expect(core.storage.messages.get(local.id).content).toBe(doubtfulReply);
    expect(escalatedFlags(r.conversationId)).toEqual([
      { route: 'local', escalated: 0 },
      { route: 'cloud', escalated: 0 },
    ]);
    // Nothing streamed, so nothing is charged.
    expect(core.storage.usage.list({ conversationId: r.conversationId }).at(-1)).toMatchObject({ route: 'cloud', outcome: 'aborted', costUsd: 0 });
  });

  it('keeps the local draft in Auto when Stop comes before the cloud streams', async () => {
    await start(doubtful, { escalationMode: 'auto', cloudTimeoutSeconds: 60 });
    cloud.fail({ kind: 'hang' });
    const before = sentToCloud();
    let draft = '';
    let shown = '';
    const r = await send(QUESTION, {
      onEvent: async (e) => {
        if (e.type === 'delta') shown += e.text;
        if (e.type === 'escalate') {
          draft = shown;
          await untilReceived(before + 1);
          await core.api.calls.stopGeneration({ messageId: e.messageId });
        }
      },
    });
    const m = finalMessage(r.events);
    expect(draft.length).toBeGreaterThan(0);
    expect(m).toMatchObject({ content: draft, status: 'partial', stats: { route: 'local' }, escalation: { state: 'declined' } });
    expect(escalatedFlags(r.conversationId).map((u) => u.escalated)).toEqual([0, 0]);
  });
});

describe('a call that never streamed costs nothing (bug 4)', () => {
  it.each([
    { name: '401', setup: () => cloud.fail({ kind: 'status', status: 401 }), settings: {} },
    { name: 'connection refused', setup: () => undefined, settings: { cloudBaseUrl: 'http://127.0.0.1:9/v1' } },
  ])('$name leaves the month\'s spend at zero', async ({ setup, settings }) => {
    await start(doubtful, { escalationMode: 'auto', ...settings });
    setup();
    const r = await send(QUESTION);
    expect(finalMessage(r.events).escalation?.state).toBe('failed');
    const row = core.storage.usage.list({ conversationId: r.conversationId }).find((u) => u.route === 'cloud');
    expect(row).toMatchObject({ outcome: 'error', promptTokens: 0, completionTokens: 0, costUsd: 0, usageEstimated: false });
    expect(core.storage.usage.cloudSpendSince(0)).toBe(0);
    expect(await core.api.calls.previewEscalation({ messageId: finalMessage(r.events).id })).toMatchObject({ budget: { spentUsd: 0 } });
  }, 30_000);
});

describe('Auto\'s early stop only when the cloud can take over (bug 5)', () => {
  it('a budget that cannot cover the worst case lets the local model finish; the whole answer is kept', async () => {
    await start(doubtful, { escalationMode: 'auto', monthlyBudgetUsd: 0.00001 });
    const r = await send(QUESTION);
    const m = finalMessage(r.events);
    expect(m).toMatchObject({ content: doubtfulReply, status: 'complete', stats: { route: 'local', stopReason: 'eog' }, escalation: { state: 'declined', error: expect.stringMatching(/budget/) } });
  });

  it('a cloud failure after an early stop saves the fragment as partial, and says it is incomplete', async () => {
    await start(doubtful, { escalationMode: 'auto' });
    cloud.fail({ kind: 'status', status: 401 });
    const m = finalMessage((await send(QUESTION)).events);
    expect(m.stats?.confidence.tokenCount).toBeLessThanOrEqual(2);
    expect(m).toMatchObject({ status: 'partial', stats: { route: 'local', stopReason: 'aborted' }, escalation: { state: 'failed', error: expect.stringMatching(/refused the API key.*incomplete/) } });
  });
});

describe('a cloud failure with no local answer (bug 6)', () => {
  it('logs the cloud call only, not a made-up local one', async () => {
    await start(confident, { escalationMode: 'auto' });
    cloud.fail({ kind: 'status', status: 401 });
    const r = await send('word '.repeat(2000));
    expect(core.storage.usage.list({ conversationId: r.conversationId }).map((u) => [u.route, u.outcome])).toEqual([['cloud', 'error']]);
    // The window is told what actually failed, not a generic "unavailable".
    expect(r.events.at(-1)).toMatchObject({ type: 'error', error: { code: 'CLOUD_AUTH' } });
  }, 30_000);
});

describe('a prompt too long for the local model, with no budget for the cloud (bug 7)', () => {
  it('is refused before anything is saved', async () => {
    await start(confident, { escalationMode: 'auto', monthlyBudgetUsd: 0.00001 });
    const id = core.storage.conversations.create().id;
    const before = sentToCloud();
    await expect(core.api.streams.sendMessage({ conversationId: id, text: 'word '.repeat(2000) }, new AbortController().signal)).rejects.toMatchObject({
      code: 'PROMPT_TOO_LONG',
      message: expect.stringMatching(/budget/),
    });
    expect(core.storage.messages.list(id)).toEqual([]);
    expect(core.storage.usage.list({ conversationId: id })).toEqual([]);
    expect(sentToCloud()).toBe(before);
  });
});

describe('a database error while saving the reply (bug 9)', () => {
  it('reaches the window as an error event', async () => {
    await start(confident, {});
    // A second connection to the same file adds a trigger that refuses to complete any message:
    // the final save then fails inside SQLite, as a full disk or a broken file would.
    const db = new Database(path.join(dataDir, 'modest.db'));
    db.exec("CREATE TRIGGER refuse_complete BEFORE UPDATE OF status ON messages WHEN NEW.status = 'complete' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    db.close();
    const r = await send('Hello there');
    const last = r.events.at(-1);
    expect(last?.type).toBe('error');
    expect(r.events.some((e) => e.type === 'done')).toBe(false);
    // The local call is logged once, not again as a made-up failed call.
    expect(core.storage.usage.list({ conversationId: r.conversationId }).map((u) => [u.route, u.outcome])).toEqual([['local', 'ok']]);
  });
});

describe('a window that is gone before the reply starts (bug 12)', () => {
  it('ends the reply at once as partial', async () => {
    await start(confident, {});
    const gone = new AbortController();
    gone.abort(new Error('closed'));
    const r = await send('Hello there', { signal: gone.signal });
    expect(finalMessage(r.events)).toMatchObject({ status: 'partial', content: '' });
    expect(r.events.some((e) => e.type === 'delta')).toBe(false);
  });
});
