import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../app/contract/index.js';
import { LocalEngine } from '../../app/inference/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { tinyModel } from '../helpers/models.js';

/** The awkward moments: refusals that must change nothing, and stops at every stage of a reply. */
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function makeCore(opts: { availableMemory?: () => number } = {}): Promise<Core> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-races-'));
  const storage = openStorage(dir);
  storage.settings.update({ contextSize: 512, sequences: 2, threads: 1 });
  const core = createCore(storage, opts);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => core.shutdown());
  return core;
}
const never = new AbortController().signal;
async function drain(events: AsyncIterable<ChatEvent> | Promise<AsyncIterable<ChatEvent>>) {
  const out: ChatEvent[] = [];
  for await (const e of await events) out.push(e);
  return out;
}

describe('refusals change nothing', () => {
  it('a message that only overflows with the system prompt is refused before it is saved', async () => {
    const core = await makeCore();
    await core.api.calls.loadModel({ path: (await tinyModel('confident')).path });
    await core.api.calls.updateSettings({ systemPrompt: 'hello '.repeat(380) });
    const conv = await core.api.calls.createConversation({});
    await expect((async () => core.api.streams.sendMessage({ conversationId: conv.id, text: 'hello '.repeat(20) }, never))()).rejects.toThrowError(
      expect.objectContaining({ code: 'PROMPT_TOO_LONG' }),
    );
    expect(await core.api.calls.getMessages({ conversationId: conv.id })).toEqual([]);
  });

  it('a refused edit leaves the conversation as it was', async () => {
    const core = await makeCore();
    const model = await tinyModel('confident');
    await core.api.calls.loadModel({ path: model.path });
    const conv = await core.api.calls.createConversation({});
    await drain(core.api.streams.sendMessage({ conversationId: conv.id, text: 'First' }, never));
    await drain(core.api.streams.sendMessage({ conversationId: conv.id, text: 'Second' }, never));
    const before = await core.api.calls.getMessages({ conversationId: conv.id });
    await expect((async () => core.api.streams.editAndResend({ messageId: before[0]!.id, text: 'word '.repeat(2000) }, never))()).rejects.toThrowError(
      expect.objectContaining({ code: 'PROMPT_TOO_LONG' }),
    );
    expect(await core.api.calls.getMessages({ conversationId: conv.id })).toEqual(before);
  });

  it('a reload that fails keeps the running model and the settings it runs with', async () => {
    let free = 64 * 1024 ** 3;
    const core = await makeCore({ availableMemory: () => free });
    await core.api.calls.loadModel({ path: (await tinyModel('confident')).path });
    free = 1024;
    await expect(core.api.calls.updateSettings({ contextSize: 1024 })).rejects.toMatchObject({ code: 'MODEL_OUT_OF_MEMORY' });
    const status = await core.api.calls.getStatus({});
    expect(status.settings.contextSize).toBe(512);
    expect(status.model.state === 'ready' && status.model.model.contextSize).toBe(512);
  });
});

describe('stopping', () => {
  it('Delete all my data ends running replies and refuses new ones until it is done', async () => {
    const core = await makeCore();
    await core.api.calls.loadModel({ path: (await tinyModel('qwen-shaped')).path });
    await core.api.calls.updateSettings({ maxReplyTokens: 5000 });
    const busy = await core.api.calls.createConversation({});
    const other = await core.api.calls.createConversation({});
    const events: ChatEvent[] = [];
    const streaming = (async () => {
      for await (const e of await core.api.streams.sendMessage({ conversationId: busy.id, text: 'Keep going' }, never)) events.push(e);
    })();
    await expect.poll(() => events.some((e) => e.type === 'delta'), { timeout: 60_000 }).toBe(true);
    const deleting = core.api.calls.deleteAllData({ confirm: 'DELETE' });
    await expect((async () => core.api.streams.sendMessage({ conversationId: other.id, text: 'Sneaking in' }, never))()).rejects.toThrowError(
      expect.objectContaining({ code: 'CONFLICT', message: expect.stringMatching(/deleting all data/) }),
    );
    expect((await deleting).deleted.conversations).toBe(2);
    await streaming;
    expect(events.at(-1)).toMatchObject({ type: 'done', message: { status: 'partial' } });
    expect(await core.api.calls.listConversations({})).toEqual([]);
  });
});

describe('engine stops', () => {
  it('a reply waiting for a busy sequence can be stopped, and the next waiter still runs', async () => {
    const m = await tinyModel('never-stopping');
    const engine = await LocalEngine.load({ modelPath: m.path, threads: 1, contextSize: 512, sequences: 1 });
    cleanups.push(() => engine.dispose());
    const ask = (id: string, signal?: AbortSignal, maxTokens = 5) =>
      engine.generate({ conversationId: id, systemPrompt: '', turns: [{ role: 'user', content: 'Go' }], maxTokens, temperature: 0, signal });
    const stopA = new AbortController();
    let aStarted = false;
    const a = engine.generate(
      { conversationId: 'A', systemPrompt: '', turns: [{ role: 'user', content: 'Go' }], maxTokens: 400, temperature: 0, signal: stopA.signal },
      { onText: () => (aStarted = true) },
    );
    await expect.poll(() => aStarted).toBe(true);
    const stopB = new AbortController();
    const b = ask('B', stopB.signal);
    const c = ask('C');
    stopB.abort();
    const rb = await b;
    expect(rb).toMatchObject({ stopReason: 'aborted', completionTokens: 0, text: '' });
    stopA.abort();
    expect((await a).stopReason).toBe('aborted');
    expect((await c).completionTokens).toBe(5);
  });

  it('Stop during a long prompt ends the reply without generating', async () => {
    const m = await tinyModel('confident');
    const engine = await LocalEngine.load({ modelPath: m.path, threads: 1, contextSize: 2048, sequences: 1 });
    cleanups.push(() => engine.dispose());
    const stop = new AbortController();
    const r = await engine.generate(
      { conversationId: 'long', systemPrompt: '', turns: [{ role: 'user', content: 'hello '.repeat(1400) }], maxTokens: 64, temperature: 0, signal: stop.signal },
      { onPrompt: () => stop.abort() },
    );
    expect(r.stopReason).toBe('aborted');
    expect(r.completionTokens).toBe(0);
    expect(r.evaluatedPromptTokens).toBeGreaterThan(1000);
  });
});
