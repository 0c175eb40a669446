import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatEvent, Message, Settings } from '../../app/contract/index.js';
import { redact } from '../../app/cloud/index.js';
import { createEncryptedKeyStore, createEnvKeyStore } from '../../app/secrets/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { startFakeCloud, type FakeCloud } from '../helpers/fake-cloud.js';
import { tinyModel } from '../helpers/models.js';

/**
 * The router inside the chat flow: real llama.cpp on generated models (one confident, one whose
 * every token has p ≈ 0.001), a real database, and the stand-in provider reached through the
 * official SDKs.
 */
const KEY = 'sk-test-escalation-4f9a1c2b7d';
let cloud: FakeCloud;
let confident: string;
let doubtful: string;
let localReply: string;

beforeAll(async () => {
  cloud = await startFakeCloud({ apiKey: KEY });
  const [a, b] = await Promise.all([tinyModel('confident'), tinyModel('low-confidence')]);
  confident = a.path;
  localReply = a.expectedReply;
  doubtful = b.path;
});
afterAll(async () => {
  await cloud?.close();
});

let dataDir: string;
let core: Core;

async function start(model: string, settings: Partial<Settings>, opts: { withKey?: boolean } = {}) {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-escalation-'));
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
  const keys = createEnvKeyStore('the test says so', opts.withKey === false ? {} : { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY });
  core = createCore(storage, { keys });
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

async function send(text: string, conversationId?: string) {
  const id = conversationId ?? core.storage.conversations.create().id;
  const events: ChatEvent[] = [];
  for await (const e of await core.api.streams.sendMessage({ conversationId: id, text }, new AbortController().signal)) events.push(e);
  const done = events.at(-1);
  if (done?.type !== 'done') throw new Error(`no done event: ${JSON.stringify(events.at(-1))}`);
  return { conversationId: id, events, message: done.message, usage: core.storage.usage.list({ conversationId: id }) };
}

const sentToCloud = () => cloud.received.length;

describe('Off (the default)', () => {
  it('answers locally and sends nothing, however doubtful the answer', async () => {
    await start(doubtful, {});
    expect(core.storage.settings.get().escalationMode).toBe('off');
    const before = sentToCloud();
    const r = await send('What is the capital of France?');
    expect(sentToCloud()).toBe(before);
    expect(r.message.escalation).toBeNull();
    expect(r.message.stats?.route).toBe('local');
    expect(r.usage.map((u) => [u.route, u.outcome, u.reason])).toEqual([['local', 'ok', 'cloud escalation is off']]);
  });
});

describe('Auto', () => {
  it('keeps a confident local answer local, and says why', async () => {
    await start(confident, { escalationMode: 'auto' });
    const before = sentToCloud();
    const r = await send('Hello there');
    expect(r.message.content).toBe(localReply);
    expect(sentToCloud()).toBe(before);
    expect(r.usage.map((u) => [u.route, u.reason])).toEqual([['local', expect.stringMatching(/^local confidence [01]\.\d\d ≥ 0\.30 \(p10\)$/)]]);
  });

  it('stops a doubtful local answer at its first token and makes the cloud reply the answer', async () => {
    await start(doubtful, { escalationMode: 'auto' });
    const r = await send('What is the capital of France?');
    const types = r.events.map((e) => e.type);
    expect(types.indexOf('escalate')).toBeGreaterThan(types.indexOf('start'));
    const escalate = r.events.find((e) => e.type === 'escalate');
    expect(escalate).toMatchObject({ reason: expect.stringMatching(/^a local token had probability 0\.00\d+ < 0\.020$/), cloudModel: 'gpt-4.1-mini' });
    // Cloud deltas after the escalate event add up to the cloud reply.
    const after = r.events.slice(types.indexOf('escalate')).flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
    expect(after).toBe(cloud.reply);
    expect(r.message).toMatchObject({
      content: cloud.reply,
      status: 'complete',
      stats: { route: 'cloud', model: 'gpt-4.1-mini', promptTokens: 42, completionTokens: 11, usageEstimated: false },
      escalation: { state: 'escalated', reason: escalate?.type === 'escalate' ? escalate.reason : '', cloudModel: 'gpt-4.1-mini', error: null },
    });
    // The local draft stays viewable, with its confidence, cut short by the early decision (the
    // worker may sample one more token before the stop reaches it).
    expect(r.message.escalation?.localDraft?.stats?.confidence.tokenCount).toBeLessThanOrEqual(2);
    expect(r.message.escalation?.localDraft?.stats?.stopReason).toBe('aborted');
    expect(r.message.stats?.costUsd).toBeCloseTo((42 * 0.4 + 11 * 1.6) / 1e6, 12);
    expect(r.usage.map((u) => [u.route, u.outcome, u.reason, u.provider])).toEqual([
      ['local', 'aborted', escalate?.type === 'escalate' ? escalate.reason : '', null],
      ['cloud', 'ok', escalate?.type === 'escalate' ? escalate.reason : '', 'openai'],
    ]);
    expect(core.storage.messages.get(r.message.id).escalation?.state).toBe('escalated');
    // The dashboard counts the message as answered in the cloud, not locally.
    expect(core.storage.usageSummary(0, Date.now() + 1, null, 'gpt-4.1-mini').localShare).toBe(0);
  });

  it('Stop during the cloud reply keeps what arrived, as a stopped cloud answer with estimated usage', async () => {
    await start(doubtful, { escalationMode: 'auto', cloudTimeoutSeconds: 60 });
    cloud.fail({ kind: 'hang-mid' });
    const id = core.storage.conversations.create().id;
    const events: ChatEvent[] = [];
    let escalated = false;
    for await (const e of await core.api.streams.sendMessage({ conversationId: id, text: 'What is the capital of France?' }, new AbortController().signal)) {
      events.push(e);
      if (e.type === 'escalate') escalated = true;
      else if (escalated && e.type === 'delta') await core.api.calls.stopGeneration({ messageId: e.messageId });
    }
    const done = events.at(-1);
    expect(done?.type === 'done' && done.message).toMatchObject({ status: 'partial', stats: { route: 'cloud', usageEstimated: true }, escalation: { state: 'escalated' } });
    expect(done?.type === 'done' && cloud.reply.startsWith(done.message.content) && done.message.content.length > 0).toBe(true);
    expect(core.storage.usage.list({ conversationId: id }).map((u) => [u.route, u.outcome, u.usageEstimated])).toEqual([
      ['local', 'aborted', false],
      ['cloud', 'aborted', true],
    ]);
  });

  it('never escalates a conversation kept local', async () => {
    await start(doubtful, { escalationMode: 'auto' });
    const id = core.storage.conversations.create().id;
    await core.api.calls.setKeepLocal({ id, keepLocal: true });
    const before = sentToCloud();
    const r = await send('What is the capital of France?', id);
    expect(sentToCloud()).toBe(before);
    expect(r.usage.map((u) => u.reason)).toEqual(['this conversation is kept local']);
  });

  it('stays local when no key is available', async () => {
    await start(doubtful, { escalationMode: 'auto' }, { withKey: false });
    const before = sentToCloud();
    const r = await send('What is the capital of France?');
    expect(sentToCloud()).toBe(before);
    expect(r.message.stats?.route).toBe('local');
  });

  it('sends a prompt too long for the local context straight to the cloud, with the numbers', async () => {
    await start(confident, { escalationMode: 'auto' });
    const r = await send('word '.repeat(2000));
    expect(r.message.escalation).toMatchObject({ state: 'escalated', reason: expect.stringMatching(/^prompt [\d,]+ tokens > local context [\d,]+$/), localDraft: null });
    expect(r.usage.map((u) => u.route)).toEqual(['cloud']);
  });

  it('refuses a call over the monthly budget, keeping the local answer', async () => {
    await start(doubtful, { escalationMode: 'auto', monthlyBudgetUsd: 0.00001 });
    const before = sentToCloud();
    const r = await send('What is the capital of France?');
    expect(sentToCloud()).toBe(before);
    expect(r.message.escalation).toMatchObject({ state: 'declined', error: expect.stringMatching(/budget/) });
    expect(r.message.stats?.route).toBe('local');
    expect(r.message.content.length).toBeGreaterThan(0);
  });

  // The local answer was stopped early to hand over, so what is kept is saved as partial.
  describe('when the provider fails, the local answer is kept, with a clear error and a usage row', () => {
    const cases = [
      { name: '401', fault: { kind: 'status' as const, status: 401 }, code: /refused the API key/ },
      { name: '500 after retries', fault: { kind: 'status' as const, status: 500 }, times: 3, code: /failed \(500\)/ },
      { name: '429 after retries', fault: { kind: 'status' as const, status: 429, retryAfter: 0 }, times: 3, code: /rate-limiting/ },
      { name: 'malformed SSE', fault: { kind: 'malformed' as const }, code: /could not read/ },
      { name: 'connection reset', fault: { kind: 'reset' as const }, code: /connection broke/ },
      { name: 'silence past the timeout', fault: { kind: 'hang-mid' as const }, code: /stopped arriving/ },
    ];
    it.each(cases)('$name', async ({ fault, times, code }) => {
      await start(doubtful, { escalationMode: 'auto' });
      cloud.fail(...Array.from({ length: times ?? 1 }, () => fault));
      const r = await send('What is the capital of France?');
      const local = r.usage.find((u) => u.route === 'local');
      expect(r.message).toMatchObject({ status: 'partial', stats: { route: 'local' }, escalation: { state: 'failed', error: expect.stringMatching(code) } });
      expect(r.message.content.length).toBeGreaterThan(0);
      const row = r.usage.find((u) => u.route === 'cloud');
      expect(row).toMatchObject({ outcome: 'error', error: expect.stringMatching(code), reason: local?.reason });
      if (fault.kind !== 'status') expect(row?.usageEstimated).toBe(true);
      expect(core.storage.messages.list(r.conversationId).map((m: Message) => m.role)).toEqual(['user', 'assistant']);
    }, 30_000);
  });
});

describe('a message sent to the cloud by choice', () => {
  it('skips the local model in Auto, with the reason "you asked"', async () => {
    await start(confident, { escalationMode: 'auto' });
    const id = core.storage.conversations.create().id;
    const events: ChatEvent[] = [];
    for await (const e of await core.api.streams.sendMessage({ conversationId: id, text: 'Hello there', toCloud: true }, new AbortController().signal)) events.push(e);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.message).toMatchObject({ content: cloud.reply, escalation: { state: 'escalated', reason: 'you asked', localDraft: null } });
    expect(core.storage.usage.list({ conversationId: id }).map((u) => [u.route, u.reason])).toEqual([['cloud', 'you asked']]);
  });

  it('waits, offered, for the preview in Ask mode; is refused (nothing saved) when Off or kept local', async () => {
    await start(confident, { escalationMode: 'ask' });
    const before = sentToCloud();
    const id = core.storage.conversations.create().id;
    const events: ChatEvent[] = [];
    for await (const e of await core.api.streams.sendMessage({ conversationId: id, text: 'Hello there', toCloud: true }, new AbortController().signal)) events.push(e);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.message.escalation).toMatchObject({ state: 'offered', reason: 'you asked' });
    expect(sentToCloud()).toBe(before);
    await core.api.calls.setKeepLocal({ id, keepLocal: true });
    await expect(core.api.streams.sendMessage({ conversationId: id, text: 'x', toCloud: true }, new AbortController().signal)).rejects.toMatchObject({ code: 'CONFLICT' });
    await core.api.calls.updateSettings({ escalationMode: 'off' });
    const other = core.storage.conversations.create().id;
    await expect(core.api.streams.sendMessage({ conversationId: other, text: 'x', toCloud: true }, new AbortController().signal)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(core.storage.messages.list(other)).toEqual([]);
  });
});

describe('Ask', () => {
  it('offers the cloud for a doubtful answer, previews exactly what is sent, and sends it on request', async () => {
    await start(doubtful, { escalationMode: 'ask' });
    const before = sentToCloud();
    const r = await send('What is the capital of France?');
    expect(sentToCloud()).toBe(before);
    expect(r.message.escalation).toMatchObject({ state: 'offered', reason: expect.stringMatching(/probability/), cloudModel: 'gpt-4.1-mini' });

    const preview = await core.api.calls.previewEscalation({ messageId: r.message.id });
    expect(preview).toMatchObject({ provider: 'openai', model: 'gpt-4.1-mini', host: expect.stringMatching(/^127\.0\.0\.1:\d+$/), priceKnown: true });
    expect(preview.turns).toEqual([{ role: 'user', content: 'What is the capital of France?' }]);
    expect(preview.maxCostUsd).toBeGreaterThan(preview.estimatedCostUsd);
    expect(sentToCloud()).toBe(before);

    // The person edits the text in the preview; what reaches the provider is exactly that.
    const approved = { system: preview.system, turns: [{ role: 'user' as const, content: 'What is the capital of France? (edited)' }] };
    const events: ChatEvent[] = [];
    for await (const e of await core.api.streams.escalate({ messageId: r.message.id, approved }, new AbortController().signal)) events.push(e);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.message).toMatchObject({ content: cloud.reply, escalation: { state: 'escalated', localDraft: { content: r.message.content } } });
    const received = cloud.received.at(-1)!;
    expect(received.body.messages).toEqual([{ role: 'system', content: approved.system }, ...approved.turns]);
    expect(core.storage.labels.list(r.message.id).map((l) => l.kind)).toEqual(['asked-cloud']);
  });

  it('stores thumbs up and down as labels', async () => {
    await start(confident, { escalationMode: 'ask' });
    const r = await send('Hello there');
    await core.api.calls.labelMessage({ messageId: r.message.id, thumb: 'down' });
    await core.api.calls.labelMessage({ messageId: r.message.id, thumb: 'up' });
    expect(core.storage.labels.list(r.message.id).map((l) => l.kind)).toEqual(['thumbs-up']);
    await expect(core.api.calls.previewEscalation({ messageId: r.message.id })).resolves.toMatchObject({ model: 'gpt-4.1-mini' });
  });
});

describe('redaction', () => {
  it('sends placeholders instead of personal data, and restores them in the streamed and saved reply', async () => {
    await start(doubtful, { escalationMode: 'auto', redactBeforeSend: true });
    const text = 'Email jane.doe@example.com about card 4111 1111 1111 1111 from 192.168.10.20, please.';
    const { texts } = redact([core.storage.settings.get().systemPrompt, text]);
    const sentText = texts[1]!;
    expect(sentText).not.toContain('jane.doe@example.com');
    // The stand-in answers with the placeholders it was given, as a real model would quote them.
    const placeholders = sentText.match(/\[[A-Z]+_\d+\]/g) ?? [];
    expect(placeholders.length).toBe(3);
    cloud.reply = `Done: I wrote to ${placeholders[0]} about ${placeholders[1]} (seen from ${placeholders[2]}).`;
    const r = await send(text);
    const received = cloud.received.at(-1)!;
    expect(received.raw).not.toContain('jane.doe@example.com');
    expect(received.raw).not.toContain('4111 1111 1111 1111');
    expect(received.raw).not.toContain('192.168.10.20');
    expect((received.body.messages as { content: string }[]).at(-1)?.content).toBe(sentText);
    const expected = 'Done: I wrote to jane.doe@example.com about 4111 1111 1111 1111 (seen from 192.168.10.20).';
    expect(r.message.content).toBe(expected);
    const streamed = r.events.slice(r.events.findIndex((e) => e.type === 'escalate')).flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
    expect(streamed).toBe(expected);
  });
});

it('never writes the API key to the data folder, the database or the log of calls', async () => {
  const cipherKey = randomBytes(32);
  const cipher = {
    encrypt: (s: string) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', cipherKey, iv);
      const body = Buffer.concat([c.update(s, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt: (b: Buffer) => {
      const d = createDecipheriv('aes-256-gcm', cipherKey, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-escalation-'));
  const storage = openStorage(dataDir);
  storage.settings.update({ contextSize: 512, threads: 1, maxReplyTokens: 64, escalationMode: 'auto', cloudBaseUrl: cloud.openaiBaseUrl, cloudTimeoutSeconds: 5 });
  core = createCore(storage, { keys: createEncryptedKeyStore(dataDir, cipher, {}) });
  await core.api.calls.setApiKey({ provider: 'openai', key: KEY });
  await core.models.load(doubtful, storage.settings.get());
  const ok = await send('What is the capital of France?');
  expect(ok.message.escalation?.state).toBe('escalated');
  cloud.fail({ kind: 'status', status: 401 });
  const failed = await send('And of Spain?');
  expect(failed.message.escalation?.state).toBe('failed');
  await core.shutdown();
  const needle = Buffer.from(KEY);
  for (const f of fs.readdirSync(dataDir)) {
    const p = path.join(dataDir, f);
    if (fs.statSync(p).isFile()) expect(fs.readFileSync(p).includes(needle), f).toBe(false);
  }
});
