import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatEvent, Message } from '../../app/contract/index.js';
import { deleteAllData, deleteConversation, editAndResend, sendMessage, stopGeneration } from '../../renderer/src/actions.js';
import { loadDraft, saveDraft } from '../../renderer/src/lib/drafts.js';
import { initialState, store } from '../../renderer/src/state.js';
import { MemoryStorage } from '../helpers/memory-storage.js';

/** The window's data flow against a scripted server: the real client, transport and store. */

const conversation = { id: 'c1', title: 'New chat', keepLocal: true, createdAt: 1, updatedAt: 1 };

function message(over: Partial<Message>): Message {
  return {
    id: 'm',
    conversationId: 'c1',
    role: 'assistant',
    content: '',
    status: 'complete',
    createdAt: 1,
    updatedAt: 1,
    stats: null,
    error: null,
    escalation: null,
    task: null,
    ...over,
  };
}

/**
 * An SSE response the test writes into event by event. It ignores the request's abort signal, as
 * events already on their way would: the window itself must drop them.
 */
function controlledStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c), cancel: () => void (cancelled = true) });
  const enc = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    push: (e: ChatEvent) => controller.enqueue(enc.encode(`data: ${JSON.stringify(e)}\n\n`)),
    close: () => controller.close(),
    cancelled: () => cancelled,
  };
}

type Handler = (name: string, body: unknown) => Response | Promise<Response>;
let calls: { name: string; body: unknown; signal?: AbortSignal }[];

function serve(handler: Handler) {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const name = url.replace(/^.*\/api\/(call|stream)\//, '');
    const body = JSON.parse(String(init.body)) as unknown;
    calls.push({ name, body, signal: init.signal ?? undefined });
    return handler(name, body);
  });
}


const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

beforeEach(() => {
  calls = [];
  store.set(initialState);
});
afterEach(() => vi.unstubAllGlobals());

describe('renderer actions', () => {
  it('sends in a new chat: creates it, shows the text at once, streams the reply into the store', async () => {
    const s = controlledStream();
    serve((name) => {
      if (name === 'createConversation') return Response.json(conversation);
      if (name === 'listConversations') return Response.json([{ ...conversation, title: 'Hello' }]);
      if (name === 'sendMessage') return s.response;
      throw new Error(name);
    });

    const started = sendMessage('Hello');
    await until(() => store.get().activeId === 'c1');
    // The user's text is on screen before the server answers.
    expect(store.get().messages.c1?.map((m) => m.content)).toEqual(['Hello']);

    const user = message({ id: 'u1', role: 'user', content: 'Hello' });
    s.push({ type: 'user', message: user });
    s.push({ type: 'start', message: message({ id: 'a1', status: 'partial' }) });
    expect(await started).toBe(true);
    await until(() => store.get().generations.c1?.messageId === 'a1');

    s.push({ type: 'delta', messageId: 'a1', text: 'Hi ' });
    s.push({ type: 'delta', messageId: 'a1', text: 'there' });
    await until(() => store.get().messages.c1?.[1]?.content === 'Hi there');

    s.push({ type: 'done', message: message({ id: 'a1', content: 'Hi there', status: 'complete' }) });
    s.close();
    await until(() => store.get().generations.c1 === undefined);
    const msgs = store.get().messages.c1!;
    expect(msgs.map((m) => [m.id, m.role, m.content, m.status])).toEqual([
      ['u1', 'user', 'Hello', 'complete'],
      ['a1', 'assistant', 'Hi there', 'complete'],
    ]);
    await until(() => store.get().conversations[0]?.title === 'Hello');
  });

  it('gives the text back and shows the reason when the server refuses before streaming', async () => {
    store.set({ activeId: 'c1', messages: { c1: [] } });
    serve((name) => {
      if (name === 'sendMessage') {
        return Response.json({ error: { code: 'PROMPT_TOO_LONG', message: 'This message is too long.' } }, { status: 413 });
      }
      return Response.json([]);
    });
    expect(await sendMessage('x'.repeat(50))).toBe(false);
    expect(store.get().composerError).toBe('This message is too long.');
    expect(store.get().messages.c1).toEqual([]);
    expect(store.get().generations.c1).toBeUndefined();
  });

  it('refuses an empty message without asking the server', async () => {
    serve(() => {
      throw new Error('no request expected');
    });
    expect(await sendMessage('  \n ')).toBe(false);
    expect(store.get().composerError).toMatch(/Type a message/);
    expect(calls).toEqual([]);
  });

  it('Stop asks the server to stop that reply and keeps the partial text', async () => {
    store.set({ activeId: 'c1', messages: { c1: [] } });
    const s = controlledStream();
    serve((name) => {
      if (name === 'sendMessage') return s.response;
      if (name === 'stopGeneration') return Response.json({ stopped: true });
      return Response.json([]);
    });
    const started = sendMessage('Go on forever');
    s.push({ type: 'user', message: message({ id: 'u1', role: 'user', content: 'Go on forever' }) });
    s.push({ type: 'start', message: message({ id: 'a1', status: 'partial' }) });
    s.push({ type: 'delta', messageId: 'a1', text: 'Once upon' });
    expect(await started).toBe(true);
    await until(() => store.get().generations.c1?.messageId === 'a1');

    await stopGeneration('c1');
    expect(calls.find((c) => c.name === 'stopGeneration')?.body).toEqual({ messageId: 'a1' });
    expect(store.get().generations.c1?.stopping).toBe(true);

    s.push({ type: 'done', message: message({ id: 'a1', content: 'Once upon', status: 'partial' }) });
    s.close();
    await until(() => store.get().generations.c1 === undefined);
    expect(store.get().messages.c1?.[1]).toMatchObject({ content: 'Once upon', status: 'partial' });
  });

  it('marks a reply that failed while streaming with the error sentence', async () => {
    store.set({ activeId: 'c1', messages: { c1: [] } });
    const s = controlledStream();
    serve((name) => (name === 'sendMessage' ? s.response : Response.json([])));
    void sendMessage('Hi');
    s.push({ type: 'user', message: message({ id: 'u1', role: 'user', content: 'Hi' }) });
    s.push({ type: 'start', message: message({ id: 'a1', status: 'partial' }) });
    s.push({ type: 'error', messageId: 'a1', error: { code: 'GENERATION_FAILED', message: 'The model failed while writing a reply.' } });
    s.close();
    await until(() => store.get().generations.c1 === undefined);
    expect(store.get().messages.c1?.[1]).toMatchObject({ status: 'error', error: 'The model failed while writing a reply.' });
  });

  it('a refused first message leaves no empty conversation behind', async () => {
    serve((name) => {
      if (name === 'createConversation') return Response.json(conversation);
      if (name === 'sendMessage') {
        return Response.json({ error: { code: 'PROMPT_TOO_LONG', message: 'This message is too long.' } }, { status: 413 });
      }
      if (name === 'deleteConversation') return Response.json({ id: 'c1' });
      if (name === 'listConversations') return Response.json([]);
      throw new Error(name);
    });
    expect(await sendMessage('x'.repeat(50))).toBe(false);
    expect(store.get().composerError).toBe('This message is too long.');
    // Back in the new chat, with nothing in the sidebar and the server's copy deleted.
    expect(store.get().activeId).toBeNull();
    expect(store.get().conversations).toEqual([]);
    expect(store.get().messages.c1).toBeUndefined();
    await until(() => calls.some((c) => c.name === 'deleteConversation'));
    expect(calls.find((c) => c.name === 'deleteConversation')?.body).toEqual({ id: 'c1' });
  });

  it('a refused message in an existing conversation keeps the conversation', async () => {
    store.set({ activeId: 'c1', conversations: [conversation], messages: { c1: [] } });
    serve((name) => {
      if (name === 'sendMessage') return Response.json({ error: { code: 'BUSY', message: 'Busy.' } }, { status: 409 });
      return Response.json([conversation]);
    });
    expect(await sendMessage('Hi')).toBe(false);
    expect(store.get().activeId).toBe('c1');
    expect(store.get().conversations).toHaveLength(1);
    expect(calls.some((c) => c.name === 'deleteConversation')).toBe(false);
  });

  it('deleting a conversation while its reply streams drops the stream and its late events', async () => {
    store.set({ activeId: 'c1', conversations: [conversation], messages: { c1: [] } });
    const s = controlledStream();
    serve((name) => {
      if (name === 'sendMessage') return s.response;
      if (name === 'deleteConversation') return Response.json({ id: 'c1' });
      if (name === 'listConversations') return Response.json([]);
      throw new Error(name);
    });
    const started = sendMessage('Tell me everything');
    s.push({ type: 'user', message: message({ id: 'u1', role: 'user', content: 'Tell me everything' }) });
    s.push({ type: 'start', message: message({ id: 'a1', status: 'partial' }) });
    expect(await started).toBe(true);
    await until(() => store.get().generations.c1?.messageId === 'a1');

    await deleteConversation('c1');
    expect(calls.find((c) => c.name === 'sendMessage')?.signal?.aborted).toBe(true);
    expect(store.get().generations.c1).toBeUndefined();
    expect(store.get().messages.c1).toBeUndefined();
    expect(store.get().activeId).toBeNull();

    // Events already on their way must not bring the conversation back.
    s.push({ type: 'delta', messageId: 'a1', text: 'more' });
    s.push({ type: 'done', message: message({ id: 'a1', content: 'more', status: 'partial' }) });
    await until(() => s.cancelled());
    await tick(80);
    expect(store.get().messages.c1).toBeUndefined();
    expect(store.get().generations.c1).toBeUndefined();
    expect(store.get().conversations).toEqual([]);
    // Nor is the deleted conversation fetched again.
    expect(calls.some((c) => c.name === 'getMessages')).toBe(false);
  });

  it('a refused edit reports the reason to the edit box and restores the conversation', async () => {
    const user = message({ id: 'u1', role: 'user', content: 'Hello' });
    const reply = message({ id: 'a1', content: 'Hi' });
    store.set({ activeId: 'c1', conversations: [conversation], messages: { c1: [user, reply] } });
    serve((name) => {
      if (name === 'editAndResend') {
        return Response.json({ error: { code: 'PROMPT_TOO_LONG', message: 'This message is too long.' } }, { status: 413 });
      }
      if (name === 'getMessages') return Response.json([user, reply]);
      return Response.json([conversation]);
    });
    const reasons: string[] = [];
    expect(await editAndResend(user, 'x'.repeat(50), (r) => reasons.push(r))).toBe(false);
    expect(reasons).toEqual(['This message is too long.']);
    expect(store.get().composerError).toBeNull();
    await until(() => store.get().messages.c1?.length === 2);
    expect(store.get().messages.c1?.map((m) => m.content)).toEqual(['Hello', 'Hi']);

    // Refused here too, without asking the server, while a reply is still being written.
    store.set({ generations: { c1: { conversationId: 'c1', messageId: 'a1', controller: null, stopping: false } } });
    const before = calls.length;
    expect(await editAndResend(user, 'Again', (r) => reasons.push(r))).toBe(false);
    expect(reasons).toHaveLength(2);
    expect(calls.length).toBe(before);
  });

  it('Delete all my data also forgets drafts and the conversation to reopen, and drops running streams', async () => {
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    vi.stubGlobal('window', { localStorage: local });
    vi.stubGlobal('sessionStorage', session);
    local.setItem('unrelated', 'kept');
    saveDraft('c1', 'half a thought', 0);
    saveDraft(null, 'a new chat draft', 0);
    saveDraft('c1', 'still typing');
    session.setItem('modest.activeConversation', 'c1');

    store.set({ activeId: 'c1', conversations: [conversation], messages: { c1: [] } });
    const s = controlledStream();
    serve((name) => {
      if (name === 'sendMessage') return s.response;
      if (name === 'deleteAllData') return Response.json({ deleted: { conversations: 1, messages: 2 } });
      if (name === 'listConversations') return Response.json([]);
      throw new Error(name);
    });
    const started = sendMessage('Go');
    s.push({ type: 'user', message: message({ id: 'u1', role: 'user', content: 'Go' }) });
    s.push({ type: 'start', message: message({ id: 'a1', status: 'partial' }) });
    expect(await started).toBe(true);

    expect(await deleteAllData()).toBeNull();
    expect(calls.find((c) => c.name === 'sendMessage')?.signal?.aborted).toBe(true);
    expect(loadDraft('c1')).toBe('');
    expect(loadDraft(null)).toBe('');
    expect(session.getItem('modest.activeConversation')).toBeNull();
    expect(local.getItem('unrelated')).toBe('kept');

    s.push({ type: 'done', message: message({ id: 'a1', content: 'late', status: 'partial' }) });
    await until(() => s.cancelled());
    await tick(400);
    // Neither the late event nor the pending draft write brings anything back.
    expect(store.get().messages).toEqual({});
    expect(store.get().generations).toEqual({});
    expect(loadDraft('c1')).toBe('');
    expect(calls.some((c) => c.name === 'getMessages')).toBe(false);
  });
});
