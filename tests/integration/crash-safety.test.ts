import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../app/contract/index.js';
import { openStorage } from '../../app/storage/index.js';
import { createHttpTransport } from '../../renderer/src/transport/http.js';
import { tinyModel } from '../helpers/models.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Kill -9 the real server while it streams a reply: everything committed must survive. The
 * Qwen-shaped model decodes at tens of tokens/s here, so a reply streams for seconds.
 */
const dirs: string[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-crash-'));
  dirs.push(d);
  return d;
}

/** The real server with the slow Qwen-shaped model, allowed long replies, and one conversation. */
async function serverWithLongReplies() {
  const model = await tinyModel('qwen-shaped');
  const dataDir = tmpDir();
  const server = await startServerProcess(['--model', model.path, '--data-dir', dataDir], { waitFor: /Model ready/ });
  servers.push(server);
  const client = createClient(createHttpTransport({ baseUrl: server.origin, getToken: () => server.token }));
  await client.updateSettings({ maxReplyTokens: 5000 });
  const conv = await client.createConversation({});
  return { dataDir, server, client, conv };
}

describe('crash safety', () => {
  it('SIGKILL mid-reply keeps the user message and the partial reply saved in the last second', async () => {
    const { dataDir, server, client, conv } = await serverWithLongReplies();

    let streamed = '';
    let firstDeltaAt = 0;
    const reading = (async () => {
      try {
        for await (const e of client.streams.sendMessage({ conversationId: conv.id, text: 'Please keep talking' })) {
          if (e.type === 'delta') {
            streamed += e.text;
            firstDeltaAt ||= Date.now();
          }
        }
      } catch {
        // The connection dies with the server; that is the point.
      }
    })();
    // Stream for well over one save interval, then pull the plug.
    await expect.poll(() => firstDeltaAt > 0 && Date.now() - firstDeltaAt > 2500, { timeout: 60_000, interval: 50 }).toBe(true);
    const streamedBeforeKill = streamed;
    expect(await server.stop('SIGKILL')).toBe(null);
    await reading;

    // The lock died with the process: the data folder opens again at once.
    const storage = openStorage(dataDir);
    try {
      const messages = storage.messages.list(conv.id);
      expect(messages.map((m) => [m.role, m.status])).toEqual([
        ['user', 'complete'],
        ['assistant', 'partial'],
      ]);
      expect(messages[0]!.content).toBe('Please keep talking');
      const saved = messages[1]!.content;
      expect(saved.length).toBeGreaterThan(0);
      expect(streamedBeforeKill.startsWith(saved)).toBe(true);
      // Saved at least every second: at most ~1 s of text (plus scheduling slack) is missing.
      expect(saved.length).toBeGreaterThan(streamedBeforeKill.length * 0.2);
    } finally {
      storage.close();
    }
  });

  it('a second server on the same data folder is refused with a clear message', async () => {
    const dataDir = tmpDir();
    const first = await startServerProcess(['--data-dir', dataDir]);
    servers.push(first);
    const second = await startServerProcess(['--data-dir', dataDir]).catch((e: Error) => e);
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toMatch(/Another Modest process is using this data folder/);
    await first.stop();
  });

  it('SIGTERM ends a running reply as partial and exits cleanly', async () => {
    const { dataDir, server, client, conv } = await serverWithLongReplies();
    let streamed = '';
    const reading = (async () => {
      try {
        for await (const e of client.streams.sendMessage({ conversationId: conv.id, text: 'Keep going' })) if (e.type === 'delta') streamed += e.text;
      } catch {
        // closed by shutdown
      }
    })();
    await expect.poll(() => streamed.length > 20, { timeout: 60_000, interval: 50 }).toBe(true);
    expect(await server.stop('SIGTERM')).toBe(0);
    await reading;
    const storage = openStorage(dataDir);
    try {
      const reply = storage.messages.list(conv.id)[1]!;
      expect(reply.status).toBe('partial');
      expect(reply.content.length).toBeGreaterThanOrEqual(streamed.length);
      expect(reply.stats?.stopReason).toBe('aborted');
      expect(storage.usage.list({ conversationId: conv.id }).map((u) => u.outcome)).toEqual(['aborted']);
    } finally {
      storage.close();
    }
  });
});
