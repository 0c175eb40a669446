import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type ApiClient, type ChatEvent } from '../../app/contract/index.js';
import { createHttpTransport } from '../../renderer/src/transport/http.js';
import { startFakeCloud, type FakeCloud } from '../helpers/fake-cloud.js';
import { tinyModel } from '../helpers/models.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { isLocalOnly, socketsOf, type SocketSeen } from '../helpers/sockets.js';

/**
 * With escalation Off, Modest's own process opens no outbound connection during a whole chat
 * session. Two witnesses: every socket the process holds (sampled from /proc while the session
 * runs) must be loopback or listening, and an --import hook records every connect() and DNS
 * lookup the process attempts. A control run in Auto shows both witnesses do see a connection.
 */
const KEY = 'sk-test-offline-1234567890';
const RECORDER = path.resolve(import.meta.dirname, '../helpers/connect-recorder.mjs');
let cloud: FakeCloud;
let doubtful: string;

beforeAll(async () => {
  cloud = await startFakeCloud({ apiKey: KEY });
  doubtful = (await tinyModel('low-confidence')).path;
});
afterAll(async () => {
  await cloud?.close();
});

async function session(mode: 'off' | 'auto') {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-offline-'));
  const log = path.join(dataDir, '..', `${path.basename(dataDir)}-connect.log`);
  fs.writeFileSync(log, '');
  let server: ServerProcess | undefined;
  const seen: SocketSeen[] = [];
  let watching = true;
  try {
    server = await startServerProcess(['--data-dir', dataDir, '--model', doubtful], {
      env: { OPENAI_API_KEY: KEY, MODEST_CONNECT_LOG: log },
      nodeArgs: ['--import', RECORDER],
      waitFor: /^(Model ready:|Model not loaded:)/m,
    });
    const pid = server.child.pid!;
    const watcher = (async () => {
      while (watching) {
        seen.push(...socketsOf(pid));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const client: ApiClient = createClient(createHttpTransport({ baseUrl: server.origin, getToken: () => server!.token }));
    await client.updateSettings({ escalationMode: mode, cloudBaseUrl: cloud.openaiBaseUrl, cloudTimeoutSeconds: 5 });

    const c = await client.createConversation({});
    const drain = async (it: AsyncIterable<ChatEvent>) => {
      const out: ChatEvent[] = [];
      for await (const e of it) out.push(e);
      return out;
    };
    const first = await drain(client.streams.sendMessage({ conversationId: c.id, text: 'What is the capital of France?' }));
    await drain(client.streams.sendMessage({ conversationId: c.id, text: 'And of Spain? Reply briefly.' }));
    const reply = first.find((e) => e.type === 'done');
    const last = (await client.getMessages({ conversationId: c.id })).at(-1)!;
    await drain(client.streams.regenerate({ messageId: last.id }));
    await client.search({ query: 'capital' });
    await client.exportConversations({ format: 'markdown' });
    await client.getStatus({});
    watching = false;
    await watcher;
    const attempts = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; host: string | null; port: string | number | null });
    return { attempts, seen, reply };
  } finally {
    watching = false;
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(log, { force: true });
  }
}

it('with escalation Off, a whole chat session opens no outbound connection', async () => {
  const before = cloud.received.length;
  const { attempts, seen } = await session('off');
  expect(cloud.received.length).toBe(before);
  // Binding its own listener on 127.0.0.1 resolves that name; nothing else may be looked up or dialled.
  expect(attempts.filter((a) => a.kind === 'connect')).toEqual([]);
  expect(attempts.filter((a) => a.host !== '127.0.0.1')).toEqual([]);
  expect(seen.length).toBeGreaterThan(0); // the watcher did see the server's own sockets
  expect(seen.filter((s) => !isLocalOnly(s))).toEqual([]);
  const cloudPort = Number(new URL(cloud.openaiBaseUrl).port);
  expect(seen.filter((s) => s.remotePort === cloudPort)).toEqual([]);
}, 120_000);

it('control: in Auto the same witnesses see the connection to the provider', async () => {
  const { attempts, seen } = await session('auto');
  const cloudPort = Number(new URL(cloud.openaiBaseUrl).port);
  expect(attempts).toContainEqual(expect.objectContaining({ kind: 'connect', port: String(cloudPort) }));
  expect(seen.some((s) => s.remotePort === cloudPort)).toBe(true);
}, 120_000);
