import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, callNames, createClient, ipcChannel, streamNames, type ApiClient, type DesktopBridge } from '../../app/contract/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { APP_URL } from '../../main/app-origin.js';
import { registerIpc, type IpcAdapter } from '../../main/ipc-adapter.js';
import { createSenderCheck } from '../../main/trusted-sender.js';
import { createIpcTransport } from '../../renderer/src/transport/ipc.js';
import { FakeIpcMain, FakeWebContents, loadPreload, PRELOAD_BUNDLE, type FakeWindow } from '../helpers/fake-electron.js';
import { tinyModel } from '../helpers/models.js';

/**
 * The desktop path without the Electron binary: the renderer's IPC transport, the real bundled
 * preload (run as a sandboxed CommonJS script), the IPC adapter main registers, and the real core
 * with a real database and a generated model. Only Electron's message passing is stood in for.
 */
let dataDir: string;
let core: Core;
let ipcMain: FakeIpcMain;
let adapter: IpcAdapter;
let win: FakeWindow;
let bridge: DesktopBridge;
let client: ApiClient;
let expectedReply: string;

beforeAll(async () => {
  expect(fs.existsSync(PRELOAD_BUNDLE), 'npm run build makes dist/main/preload.cjs').toBe(true);
  const model = await tinyModel('confident');
  expectedReply = model.expectedReply;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-ipc-'));
  const storage = openStorage(dataDir);
  storage.settings.update({ contextSize: 512, sequences: 2, threads: 1 });
  core = createCore(storage, { shell: 'desktop' });
  ipcMain = new FakeIpcMain();
  win = { webContents: new FakeWebContents(7), frameUrl: APP_URL };
  adapter = registerIpc(ipcMain, core.api, createSenderCheck(new Set([7])));
  const loaded = loadPreload(ipcMain, win, { pathForFile: () => '/home/me/Documents/notes.pdf' });
  bridge = loaded.bridge!;
  client = createClient(createIpcTransport(bridge));
  await client.loadModel({ path: model.path });
});

afterAll(async () => {
  adapter?.dispose();
  await core?.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('the preload bundle', () => {
  it('is one CommonJS file that requires nothing but electron and exposes only the bridge', () => {
    const { exposed, required, bridge: b } = loadPreload(new FakeIpcMain(), { webContents: new FakeWebContents(1), frameUrl: APP_URL });
    expect([...new Set(required)]).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['modest']);
    expect(Object.keys(b!).sort()).toEqual(['call', 'pathForFile', 'stream']);
    const code = fs.readFileSync(PRELOAD_BUNDLE, 'utf8');
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('hands dropped files to the page by path, through webUtils', () => {
    expect(bridge.pathForFile({} as File)).toBe('/home/me/Documents/notes.pdf');
  });
});

describe('the contract over IPC', () => {
  it('registers one handler per call and one listener per stream, on channels derived from the contract', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual(callNames.map((n) => ipcChannel.call(n)).sort());
    expect([...ipcMain.listeners.keys()].sort()).toEqual(streamNames.map((n) => ipcChannel.stream(n)).sort());
  });

  it('reports the desktop shell in getStatus', async () => {
    const status = await client.getStatus({});
    expect(status.shell).toBe('desktop');
    expect(status.model.state).toBe('ready');
  });

  it('streams a reply through the preload and saves it', async () => {
    const conv = await client.createConversation({});
    const events = await drain(client.streams.sendMessage({ conversationId: conv.id, text: 'Hello there' }));
    expect(events.map((e) => e.type)).toEqual(['user', 'start', ...events.slice(2, -1).map(() => 'delta'), 'done']);
    expect(events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('')).toBe(expectedReply);
    const saved = await client.getMessages({ conversationId: conv.id });
    expect(saved.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Hello there', 'complete'],
      ['assistant', expectedReply, 'complete'],
    ]);
  });

  it('turns refusals into the same AppErrors as HTTP does', async () => {
    const conv = await client.createConversation({});
    await expect(drain(client.streams.sendMessage({ conversationId: conv.id, text: '  ' }))).rejects.toMatchObject({ code: 'MESSAGE_EMPTY' });
    await expect(drain(client.streams.sendMessage({ conversationId: 'nope', text: 'hi' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const err = await client.renameConversation({ id: conv.id, title: 42 as unknown as string }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^Invalid input to renameConversation: title:/) });
    await expect(client.loadModel({ path: path.join(dataDir, 'missing.gguf') })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(await client.getMessages({ conversationId: conv.id })).toEqual([]);
  });

  it('refuses a page that navigated away, even in the trusted window', async () => {
    win.frameUrl = 'https://evil.example/';
    try {
      await expect(client.listConversations({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(drain(client.streams.sendMessage({ conversationId: 'x', text: 'hi' }))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      win.frameUrl = APP_URL;
    }
    await expect(client.listConversations({})).resolves.toBeInstanceOf(Array);
  });

  it('stops the reply and keeps it as partial when the window abandons the stream', async () => {
    const never = await tinyModel('never-stopping');
    await client.updateSettings({ maxReplyTokens: 32_768 });
    await client.loadModel({ path: never.path });
    try {
      const conv = await client.createConversation({});
      const abort = new AbortController();
      let deltas = 0;
      await expect(
        (async () => {
          for await (const e of client.streams.sendMessage({ conversationId: conv.id, text: 'Tell me everything' }, abort.signal)) {
            if (e.type === 'delta' && ++deltas === 5) abort.abort();
          }
        })(),
      ).rejects.toThrow();
      await expect.poll(async () => (await client.getStatus({})).activeGenerations.length, { timeout: 15_000 }).toBe(0);
      expect(adapter.activeStreams()).toBe(0);
      const [, reply] = await client.getMessages({ conversationId: conv.id });
      expect(reply?.status).toBe('partial');
      expect(reply?.content.length).toBeGreaterThan(0);
      // The window's 'destroyed' listener was removed when the stream ended.
      expect(win.webContents.listenerCount()).toBe(0);
    } finally {
      await client.loadModel({ path: (await tinyModel('confident')).path });
    }
  });

  it('stops a reply whose window is destroyed', async () => {
    const never = await tinyModel('never-stopping');
    await client.loadModel({ path: never.path });
    try {
      const conv = await client.createConversation({});
      const first = new Promise<void>((resolve) => {
        bridge.stream('sendMessage', { conversationId: conv.id, text: 'Go on forever' }, (m) => {
          if (m.kind === 'event' && (m.event as { type: string }).type === 'delta') resolve();
        });
      });
      await first;
      win.webContents.destroy();
      await expect.poll(async () => (await client.getStatus({})).activeGenerations.length, { timeout: 15_000 }).toBe(0);
      const [, reply] = await client.getMessages({ conversationId: conv.id });
      expect(reply?.status).toBe('partial');
    } finally {
      await client.loadModel({ path: (await tinyModel('confident')).path });
    }
  });
});

describe('documents over IPC', () => {
  it('attaches a dropped file by its path, shows its progress to ready, and streams a task with citations', async () => {
    const file = path.join(dataDir, 'notes.md');
    fs.writeFileSync(file, '# Rent\n\nThe rent is nine hundred euros a month.\n\n# Pets\n\nNo pets are allowed.');
    const conv = await client.createConversation({});
    const doc = await client.addDocumentPath({ conversationId: conv.id, path: file });
    expect(doc).toMatchObject({ name: 'notes.md', kind: 'md' });
    let status = doc.status;
    for (let i = 0; i < 400 && (status === 'queued' || status === 'indexing'); i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = (await client.listDocuments({ conversationId: conv.id }))[0]!.status;
    }
    expect(status).toBe('ready');
    const events = await drain(client.streams.documentTask({ conversationId: conv.id, documentIds: [doc.id], task: { kind: 'ask', question: 'What is the rent?' } }));
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    const message = (done as Extract<typeof done, { type: 'done' }>).message;
    expect(message.content).toBe(expectedReply);
    expect(message.task?.sources[0]?.label).toBe('part 1');
    await expect(client.addDocumentPath({ conversationId: conv.id, path: path.join(dataDir, 'missing.pdf') })).rejects.toBeInstanceOf(AppError);
  });
});
