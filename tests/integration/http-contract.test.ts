import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, callNames, createClient, streamNames, type ApiClient } from '../../app/contract/index.js';
import { startHttpServer, type RunningServer } from '../../app/server/serve.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { createHttpTransport } from '../../renderer/src/transport/http.js';
import { tinyModel } from '../helpers/models.js';

/** The contract over real HTTP on 127.0.0.1, with a real database and a real generated model. */
let dataDir: string;
let core: Core;
let server: RunningServer;
let client: ApiClient;
let expectedReply: string;
let base: string;

async function raw(pathname: string, body: string | undefined, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

beforeAll(async () => {
  const model = await tinyModel('confident');
  expectedReply = model.expectedReply;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-http-'));
  const storage = openStorage(dataDir);
  storage.settings.update({ contextSize: 512, sequences: 2, threads: 1 });
  core = createCore(storage);
  server = await startHttpServer({ api: core.api });
  base = `http://127.0.0.1:${server.port}`;
  client = createClient(createHttpTransport({ baseUrl: base, getToken: () => server.token }));
  await client.loadModel({ path: model.path });
});

afterAll(async () => {
  await server?.close();
  await core?.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('browser-mode HTTP contract', () => {
  it('listens on loopback and prints a tokenized URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/);
  });

  it('answers 401 to every API call without the token, and with a wrong one', async () => {
    for (const name of callNames) {
      const res = await fetch(`${base}/api/call/${name}`, { method: 'POST', body: '{}' });
      expect(res.status, name).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    }
    for (const name of streamNames) {
      const res = await fetch(`${base}/api/stream/${name}`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer nope' } });
      expect(res.status, name).toBe(401);
    }
  });

  it('rejects malformed payloads with a clear error', async () => {
    const notJson = await raw('/api/call/createConversation', '{"title":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error?.message).toBe('The request body is not valid JSON.');

    const wrongType = await raw('/api/call/renameConversation', JSON.stringify({ id: 'x', title: 42 }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error?.code).toBe('BAD_REQUEST');
    expect(wrongType.body.error?.message).toMatch(/^Invalid input to renameConversation: title:/);

    const extra = await raw('/api/call/getStatus', JSON.stringify({ sneaky: true }));
    expect(extra.status).toBe(400);

    const unknown = await raw('/api/call/dropTables', '{}');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.message).toBe('There is no call named "dropTables".');

    const badSettings = await raw('/api/call/updateSettings', JSON.stringify({ threads: -3 }));
    expect(badSettings.status).toBe(400);
    expect(badSettings.body.error?.message).toMatch(/threads/);
  });

  it('streams a reply: user, start, deltas that add up to the reply, done', async () => {
    const conv = await client.createConversation({});
    const events = [];
    for await (const e of client.streams.sendMessage({ conversationId: conv.id, text: 'Hello there' })) events.push(e);
    expect(events.map((e) => e.type)).toEqual(['user', 'start', ...events.slice(2, -1).map(() => 'delta'), 'done']);
    const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
    expect(text).toBe(expectedReply);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.message.status).toBe('complete');
    expect(done?.type === 'done' && done.message.content).toBe(expectedReply);

    const messages = await client.getMessages({ conversationId: conv.id });
    expect(messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Hello there', 'complete'],
      ['assistant', expectedReply, 'complete'],
    ]);
    // The first message names the conversation.
    expect((await client.listConversations({})).find((c) => c.id === conv.id)?.title).toBe('Hello there');
  });

  it('refuses an empty message and a 1 MB message with specific errors, saving nothing', async () => {
    const conv = await client.createConversation({});
    await expect(drain(client.streams.sendMessage({ conversationId: conv.id, text: '   ' }))).rejects.toMatchObject({ code: 'MESSAGE_EMPTY' });
    const huge = 'word '.repeat(200_000);
    await expect(drain(client.streams.sendMessage({ conversationId: conv.id, text: huge }))).rejects.toMatchObject({
      code: 'PROMPT_TOO_LONG',
      message: expect.stringMatching(/^This message needs [\d,]+ tokens, but the model can read at most [\d,]+ at once/),
    });
    expect(await client.getMessages({ conversationId: conv.id })).toEqual([]);
  });

  it('says which conversation is missing', async () => {
    await expect(drain(client.streams.sendMessage({ conversationId: 'no-such-id', text: 'hi' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses to save an API key in the browser mode, saying where keys come from instead', async () => {
    const res = await raw('/api/call/setApiKey', JSON.stringify({ provider: 'openai', key: 'sk-test-0123456789' }));
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'KEYS_ENV_ONLY', message: expect.stringContaining('Set OPENAI_API_KEY, ANTHROPIC_API_KEY or HF_TOKEN instead') });
    expect(fs.readdirSync(dataDir)).not.toContain('keys.json');
    const status = await client.getStatus({});
    expect(status.shell).toBe('browser');
    expect(status.keys.storage).toBe('env-only');
  });

  it('reports a bad model path with its own error and keeps the loaded model', async () => {
    const err = await client.loadModel({ path: path.join(dataDir, 'missing.gguf') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('MODEL_NOT_FOUND');
    const status = await client.getStatus({});
    expect(status.model.state).toBe('ready');
  });
});

async function drain(it: AsyncIterable<unknown>) {
  const out = [];
  for await (const e of it) out.push(e);
  return out;
}
