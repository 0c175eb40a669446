import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callCloud, type CloudOutcome, type CloudTarget } from '../../app/cloud/index.js';
import type { ProviderId } from '../../app/contract/index.js';
import { startFakeCloud, type FakeCloud } from '../helpers/fake-cloud.js';

/** Modest's cloud calls through the official openai and @anthropic-ai/sdk clients, against a real local server. */
const KEY = 'sk-test-cloud-0123456789abcdef';
let cloud: FakeCloud;
beforeAll(async () => {
  cloud = await startFakeCloud({ apiKey: KEY });
});
afterAll(async () => {
  await cloud?.close();
});

const REQUEST = {
  system: 'You are terse.',
  turns: [
    { role: 'user' as const, content: 'Hi' },
    { role: 'assistant' as const, content: 'Hello.' },
    { role: 'user' as const, content: 'What is the capital of France?' },
  ],
  maxTokens: 256,
  temperature: 0,
};

function target(provider: ProviderId, over: Partial<CloudTarget> = {}): CloudTarget {
  return {
    provider,
    baseUrl: provider === 'openai' ? cloud.openaiBaseUrl : cloud.anthropicBaseUrl,
    model: provider === 'openai' ? 'gpt-4.1-mini' : 'claude-haiku-4-5',
    apiKey: KEY,
    timeoutMs: 2000,
    maxRetries: 2,
    ...over,
  };
}

const failed = (o: CloudOutcome) => {
  if (o.ok) throw new Error(`expected a failure, got: ${JSON.stringify(o)}`);
  return o;
};

describe.each(['openai', 'anthropic'] as const)('%s protocol', (provider) => {
  it('streams the reply and reads the provider\'s own usage', async () => {
    const before = cloud.received.length;
    const pieces: string[] = [];
    const out = await callCloud(target(provider), REQUEST, { onText: (p) => pieces.push(p) });
    expect(out).toMatchObject({ ok: true, stopReason: 'end', text: cloud.reply, usage: { inputTokens: 42, outputTokens: 11, estimated: false } });
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(cloud.reply);
    expect(out.ttftMs).not.toBeNull();
    const sent = cloud.received[before]!;
    expect(sent.protocol).toBe(provider);
    if (provider === 'openai') {
      expect(sent.body).toMatchObject({
        model: 'gpt-4.1-mini',
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 256,
        messages: [{ role: 'system', content: 'You are terse.' }, ...REQUEST.turns],
      });
      expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    } else {
      expect(sent.body).toMatchObject({ model: 'claude-haiku-4-5', stream: true, max_tokens: 256, system: 'You are terse.', messages: REQUEST.turns });
      expect(sent.headers['x-api-key'] ?? sent.headers.authorization?.replace(/^Bearer /, '')).toBe(KEY);
      expect(sent.headers['anthropic-version']).toBeDefined();
    }
  });

  it('reports a reply cut at max_tokens', async () => {
    const out = await callCloud(target(provider), { ...REQUEST, maxTokens: 5 });
    expect(out).toMatchObject({ ok: true, stopReason: 'max-tokens' });
  });

  it('says the key was refused on 401, without retrying and without echoing the key', async () => {
    const before = cloud.received.length;
    const out = failed(await callCloud(target(provider, { apiKey: 'sk-wrong-key-000000' }), REQUEST));
    expect(out.error.code).toBe('CLOUD_AUTH');
    expect(out.error.message).toMatch(/refused the API key \(401\)/);
    expect(JSON.stringify(out.error.toPayload())).not.toContain('sk-wrong');
    expect(cloud.received.length - before).toBe(1);
    // Refused before any stream: nothing billed, so nothing estimated against the budget.
    expect(out.usage).toEqual({ inputTokens: 0, outputTokens: 0, estimated: false });
  });

  it('does not call an unsupported-parameter 400 "too large", and keeps the provider\'s words in the detail', async () => {
    const said = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
    cloud.fail({ kind: 'status', status: 400, message: said });
    const out = failed(await callCloud(target(provider), REQUEST));
    expect(out.error.code).toBe('CLOUD_BAD_RESPONSE');
    expect(out.error.message).toMatch(/rejected the request as invalid \(400\)/);
    expect(out.error.detail).toContain('max_completion_tokens');
    cloud.fail({ kind: 'status', status: 400, message: 'max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens' });
    expect(failed(await callCloud(target(provider), REQUEST)).error.code).toBe('CLOUD_BAD_RESPONSE');
    cloud.fail({ kind: 'status', status: 400, message: 'prompt is too long: 208000 tokens > 200000 maximum' });
    expect(failed(await callCloud(target(provider), REQUEST)).error.code).toBe('CLOUD_TOO_LARGE');
  });

  it('says the key may not use the model on 403', async () => {
    cloud.fail({ kind: 'status', status: 403, message: 'forbidden' });
    expect(failed(await callCloud(target(provider), REQUEST)).error).toMatchObject({ code: 'CLOUD_AUTH', message: expect.stringContaining('(403)') });
  });

  it('names an unknown model on 404, and a too-large request on 413', async () => {
    cloud.fail({ kind: 'status', status: 404, message: 'model not found' });
    expect(failed(await callCloud(target(provider, { model: 'no-such-model' }), REQUEST)).error).toMatchObject({
      code: 'CLOUD_MODEL_NOT_FOUND',
      message: expect.stringContaining('"no-such-model"'),
    });
    cloud.fail({ kind: 'status', status: 413, message: 'request too large' });
    expect(failed(await callCloud(target(provider), REQUEST)).error.code).toBe('CLOUD_TOO_LARGE');
    cloud.fail({ kind: 'status', status: 400, message: "This model's maximum context length is 8192 tokens" });
    expect(failed(await callCloud(target(provider), REQUEST)).error.code).toBe('CLOUD_TOO_LARGE');
  });

  it('retries a 429, waiting as retry-after says, then succeeds', async () => {
    const before = cloud.received.length;
    cloud.fail({ kind: 'status', status: 429, retryAfter: 1 });
    const t = performance.now();
    const out = await callCloud(target(provider), REQUEST);
    expect(out.ok).toBe(true);
    expect(cloud.received.length - before).toBe(2);
    expect(performance.now() - t).toBeGreaterThanOrEqual(950);
  });

  it('retries a 500, and gives up with a clear error when it persists', async () => {
    cloud.fail({ kind: 'status', status: 500 });
    expect((await callCloud(target(provider), REQUEST)).ok).toBe(true);
    const before = cloud.received.length;
    cloud.fail({ kind: 'status', status: 503 }, { kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const out = failed(await callCloud(target(provider, { maxRetries: 2 }), REQUEST));
    expect(out.error).toMatchObject({ code: 'CLOUD_UNAVAILABLE', message: expect.stringContaining('(503)') });
    expect(cloud.received.length - before).toBe(3);
  });

  it('times out a provider that never answers', async () => {
    cloud.fail({ kind: 'hang' });
    const out = failed(await callCloud(target(provider, { timeoutMs: 400, maxRetries: 0 }), REQUEST));
    expect(out.error.code).toBe('CLOUD_TIMEOUT');
    expect(out.text).toBe('');
    // No answer ever began, so there is nothing to bill or estimate.
    expect(out.usage).toEqual({ inputTokens: 0, outputTokens: 0, estimated: false });
  });

  it('times out a stream that goes silent, keeping what arrived and estimating usage', async () => {
    cloud.fail({ kind: 'hang-mid' });
    const out = failed(await callCloud(target(provider, { timeoutMs: 400, maxRetries: 0 }), REQUEST, { countTokens: (s) => s.length }));
    expect(out.error.code).toBe('CLOUD_TIMEOUT');
    expect(out.text.length).toBeGreaterThan(0);
    expect(cloud.reply.startsWith(out.text)).toBe(true);
    expect(out.usage).toEqual({ inputTokens: expect.any(Number), outputTokens: out.text.length, estimated: true });
  });

  it('reports malformed SSE as an unreadable answer', async () => {
    cloud.fail({ kind: 'malformed' });
    const out = failed(await callCloud(target(provider, { maxRetries: 0 }), REQUEST));
    expect(out.error.code).toBe('CLOUD_BAD_RESPONSE');
    expect(out.usage.estimated).toBe(true);
  });

  it('reports a connection reset mid-stream as a broken connection, keeping the partial text', async () => {
    cloud.fail({ kind: 'reset' });
    const out = failed(await callCloud(target(provider, { maxRetries: 0 }), REQUEST));
    expect(out.error).toMatchObject({ code: 'CLOUD_UNAVAILABLE', message: expect.stringContaining('connection broke') });
    expect(out.text.length).toBeGreaterThan(0);
    expect(out.usage.estimated).toBe(true);
  });

  it('stops when asked, keeping the partial text as a stopped reply', async () => {
    cloud.fail({ kind: 'hang-mid' });
    const abort = new AbortController();
    const out = await callCloud(target(provider, { timeoutMs: 5000 }), REQUEST, {
      signal: abort.signal,
      onText: () => abort.abort(new Error('Stopped by the user.')),
    });
    expect(out).toMatchObject({ ok: true, stopReason: 'aborted', usage: { estimated: true } });
    expect(out.text.length).toBeGreaterThan(0);
  });
});

it('estimates usage when an OpenAI-compatible server sends no usage chunk', async () => {
  cloud.fail({ kind: 'no-usage' });
  const out = await callCloud(target('openai'), REQUEST, { countTokens: (s) => s.split(/\s+/).length });
  expect(out).toMatchObject({ ok: true, text: cloud.reply, usage: { outputTokens: cloud.reply.split(/\s+/).length, estimated: true } });
});

it('says so when nothing listens at the address', async () => {
  const out = failed(await callCloud(target('openai', { baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 0 }), REQUEST));
  expect(out.error).toMatchObject({ code: 'CLOUD_UNAVAILABLE', message: expect.stringContaining('127.0.0.1:9') });
  expect(out.usage).toEqual({ inputTokens: 0, outputTokens: 0, estimated: false });
});
