import { describe, expect, it } from 'vitest';
import { AppError, createClient, type ChatEvent, type DesktopBridge } from '../../app/contract/index.js';
import { isAbortError as fromApi } from '../../renderer/src/api.js';
import { createHttpTransport, isAbortError, NetworkError } from '../../renderer/src/transport/http.js';
import { createIpcTransport } from '../../renderer/src/transport/ipc.js';

type Seen = { url: string; init: RequestInit };

function fakeFetch(respond: (url: string, init: RequestInit) => Response | Promise<Response>, seen: Seen[] = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    seen.push({ url, init: init ?? {} });
    return respond(url, init ?? {});
  }) as typeof fetch;
}

/** An SSE body delivered in awkward chunks, to prove the parser (not the chunking) frames events. */
function sse(events: unknown[], chunkSize = 7): Response {
  const text = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunkSize) c.enqueue(bytes.slice(i, i + chunkSize));
      c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

const message = {
  id: 'm2',
  conversationId: 'c1',
  role: 'assistant' as const,
  content: '',
  status: 'partial' as const,
  createdAt: 1,
  updatedAt: 1,
  stats: null,
  error: null,
  escalation: null,
  task: null,
};

describe('renderer HTTP transport', () => {
  it('posts calls as JSON with the bearer token and returns the JSON answer', async () => {
    const seen: Seen[] = [];
    const client = createClient(
      createHttpTransport({
        baseUrl: 'http://x',
        getToken: () => 'tok',
        fetch: fakeFetch(() => Response.json([{ id: 'c1', title: 'Hi', keepLocal: true, createdAt: 1, updatedAt: 2 }]), seen),
      }),
    );
    const list = await client.listConversations({});
    expect(list[0]?.title).toBe('Hi');
    expect(seen[0]?.url).toBe('http://x/api/call/listConversations');
    expect(seen[0]?.init.method).toBe('POST');
    expect(new Headers(seen[0]?.init.headers).get('authorization')).toBe('Bearer tok');
    expect(seen[0]?.init.body).toBe('{}');
  });

  it('turns error bodies into AppError with the server sentence and code', async () => {
    const client = createClient(
      createHttpTransport({
        getToken: () => 'tok',
        fetch: fakeFetch(() => Response.json({ error: { code: 'MODEL_NOT_GGUF', message: 'That file is not a GGUF model.' } }, { status: 400 })),
      }),
    );
    const err = await client.loadModel({ path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('MODEL_NOT_GGUF');
    expect((err as AppError).message).toBe('That file is not a GGUF model.');
  });

  it('maps a 401 without a body to UNAUTHORIZED and other bodies to a generic sentence', async () => {
    const t401 = createHttpTransport({ getToken: () => null, fetch: fakeFetch(() => new Response('nope', { status: 401 })) });
    await expect(t401.call('getStatus', {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const t502 = createHttpTransport({ getToken: () => null, fetch: fakeFetch(() => new Response('<html>', { status: 502 })) });
    await expect(t502.call('getStatus', {})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('502') });
  });

  it('reports a failed connection as NetworkError', async () => {
    const t = createHttpTransport({
      getToken: () => 't',
      fetch: fakeFetch(() => {
        throw new TypeError('fetch failed');
      }),
    });
    await expect(t.call('getStatus', {})).rejects.toBeInstanceOf(NetworkError);
  });

  it('parses an SSE stream into the contract events, whatever the chunking', async () => {
    const events: ChatEvent[] = [
      { type: 'start', message },
      { type: 'delta', messageId: 'm2', text: 'Hel' },
      { type: 'delta', messageId: 'm2', text: 'lo\n\ndata: not an event' },
      { type: 'done', message: { ...message, content: 'Hello\n\ndata: not an event', status: 'complete' } },
    ];
    for (const chunk of [1, 5, 64, 4096]) {
      const seen: Seen[] = [];
      const client = createClient(createHttpTransport({ getToken: () => 't', fetch: fakeFetch(() => sse(events, chunk), seen) }));
      const got: ChatEvent[] = [];
      for await (const e of client.streams.sendMessage({ conversationId: 'c1', text: 'hi' })) got.push(e);
      expect(got).toEqual(events);
      expect(seen[0]?.url).toBe('/api/stream/sendMessage');
    }
  });

  it('throws the error body when a stream is refused before it starts', async () => {
    const client = createClient(
      createHttpTransport({
        getToken: () => 't',
        fetch: fakeFetch(() => Response.json({ error: { code: 'NO_MODEL', message: 'No model is loaded.' } }, { status: 409 })),
      }),
    );
    const run = async () => {
      for await (const _e of client.streams.sendMessage({ conversationId: 'c1', text: 'hi' })) {
        // never reached
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'NO_MODEL', message: 'No model is loaded.' });
  });

  it('passes the abort signal to fetch', async () => {
    const seen: Seen[] = [];
    const ac = new AbortController();
    const t = createHttpTransport({ getToken: () => 't', fetch: fakeFetch(() => sse([]), seen) });
    for await (const _e of t.stream('regenerate', { messageId: 'm' }, ac.signal)) {
      // empty
    }
    expect(seen[0]?.init.signal).toBe(ac.signal);
  });

  it('tells a cancelled request from a failed one (one helper, shared with the actions)', async () => {
    expect(fromApi).toBe(isAbortError);
    expect(isAbortError(new DOMException('The operation was aborted.', 'AbortError'))).toBe(true);
    expect(isAbortError(new Error('boom'))).toBe(false);
    const ac = new AbortController();
    ac.abort('any reason');
    // Aborted with a custom reason, fetch rejects with that reason: the signal still says so.
    expect(isAbortError('any reason', ac.signal)).toBe(true);
    expect(isAbortError(new TypeError('fetch failed'), new AbortController().signal)).toBe(false);
    // A stream dropped on purpose ends quietly rather than as a NetworkError.
    const t = createHttpTransport({
      getToken: () => 't',
      fetch: fakeFetch((_u, init) => {
        if (init.signal?.aborted) throw init.signal.reason;
        return sse([]);
      }),
    });
    const drop = new AbortController();
    drop.abort('gone');
    const run = async () => {
      for await (const _e of t.stream('regenerate', { messageId: 'm' }, drop.signal)) {
        // never reached
      }
    };
    await expect(run()).rejects.toBe('gone');
  });
});

describe('IPC transport (desktop)', () => {
  const fakeBridge = (over: Partial<DesktopBridge>): DesktopBridge => ({
    call: async () => ({ ok: true, value: null }),
    stream: () => () => {},
    pathForFile: () => '',
    ...over,
  });

  it('turns error results into AppErrors and a broken channel into a NetworkError', async () => {
    const t = createIpcTransport(
      fakeBridge({ call: async () => ({ ok: false, error: { code: 'NO_MODEL', message: 'No model is loaded.' } }) }),
    );
    await expect(t.call('getStatus', {})).rejects.toMatchObject({ name: 'AppError', code: 'NO_MODEL', message: 'No model is loaded.' });
    const dead = createIpcTransport(fakeBridge({ call: async () => Promise.reject(new Error('Render frame was disposed')) }));
    await expect(dead.call('getStatus', {})).rejects.toBeInstanceOf(NetworkError);
  });

  it('yields events in order, ends on end, and cancels the bridge stream when the reader leaves early', async () => {
    let cancelled = 0;
    const t = createIpcTransport(
      fakeBridge({
        stream: (_n, _i, on) => {
          queueMicrotask(() => {
            on({ kind: 'event', event: 1 });
            on({ kind: 'event', event: 2 });
            on({ kind: 'end' });
          });
          return () => void cancelled++;
        },
      }),
    );
    const got: unknown[] = [];
    for await (const e of t.stream('sendMessage', {})) got.push(e);
    expect(got).toEqual([1, 2]);
    for await (const _ of t.stream('sendMessage', {})) break;
    expect(cancelled).toBe(2);
  });

  it('throws the abort reason when the signal fires mid-stream, and refusals as AppErrors', async () => {
    const abort = new AbortController();
    const t = createIpcTransport(fakeBridge({ stream: (_n, _i, on) => (queueMicrotask(() => on({ kind: 'event', event: 'x' })), () => {}) }));
    const run = (async () => {
      for await (const _ of t.stream('sendMessage', {}, abort.signal)) abort.abort(new DOMException('stop', 'AbortError'));
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const refused = createIpcTransport(
      fakeBridge({ stream: (_n, _i, on) => (queueMicrotask(() => on({ kind: 'error', error: { code: 'BUSY', message: 'Busy.' } })), () => {}) }),
    );
    await expect((async () => { for await (const _ of refused.stream('sendMessage', {})); })()).rejects.toMatchObject({ code: 'BUSY' });
  });
});
