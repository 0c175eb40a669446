import { afterAll, describe, expect, it } from 'vitest';
import { LocalEngine, RemoteEngine, type GenerateRequest, type GenerateResult, type JsonSchema } from '../../app/inference/index.js';
import { tinyModel } from '../helpers/models.js';

/** The engine features document tasks use: JSON schemas, prompt lookup, batch counts, parallel sequences. */
const engines: { dispose(): Promise<void> }[] = [];
async function load(variant: Parameters<typeof tinyModel>[0], sequences = 2) {
  const m = await tinyModel(variant);
  const e = await LocalEngine.load({ modelPath: m.path, threads: 1, contextSize: 1024, sequences });
  engines.push(e);
  return { engine: e, model: m };
}
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

const task = (conversationId: string, content: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  conversationId,
  systemPrompt: '',
  turns: [{ role: 'user', content }],
  maxTokens: 48,
  temperature: 0,
  ...extra,
});

const LOOP = ' one two three four five six seven eight nine ten';

describe('JSON schema', () => {
  const schema = {
    type: 'object',
    properties: {
      title: { type: 'string', maxLength: 12 },
      kind: { enum: ['invoice', 'letter', 'report'] },
      urgent: { type: 'boolean' },
    },
    required: ['title', 'kind', 'urgent'],
  } as const satisfies JsonSchema;

  it('constrains the reply to JSON that parses and matches the schema, with confidence', async () => {
    const { engine } = await load('confident');
    const r = await engine.generate(task('json-1', 'Describe this document.', { jsonSchema: schema, maxTokens: 120 }));
    expect(r.stopReason).toBe('eog');
    const value = JSON.parse(r.text) as { title: string; kind: string; urgent: boolean };
    expect(Object.keys(value).sort()).toEqual(['kind', 'title', 'urgent']);
    expect(typeof value.title).toBe('string');
    expect(value.title.length).toBeLessThanOrEqual(12);
    expect(['invoice', 'letter', 'report']).toContain(value.kind);
    expect(typeof value.urgent).toBe('boolean');
    expect(r.confidence.tokenCount).toBe(r.completionTokens);
    expect(r.confidence.p10).not.toBeNull();
    expect(r.confidence.margin1).not.toBeNull();

    // The cached grammar gives the same reply again.
    const again = await engine.generate(task('json-2', 'Describe this document.', { jsonSchema: schema, maxTokens: 120 }));
    expect(again.text).toBe(r.text);
  });

  it('maxTokens still ends a string that has no maxLength', async () => {
    const { engine } = await load('never-stopping');
    const r = await engine.generate(task('json-open', 'Count.', { jsonSchema: { type: 'object', properties: { text: { type: 'string' } } }, maxTokens: 30 }));
    expect(r.stopReason).toBe('max-tokens');
    expect(r.completionTokens).toBe(30);
    expect(r.text.startsWith('{')).toBe(true);
  });
});

describe('prompt lookup', () => {
  it('gives the same greedy reply with and without lookup, and lookup drafts from the quoted prompt', async () => {
    const { engine } = await load('never-stopping');
    const prompt = `Copy the numbers:${LOOP.repeat(6)}`;
    const plain = await engine.generate(task('look-off', prompt, { maxTokens: 50, ephemeral: true }));
    const looked = await engine.generate(task('look-on', prompt, { maxTokens: 50, lookup: true, ephemeral: true }));
    expect(looked.text).toBe(plain.text);
    expect(looked.completionTokens).toBe(plain.completionTokens);
    expect(looked.stopReason).toBe(plain.stopReason);
    expect(looked.confidence).toEqual(plain.confidence);
    expect(plain.lookup).toBeUndefined();
    expect(looked.lookup!.validated).toBeGreaterThan(30);
  });

  it('keeps the reply exact when drafts are wrong (the prompt misquotes the passage)', async () => {
    const { engine } = await load('never-stopping');
    const misquoted = `Copy the numbers: one two three four five six eight seven nine ten one two five four three`.repeat(3);
    const plain = await engine.generate(task('mis-off', misquoted, { maxTokens: 40 }));
    const looked = await engine.generate(task('mis-on', misquoted, { maxTokens: 40, lookup: true }));
    expect(looked.text).toBe(plain.text);
    expect(looked.confidence).toEqual(plain.confidence);
    expect(looked.lookup!.refuted).toBeGreaterThan(0);

    // The refuted drafts were erased: the same conversation continues from a correct cache.
    const turns = [
      { role: 'user' as const, content: misquoted },
      { role: 'assistant' as const, content: looked.text },
      { role: 'user' as const, content: 'Again.' },
    ];
    const next = await engine.generate({ ...task('mis-on', ''), turns, maxTokens: 20, lookup: true });
    const fresh = await engine.generate({ ...task('mis-fresh', ''), turns, maxTokens: 20 });
    expect(next.text).toBe(fresh.text);
    expect(next.evaluatedPromptTokens).toBeLessThan(next.promptTokens);
  });

  it('with a JSON schema, lookup keeps the grammar and gives the same greedy JSON, drafting inside quoted values', async () => {
    const { engine } = await load('never-stopping');
    const schema = { type: 'object', properties: { numbers: { type: 'string', maxLength: 160 }, done: { type: 'boolean' } }, required: ['numbers', 'done'] } as const satisfies JsonSchema;
    const prompt = `Copy the numbers:${LOOP.repeat(6)}`;
    const plain = await engine.generate(task('json-look-off', prompt, { jsonSchema: schema, maxTokens: 120, ephemeral: true }));
    const looked = await engine.generate(task('json-look-on', prompt, { jsonSchema: schema, maxTokens: 120, lookup: true, ephemeral: true }));
    expect(looked.text).toBe(plain.text);
    expect(looked.stopReason).toBe(plain.stopReason);
    expect(looked.confidence).toEqual(plain.confidence);
    const value = JSON.parse(looked.text) as { numbers: string; done: boolean };
    expect(value.numbers.length).toBeGreaterThan(20);
    expect(typeof value.done).toBe('boolean');
    expect(looked.lookup!.validated).toBeGreaterThan(10);
  });

  it('ends a reply at its end-of-generation token under lookup as without', async () => {
    const { engine, model } = await load('confident');
    const prompt = `Say: ${model.expectedReply} ${model.expectedReply}`;
    const plain = await engine.generate(task('eog-off', prompt));
    const looked = await engine.generate(task('eog-on', prompt, { lookup: true }));
    expect(plain.text).toBe(model.expectedReply);
    expect(looked.text).toBe(model.expectedReply);
    expect(looked.stopReason).toBe('eog');
    expect(looked.completionTokens).toBe(plain.completionTokens);
  });
});

describe('counting and tokenizer identity', () => {
  const texts = ['Hello, world!', '', 'one two three four five six seven eight nine ten', 'Grüße aus Köln — 你好 🙂'];

  it('countTokensMany equals countTokens per text, over the worker', async () => {
    const m = await tinyModel('confident');
    const remote = await RemoteEngine.load({ modelPath: m.path, threads: 1, contextSize: 512, sequences: 1 });
    engines.push(remote);
    const many = await remote.countTokensMany(texts);
    const single = await Promise.all(texts.map((t) => remote.countTokens(t)));
    expect(many).toEqual(single);
    expect(await remote.countTokensMany([])).toEqual([]);
    expect(remote.tokenizerId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('tokenizerId is the same for models sharing a vocabulary and differs for another vocabulary', async () => {
    const a = await load('confident', 1);
    const b = await load('low-confidence', 1);
    const c = await load('big-vocab', 1);
    expect(a.engine.tokenizerId).toBe(b.engine.tokenizerId);
    expect(a.engine.tokenizerId).not.toBe(c.engine.tokenizerId);
    expect(a.engine.countTokensMany(texts)).toEqual(texts.map((t) => a.engine.countTokens(t)));
  });
});

describe('parallel task sequences', () => {
  it('three concurrent task keys decode together and equal their sequential results', async () => {
    const { engine } = await load('never-stopping', 4);
    const prompts = ['Count.', `Copy:${LOOP.repeat(4)}`, 'Count again, please.'];
    const req = (i: number, p: string, extra: Partial<GenerateRequest> = {}) =>
      task(`doc-task:d1:${i}`, p, { maxTokens: 40, ephemeral: true, ...extra });

    const sequential: GenerateResult[] = [];
    for (const [i, p] of prompts.entries()) sequential.push(await engine.generate(req(i, p)));

    const order: number[] = [];
    const concurrent = await Promise.all(
      prompts.map((p, i) => engine.generate(req(i, p, { lookup: i === 1 }), { onText: () => order.push(i) })),
    );
    expect(concurrent.map((r) => r.text)).toEqual(sequential.map((r) => r.text));
    // They overlapped: some key produced text before another had finished.
    const lastOf = (i: number) => order.lastIndexOf(i);
    const firstOf = (i: number) => order.indexOf(i);
    expect(Math.min(...[0, 1, 2].map(lastOf))).toBeGreaterThan(Math.max(...[0, 1, 2].map(firstOf)));
  });

  it('a lookup task decoding next to replies at other positions leaves them all exact', async () => {
    const { engine } = await load('never-stopping', 4);
    const prompts = ['Count.', `Copy:${LOOP.repeat(4)}`, 'Count again, please.'];
    const expected = (await engine.generate(task('ref', 'Count.', { maxTokens: 60, ephemeral: true }))).text;
    for (let round = 0; round < 3; round++) {
      const replies: Promise<GenerateResult>[] = [];
      // Each reply starts a few tokens after the previous one, so their steps are out of phase.
      for (const [i, p] of prompts.entries()) {
        let seen = 0;
        let started!: () => void;
        const going = new Promise<void>((resolve) => (started = resolve));
        const req = task(`doc-task:d3:${i}`, p, { maxTokens: 60, ephemeral: true, lookup: i === 1 || round === 2 });
        replies.push(engine.generate(req, { onText: () => ++seen === 3 + round && started() }));
        await going;
      }
      expect((await Promise.all(replies)).map((r) => r.text)).toEqual([expected, expected, expected]);
    }
  });

  it('ephemeral tasks leave warm conversations their sequences', async () => {
    const { engine } = await load('confident', 3);
    await engine.generate(task('chat-a', 'Hello'));
    await engine.generate(task('chat-b', 'Hello'));
    for (let n = 0; n < 4; n++) await engine.generate(task(`doc-task:d2:${n}`, `Summarize part ${n}.`, { ephemeral: true }));
    const owners = engine.sequenceOwners();
    expect(owners).toContain('chat-a');
    expect(owners).toContain('chat-b');
    expect(owners.filter((o) => o?.startsWith('doc-task:'))).toEqual([]);
    const again = await engine.generate(task('chat-a', 'Hello'));
    expect(again.evaluatedPromptTokens).toBeLessThan(again.promptTokens);
  });
});
