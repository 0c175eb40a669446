import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../app/contract/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { tinyModel, } from '../helpers/models.js';
import type { TinyModel } from '../../models/tiny-model/index.js';

/** The core behind the contract, with a real database file and real inference. */
let dataDir: string;
let core: Core;
let model: TinyModel;
const never = new AbortController().signal;

async function collect(events: AsyncIterable<ChatEvent> | Promise<AsyncIterable<ChatEvent>>) {
  const out: ChatEvent[] = [];
  for await (const e of await events) out.push(e);
  return out;
}
const done = (events: ChatEvent[]) => {
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error(`expected done, got ${JSON.stringify(last)}`);
  return last.message;
};

beforeAll(async () => {
  model = await tinyModel('confident');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-core-'));
  const storage = openStorage(dataDir);
  storage.settings.update({ contextSize: 512, sequences: 2, threads: 1 });
  core = createCore(storage);
  await core.api.calls.loadModel({ path: model.path });
});
afterAll(async () => {
  await core?.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('chat service', () => {
  it('commits the user message, completes the reply and logs one usage row with confidence', async () => {
    const conv = await core.api.calls.createConversation({});
    const events = await collect(core.api.streams.sendMessage({ conversationId: conv.id, text: 'Hello' }, never));
    const reply = done(events);
    expect(reply.content).toBe(model.expectedReply);
    expect(reply.stats).toMatchObject({
      route: 'local',
      completionTokens: model.replyTokenCount,
      stopReason: 'eog',
      sampler: { temperature: 0, topK: 0, topP: 1, seed: null },
      confidence: { tokenCount: model.replyTokenCount },
    });
    expect(reply.stats!.confidence.minP).toBeCloseTo(0.6, 2);

    const usage = core.storage.usage.list({ conversationId: conv.id });
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      route: 'local',
      messageId: reply.id,
      completionTokens: model.replyTokenCount,
      costUsd: 0,
      outcome: 'ok',
      tokenCount: model.replyTokenCount,
    });
    expect(usage[0]!.minP).toBeCloseTo(0.6, 2);
    expect(usage[0]!.p10).toBeGreaterThan(0.5);
    expect(usage[0]!.margin1).toBeGreaterThan(0.8);
  });

  it('Regenerate replaces the reply with a sampled one and a seed', async () => {
    const conv = await core.api.calls.createConversation({});
    const first = done(await collect(core.api.streams.sendMessage({ conversationId: conv.id, text: 'Hello' }, never)));
    const events = await collect(core.api.streams.regenerate({ messageId: first.id }, never));
    expect(events[0]?.type).toBe('start');
    const second = done(events);
    expect(second.stats!.sampler.temperature).toBe(0.7);
    expect(second.stats!.sampler.seed).toEqual(expect.any(Number));
    expect([model.expectedReply, model.alternativeReply]).toContain(second.content);
    const messages = await core.api.calls.getMessages({ conversationId: conv.id });
    expect(messages.map((m) => m.id)).toEqual([messages[0]!.id, second.id]);
  });

  it('Edit and resend replaces the question and drops what followed', async () => {
    const conv = await core.api.calls.createConversation({});
    await collect(core.api.streams.sendMessage({ conversationId: conv.id, text: 'First question' }, never));
    await collect(core.api.streams.sendMessage({ conversationId: conv.id, text: 'Second question' }, never));
    const [q1] = await core.api.calls.getMessages({ conversationId: conv.id });
    const events = await collect(core.api.streams.editAndResend({ messageId: q1!.id, text: 'Edited question' }, never));
    expect(events[0]).toMatchObject({ type: 'user', message: { id: q1!.id, content: 'Edited question' } });
    done(events);
    const messages = await core.api.calls.getMessages({ conversationId: conv.id });
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Edited question'],
      ['assistant', model.expectedReply],
    ]);
  });

  it('refuses a second reply in the same conversation while one runs', async () => {
    const conv = await core.api.calls.createConversation({});
    const first = core.api.streams.sendMessage({ conversationId: conv.id, text: 'Hello' }, never);
    await expect((async () => core.api.streams.sendMessage({ conversationId: conv.id, text: 'Again' }, never))()).rejects.toThrowError(
      expect.objectContaining({ code: 'BUSY' }),
    );
    await collect(first);
  });

  it('refuses to chat without a model, with a call to action', async () => {
    const storage2Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-nomodel-'));
    const core2 = createCore(openStorage(storage2Dir));
    try {
      const conv = await core2.api.calls.createConversation({});
      await expect((async () => core2.api.streams.sendMessage({ conversationId: conv.id, text: 'hi' }, never))()).rejects.toThrowError(
        expect.objectContaining({ code: 'NO_MODEL', message: expect.stringMatching(/Choose a GGUF model file/) }),
      );
      expect((await core2.api.calls.getStatus({})).model).toEqual({ state: 'none' });
    } finally {
      await core2.shutdown();
      fs.rmSync(storage2Dir, { recursive: true, force: true });
    }
  });

  it('finds a message by a natural question, exports it, and deletes everything', async () => {
    const conv = await core.api.calls.createConversation({});
    await collect(core.api.streams.sendMessage({ conversationId: conv.id, text: 'Where did I put the invoice from Brightwater?' }, never));
    const hits = await core.api.calls.search({ query: "what's the Brightwater invoice?" });
    expect(hits.map((h) => h.conversationId)).toContain(conv.id);

    const md = await core.api.calls.exportConversations({ conversationId: conv.id, format: 'markdown' });
    expect(md.content).toContain('Where did I put the invoice from Brightwater?');
    expect(md.content).toContain(model.expectedReply);
    const json = JSON.parse((await core.api.calls.exportConversations({ format: 'json' })).content) as { conversations: unknown[] };
    expect(json.conversations.length).toBeGreaterThanOrEqual(1);

    const result = await core.api.calls.deleteAllData({ confirm: 'DELETE' });
    expect(result.deleted.conversations).toBeGreaterThanOrEqual(1);
    expect(await core.api.calls.listConversations({})).toEqual([]);
    expect(await core.api.calls.search({ query: 'Brightwater' })).toEqual([]);
    expect(core.storage.usage.list({})).toEqual([]);
  });

  it('reloads the model when the context size changes, and shows the clamp', async () => {
    const settings = await core.api.calls.updateSettings({ contextSize: 100_000 });
    expect(settings.contextSize).toBe(100_000);
    const status = await core.api.calls.getStatus({});
    expect(status.model.state === 'ready' && status.model.model.contextSize).toBe(model.contextLength);
    expect(status.model.state === 'ready' && status.model.model.contextNote).toMatch(/clamped/);
    await core.api.calls.updateSettings({ contextSize: 512 });
  });
});
