import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine, type GenerateRequest } from '../../app/inference/index.js';
import { makeBadModel } from '../../models/tiny-model/index.js';
import { tinyModel } from '../helpers/models.js';

/** Real llama.cpp inference on generated models whose replies and confidences are known. */
const engines: LocalEngine[] = [];
async function load(variant: Parameters<typeof tinyModel>[0], opts: { contextSize?: number; sequences?: number } = {}) {
  const m = await tinyModel(variant);
  const e = await LocalEngine.load({ modelPath: m.path, threads: 1, contextSize: opts.contextSize ?? 512, sequences: opts.sequences ?? 2 });
  engines.push(e);
  return { engine: e, model: m };
}
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

const ask = (conversationId: string, turns: GenerateRequest['turns'], extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  conversationId,
  systemPrompt: 'You are a test.',
  turns,
  maxTokens: 64,
  temperature: 0,
  ...extra,
});

describe('generation', () => {
  it('streams the exact expected reply, greedily, with high confidence', async () => {
    const { engine, model } = await load('confident');
    const pieces: string[] = [];
    const r = await engine.generate(ask('c1', [{ role: 'user', content: 'Hello' }]), { onText: (p) => pieces.push(p) });
    expect(r.text).toBe(model.expectedReply);
    expect(pieces.join('')).toBe(model.expectedReply);
    expect(pieces.length).toBeGreaterThan(1);
    expect(r.stopReason).toBe('eog');
    // The end-of-generation token is not counted.
    expect(r.completionTokens).toBe(model.replyTokenCount);
    expect(r.confidence.tokenCount).toBe(model.replyTokenCount);
    expect(r.sampler).toEqual({ temperature: 0, topK: 0, topP: 1, seed: null });
    // Every token is confident except the designed fork at about 0.6.
    expect(r.confidence.minP!).toBeGreaterThan(0.5);
    expect(r.confidence.minP!).toBeLessThan(0.7);
    expect(r.confidence.meanLogp!).toBeGreaterThan(Math.log(0.8));
    expect(r.confidence.margin1!).toBeGreaterThan(0.8);
    expect(r.ttftMs).toBeGreaterThan(0);
  });

  it('reports low confidence on the low-confidence model, still replying deterministically', async () => {
    const { engine, model } = await load('low-confidence');
    const r = await engine.generate(ask('l1', [{ role: 'user', content: 'Hello' }]));
    expect(r.text).toBe(model.expectedReply);
    expect(r.confidence.p10!).toBeLessThan(0.1);
    expect(r.confidence.minP!).toBeLessThan(0.1);
    expect(r.confidence.margin1!).toBeLessThan(0.1);
  });

  it('Stop keeps the partial text', async () => {
    const { engine } = await load('never-stopping');
    const controller = new AbortController();
    let streamed = '';
    let n = 0;
    const r = await engine.generate(ask('s1', [{ role: 'user', content: 'Go on' }], { maxTokens: 10_000, signal: controller.signal }), {
      onText: (p) => {
        streamed += p;
        if (++n === 20) controller.abort();
      },
    });
    expect(r.stopReason).toBe('aborted');
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.text).toBe(streamed);
    expect(r.completionTokens).toBeGreaterThanOrEqual(20);
    expect(r.completionTokens).toBeLessThan(40);
  });

  it('stops at the reply token limit', async () => {
    const { engine } = await load('never-stopping');
    const r = await engine.generate(ask('m1', [{ role: 'user', content: 'Go on' }], { maxTokens: 7 }));
    expect(r.stopReason).toBe('max-tokens');
    expect(r.completionTokens).toBe(7);
  });

  it('Regenerate samples with a new seed and can take the other branch of the fork', async () => {
    const { engine, model } = await load('confident');
    const replies = new Set<string>();
    for (let seed = 1; seed <= 16; seed++) {
      const r = await engine.generate(ask('r1', [{ role: 'user', content: 'Hello' }], { temperature: 0.7, seed }));
      expect(r.sampler).toEqual({ temperature: 0.7, topK: 0, topP: 1, seed });
      replies.add(r.text);
    }
    expect(replies).toContain(model.expectedReply);
    expect(replies).toContain(model.alternativeReply);
  });
});

describe('KV cache', () => {
  it('turn 2 evaluates only its new tokens', async () => {
    const { engine } = await load('confident');
    const t1 = await engine.generate(ask('k1', [{ role: 'user', content: 'Hello' }]));
    expect(t1.evaluatedPromptTokens).toBe(t1.promptTokens);
    const t2 = await engine.generate(
      ask('k1', [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: t1.text },
        { role: 'user', content: 'Thanks a lot' },
      ]),
    );
    // Cached: the whole first prompt and the reply's tokens.
    expect(t2.evaluatedPromptTokens).toBe(t2.promptTokens - t1.promptTokens - t1.completionTokens);
    expect(t2.evaluatedPromptTokens).toBeLessThan(t2.promptTokens / 2);
  });

  it('two conversations interleaved keep their own caches', async () => {
    const { engine } = await load('confident', { sequences: 2 });
    const a1 = await engine.generate(ask('A', [{ role: 'user', content: 'Hello from A' }]));
    const b1 = await engine.generate(ask('B', [{ role: 'user', content: 'Good morning from B' }]));
    const a2 = await engine.generate(ask('A', [{ role: 'user', content: 'Hello from A' }, { role: 'assistant', content: a1.text }, { role: 'user', content: 'More' }]));
    const b2 = await engine.generate(ask('B', [{ role: 'user', content: 'Good morning from B' }, { role: 'assistant', content: b1.text }, { role: 'user', content: 'More' }]));
    expect(a2.evaluatedPromptTokens).toBe(a2.promptTokens - a1.promptTokens - a1.completionTokens);
    expect(b2.evaluatedPromptTokens).toBe(b2.promptTokens - b1.promptTokens - b1.completionTokens);
    expect(engine.sequenceOwners().sort()).toEqual(['A', 'B']);
  });

  it('gives a third conversation the least recently used sequence', async () => {
    const { engine } = await load('confident', { sequences: 2 });
    await engine.generate(ask('X', [{ role: 'user', content: 'one' }]));
    await engine.generate(ask('Y', [{ role: 'user', content: 'two' }]));
    await engine.generate(ask('X', [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'again' }]));
    await engine.generate(ask('Z', [{ role: 'user', content: 'three' }]));
    expect(engine.sequenceOwners().sort()).toEqual(['X', 'Z']);
  });
});

describe('context limits', () => {
  it('clamps a context larger than the model was trained for, and says so', async () => {
    const m = await tinyModel('confident');
    const e = await LocalEngine.load({ modelPath: m.path, threads: 1, contextSize: 1_000_000, sequences: 1 });
    engines.push(e);
    expect(e.info.contextSize).toBe(e.info.trainContextSize);
    expect(e.info.contextNote).toMatch(/^Context clamped to [\d,]+ tokens: this model was trained for [\d,]+, and 1,000,000 were requested\.$/);
  });

  it('drops the oldest exchanges when a conversation outgrows the context', async () => {
    const { engine, model } = await load('confident', { contextSize: 256, sequences: 1 });
    const turns: GenerateRequest['turns'][number][] = [];
    for (let i = 0; i < 12; i++) {
      turns.push({ role: 'user', content: `Hello there, this is message number ${i} of a long chat` });
      turns.push({ role: 'assistant', content: model.expectedReply });
    }
    turns.push({ role: 'user', content: 'And the last one' });
    const r = await engine.generate(ask('o1', turns, { maxTokens: 32 }));
    expect(r.droppedMessages).toBeGreaterThan(0);
    expect(r.droppedMessages % 2).toBe(0);
    expect(r.promptTokens).toBeLessThanOrEqual(256 - 32);
    expect(r.text).toBe(model.expectedReply);
  });

  it('refuses a prompt longer than the context', async () => {
    const { engine } = await load('confident', { contextSize: 256, sequences: 1 });
    await expect(engine.generate(ask('p1', [{ role: 'user', content: 'hello '.repeat(400) }]))).rejects.toMatchObject({ code: 'PROMPT_TOO_LONG' });
  });
});

describe('bad model files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-bad-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tryLoad = (modelPath: string, extra: { availableMemory?: () => number } = {}) =>
    LocalEngine.load({ modelPath, threads: 1, contextSize: 256, sequences: 1, ...extra }).then(
      (e) => {
        engines.push(e);
        return null;
      },
      (err: { code: string; message: string }) => err,
    );

  it('missing file', async () => {
    expect(await tryLoad(path.join(dir, 'nope.gguf'))).toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('nope.gguf') });
  });
  it('a folder', async () => {
    expect(await tryLoad(dir)).toMatchObject({ code: 'MODEL_NOT_A_FILE' });
  });
  it('not a GGUF', async () => {
    expect(await tryLoad(await makeBadModel('not-gguf', dir))).toMatchObject({ code: 'MODEL_NOT_GGUF' });
  });
  it('an empty file', async () => {
    expect(await tryLoad(await makeBadModel('empty', dir))).toMatchObject({ code: 'MODEL_NOT_GGUF' });
  });
  it('a truncated file', async () => {
    expect(await tryLoad(await makeBadModel('truncated', dir))).toMatchObject({ code: 'MODEL_TRUNCATED', message: expect.stringMatching(/incomplete/) });
  });
  it('an unsupported architecture', async () => {
    expect(await tryLoad(await makeBadModel('unsupported-arch', dir))).toMatchObject({
      code: 'MODEL_UNSUPPORTED_ARCH',
      message: expect.stringContaining('"modestfake"'),
    });
  });
  it('not enough memory', async () => {
    const m = await tinyModel('confident');
    expect(await tryLoad(m.path, { availableMemory: () => 1024 })).toMatchObject({
      code: 'MODEL_OUT_OF_MEMORY',
      message: expect.stringMatching(/needs about .* but only 0\.0 GiB is free/),
    });
  });
});
