import { afterAll, describe, expect, it } from 'vitest';
import { RemoteEngine } from '../../app/inference/index.js';
import { tinyModel } from '../helpers/models.js';

/** The engine in its worker thread: the same behaviour through a message port. */
const engines: RemoteEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.dispose().catch(() => undefined);
});

describe('engine in a worker thread', () => {
  it('streams the same exact reply and reports the same confidence', async () => {
    const m = await tinyModel('confident');
    const e = await RemoteEngine.load({ modelPath: m.path, threads: 1, contextSize: 512, sequences: 1 });
    engines.push(e);
    expect(e.info.chatTemplate).toBe('ChatML');
    let streamed = '';
    const r = await e.generate(
      { conversationId: 'a', systemPrompt: '', turns: [{ role: 'user', content: 'Hi' }], maxTokens: 64, temperature: 0 },
      { onText: (p) => (streamed += p) },
    );
    expect(r.text).toBe(m.expectedReply);
    expect(streamed).toBe(m.expectedReply);
    expect(r.confidence.minP).toBeCloseTo(0.6, 2);
  });

  it('carries load errors across with their code', async () => {
    await expect(RemoteEngine.load({ modelPath: '/no/such/model.gguf', threads: 1, contextSize: 512, sequences: 1 })).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringContaining('/no/such/model.gguf'),
    });
  });

  it('dispose ends a running reply first (terminating a worker mid-evaluation would abort the process)', async () => {
    const m = await tinyModel('never-stopping');
    const e = await RemoteEngine.load({ modelPath: m.path, threads: 1, contextSize: 2048, sequences: 1 });
    let started = false;
    const reply = e.generate(
      { conversationId: 'd', systemPrompt: '', turns: [{ role: 'user', content: 'Go' }], maxTokens: 100_000, temperature: 0 },
      { onText: () => (started = true) },
    );
    await expect.poll(() => started).toBe(true);
    await e.dispose();
    expect((await reply).stopReason).toBe('aborted');
  });

  it('Stop crosses the thread boundary and keeps the partial text', async () => {
    const m = await tinyModel('never-stopping');
    const e = await RemoteEngine.load({ modelPath: m.path, threads: 1, contextSize: 2048, sequences: 1 });
    engines.push(e);
    const stop = new AbortController();
    let streamed = '';
    const r = await e.generate(
      { conversationId: 's', systemPrompt: '', turns: [{ role: 'user', content: 'Go' }], maxTokens: 100_000, temperature: 0, signal: stop.signal },
      {
        onText: (p) => {
          streamed += p;
          if (streamed.length > 40) stop.abort();
        },
      },
    );
    expect(r.stopReason).toBe('aborted');
    expect(r.text.startsWith(streamed.slice(0, 40))).toBe(true);
  });
});
