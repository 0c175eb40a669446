import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  callNames,
  ipcChannel,
  streamNames,
  type ApiHandlers,
  type CallResult,
  type StreamMessage,
} from '../../app/contract/index.js';
import { APP_URL } from '../../main/app-origin.js';
import { registerIpc, type IpcEventLike, type PortLike } from '../../main/ipc-adapter.js';
import { createSenderCheck } from '../../main/trusted-sender.js';
import { FakeIpcMain, FakeWebContents } from '../helpers/fake-electron.js';

/** An API whose every handler records what reached it; the adapter is what is under test. */
function recordingApi() {
  const seen: { name: string; input: unknown }[] = [];
  const signals: AbortSignal[] = [];
  const callHandlers = Object.fromEntries(
    callNames.map((name) => [
      name,
      async (input: unknown) => {
        seen.push({ name, input });
        if (name === 'deleteConversation') throw new AppError('NOT_FOUND', { message: 'That conversation is gone.', detail: 'secret detail' });
        if (name === 'exportConversations') throw new Error('disk on fire at /home/me/secret');
        return { echoed: name };
      },
    ]),
  );
  const streamHandlers = Object.fromEntries(
    streamNames.map((name) => [
      name,
      async function* (input: unknown, signal: AbortSignal) {
        seen.push({ name, input });
        signals.push(signal);
        yield { type: 'delta', messageId: 'm', text: 'a' };
        if ((input as { text?: string }).text === 'fail') throw new Error('boom');
        if ((input as { text?: string }).text === 'forever') {
          await new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        }
        yield { type: 'delta', messageId: 'm', text: 'b' };
      },
    ]),
  );
  return { api: { calls: callHandlers, streams: streamHandlers } as unknown as ApiHandlers, seen, signals };
}

function setup(trusted = [1]) {
  const ipc = new FakeIpcMain();
  const rec = recordingApi();
  const adapter = registerIpc(ipc, rec.api, createSenderCheck(new Set(trusted)));
  const sender = new FakeWebContents(1);
  const event = (over: Partial<IpcEventLike> = {}): IpcEventLike => ({ sender, senderFrame: { url: APP_URL }, ...over });
  const call = (name: string, input: unknown, over?: Partial<IpcEventLike>) =>
    ipc.handlers.get(ipcChannel.call(name as never))!(event(over), input) as Promise<CallResult>;
  /** Opens a stream the way the preload does and collects what main posts back. */
  const stream = (name: string, input: unknown, over?: Partial<IpcEventLike>) => {
    const { port1, port2 } = new MessageChannel();
    const messages: StreamMessage[] = [];
    const finished = new Promise<StreamMessage[]>((resolve) => {
      port1.on('message', (m: StreamMessage) => {
        messages.push(m);
        if (m.kind !== 'event') resolve(messages);
      });
      port1.on('close', () => resolve(messages));
    });
    ipc.listeners.get(ipcChannel.stream(name as never))!(event({ ports: [port2 as unknown as PortLike], ...over }), input);
    return { messages, finished, cancel: () => port1.close() };
  };
  return { ipc, adapter, sender, call, stream, ...rec };
}

describe('IPC adapter', () => {
  it('has a handler for every contract call and a listener for every stream, and nothing else', () => {
    const { ipc } = setup();
    expect(ipc.handlers.size).toBe(callNames.length);
    expect(ipc.listeners.size).toBe(streamNames.length);
    for (const n of callNames) expect(ipc.handlers.has(ipcChannel.call(n)), n).toBe(true);
    for (const n of streamNames) expect(ipc.listeners.has(ipcChannel.stream(n)), n).toBe(true);
  });

  it('passes a valid payload to the core and answers { ok, value }', async () => {
    const { call, seen } = setup();
    expect(await call('renameConversation', { id: 'c1', title: '  Trip plans ' })).toEqual({ ok: true, value: { echoed: 'renameConversation' } });
    // The schema's own transforms (trim) ran before the core saw it.
    expect(seen).toEqual([{ name: 'renameConversation', input: { id: 'c1', title: 'Trip plans' } }]);
  });

  it('rejects invalid payloads with a specific error, and the core never sees them', async () => {
    const { call, stream, seen } = setup();
    const cases: [string, unknown, RegExp][] = [
      ['renameConversation', { id: 'c1', title: 42 }, /^Invalid input to renameConversation: title:/],
      ['getStatus', { sneaky: true }, /^Invalid input to getStatus/],
      ['updateSettings', { threads: -3 }, /threads/],
      ['deleteAllData', { confirm: 'yes' }, /Type DELETE to confirm/],
      ['loadModel', 'not an object', /^Invalid input to loadModel/],
      ['setApiKey', { provider: 'openai', key: 'has spaces in it' }, /no spaces/],
    ];
    for (const [name, input, message] of cases) {
      const r = await call(name, input);
      expect(r.ok, name).toBe(false);
      expect(!r.ok && r.error.code).toBe('BAD_REQUEST');
      expect(!r.ok && r.error.message).toMatch(message);
    }
    const s = await stream('sendMessage', { conversationId: 'c1', text: 7 }).finished;
    expect(s).toEqual([{ kind: 'error', error: { code: 'BAD_REQUEST', message: expect.stringMatching(/^Invalid input to sendMessage: text:/) } }]);
    expect(seen).toEqual([]);
  });

  it('checks every sender: unknown windows, foreign or navigated frames and dead frames are refused', async () => {
    const { call, stream, seen } = setup([1]);
    const refused = [
      { sender: new FakeWebContents(2) },
      { senderFrame: { url: 'https://evil.example/index.html' } },
      { senderFrame: { url: 'file:///home/me/index.html' } },
      { senderFrame: { url: 'modest://other/index.html' } },
      { senderFrame: { url: 'modest://user:pw@app/index.html' } },
      { senderFrame: null },
    ];
    for (const over of refused) {
      const r = await call('listConversations', {}, over);
      expect(r, JSON.stringify(over)).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: expect.stringContaining('did not come from the Modest window') } });
      const s = await stream('sendMessage', { conversationId: 'c', text: 'hi' }, over).finished;
      expect(s[0]).toMatchObject({ kind: 'error', error: { code: 'UNAUTHORIZED' } });
    }
    expect(seen).toEqual([]);
    expect((await call('listConversations', {})).ok).toBe(true);
  });

  it('keeps error codes and sentences, and never sends internal detail to the window', async () => {
    const { call } = setup();
    expect(await call('deleteConversation', { id: 'c1' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'That conversation is gone.' } });
    const internal = await call('exportConversations', { format: 'json' });
    expect(internal).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong inside Modest.' } });
    expect(JSON.stringify(internal)).not.toContain('secret');
  });

  it('streams events then end; a failure mid-stream arrives as the stream\'s own error event', async () => {
    const { stream } = setup();
    expect(await stream('sendMessage', { conversationId: 'c', text: 'hi' }).finished).toEqual([
      { kind: 'event', event: { type: 'delta', messageId: 'm', text: 'a' } },
      { kind: 'event', event: { type: 'delta', messageId: 'm', text: 'b' } },
      { kind: 'end' },
    ]);
    const failed = await stream('regenerate', { messageId: 'm' }).finished;
    expect(failed.at(-1)).toEqual({ kind: 'end' });
    const broken = await stream('sendMessage', { conversationId: 'c', text: 'fail' }).finished;
    expect(broken.slice(1)).toEqual([
      { kind: 'event', event: { type: 'error', messageId: null, error: { code: 'INTERNAL', message: 'Something went wrong inside Modest.' } } },
      { kind: 'end' },
    ]);
  });

  it('aborts the core\'s signal when the window closes its port, and when dispose runs', async () => {
    const { stream, signals, adapter, ipc } = setup();
    const s = stream('sendMessage', { conversationId: 'c', text: 'forever' });
    await expect.poll(() => s.messages.length).toBe(1);
    expect(adapter.activeStreams()).toBe(1);
    s.cancel();
    await expect.poll(() => signals[0]?.aborted).toBe(true);
    await expect.poll(() => adapter.activeStreams()).toBe(0);

    const t = stream('sendMessage', { conversationId: 'c', text: 'forever' });
    await expect.poll(() => t.messages.length).toBe(1);
    adapter.dispose();
    await expect.poll(() => signals[1]?.aborted).toBe(true);
    expect(ipc.handlers.size + ipc.listeners.size).toBe(0);
  });

  it('ignores a stream request that brings no port', () => {
    const { ipc, seen, sender } = setup();
    ipc.listeners.get(ipcChannel.stream('sendMessage'))!({ sender, senderFrame: { url: APP_URL } }, { conversationId: 'c', text: 'hi' });
    expect(seen).toEqual([]);
  });
});
