import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stand-in cloud provider: a real HTTP server on 127.0.0.1 that speaks OpenAI chat-completions
 * streaming (SSE chunks, then the usage chunk, then [DONE]) and Anthropic Messages streaming
 * (message_start … message_stop), so Modest's code is exercised through the official SDKs.
 * Faults are queued per request and consumed in order.
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number; message?: string }
  | { kind: 'hang' }
  | { kind: 'hang-mid' }
  | { kind: 'malformed' }
  | { kind: 'reset' }
  | { kind: 'no-usage' };

export interface ReceivedRequest {
  protocol: 'openai' | 'anthropic';
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
}

export interface FakeCloud {
  /** For the OpenAI SDK (it appends /chat/completions). */
  openaiBaseUrl: string;
  /** For the Anthropic SDK (it appends /v1/messages). */
  anthropicBaseUrl: string;
  readonly received: ReceivedRequest[];
  /** The text every reply streams, in word-sized chunks. */
  reply: string;
  usage: { input: number; output: number };
  fail(...faults: Fault[]): void;
  close(): Promise<void>;
}

export async function startFakeCloud(opts: { apiKey: string; reply?: string }): Promise<FakeCloud> {
  const faults: Fault[] = [];
  const sockets = new Set<Socket>();
  const state = {
    received: [] as ReceivedRequest[],
    reply: opts.reply ?? 'The cloud model says: Paris is the capital of France.',
    usage: { input: 42, output: 11 },
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      const protocol = req.url?.endsWith('/chat/completions') ? 'openai' : req.url?.endsWith('/v1/messages') ? 'anthropic' : null;
      if (req.method !== 'POST' || !protocol) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        res.writeHead(400).end();
        return;
      }
      state.received.push({ protocol, path: req.url ?? '', headers: req.headers, body, raw });
      // Anthropic accepts its key as x-api-key or, as its current SDK sends it, a bearer token.
      const bearer = req.headers.authorization?.replace(/^Bearer /, '');
      const key = protocol === 'openai' ? bearer : (req.headers['x-api-key'] ?? bearer);
      const fault = faults.shift() ?? (key !== opts.apiKey ? ({ kind: 'status', status: 401 } as const) : undefined);
      serve(protocol, body, res, req.socket, fault);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function errorBody(protocol: 'openai' | 'anthropic', status: number, message: string): string {
    if (protocol === 'openai') return JSON.stringify({ error: { message, type: 'invalid_request_error', code: String(status) } });
    return JSON.stringify({ type: 'error', error: { type: status === 401 ? 'authentication_error' : 'api_error', message } });
  }

  function serve(protocol: 'openai' | 'anthropic', body: Record<string, unknown>, res: http.ServerResponse, socket: Socket, fault: Fault | undefined) {
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      res.writeHead(fault.status, headers).end(errorBody(protocol, fault.status, fault.message ?? `fault ${fault.status}`));
      return;
    }
    if (fault?.kind === 'hang') return; // never answers; the client's timeout must end it
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const model = String(body.model);
    const pieces = state.reply.match(/\S+\s*/g) ?? [];
    const send = (event: string | null, data: unknown) =>
      res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    const chunk = (content: string) =>
      protocol === 'openai'
        ? send(null, { id: 'c1', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })
        : send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: content } });

    if (protocol === 'anthropic') {
      send('message_start', {
        type: 'message_start',
        message: { id: 'msg_1', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: state.usage.input, output_tokens: 1 } },
      });
      send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    }
    const half = Math.max(1, Math.floor(pieces.length / 2));
    pieces.slice(0, half).forEach(chunk);
    if (fault?.kind === 'hang-mid') return;
    if (fault?.kind === 'reset') {
      // Let the first half reach the client, then drop the connection without ending the response.
      setTimeout(() => socket.destroy(), 100);
      return;
    }
    if (fault?.kind === 'malformed') {
      res.write('data: {"choices": [{"delta": {"content": "broken\n\n');
      res.write(protocol === 'anthropic' ? 'event: content_block_delta\ndata: {not json}\n\n' : 'data: {not json}\n\n');
      res.end();
      return;
    }
    pieces.slice(half).forEach(chunk);
    const maxTokens = Number(body.max_tokens);
    const truncated = Number.isFinite(maxTokens) && maxTokens < state.usage.output;
    if (protocol === 'openai') {
      send(null, { id: 'c1', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: {}, finish_reason: truncated ? 'length' : 'stop' }] });
      const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (wantsUsage && fault?.kind !== 'no-usage') {
        send(null, {
          id: 'c1',
          object: 'chat.completion.chunk',
          created: 0,
          model,
          choices: [],
          usage: { prompt_tokens: state.usage.input, completion_tokens: state.usage.output, total_tokens: state.usage.input + state.usage.output },
        });
      }
      send(null, '[DONE]');
    } else {
      send('content_block_stop', { type: 'content_block_stop', index: 0 });
      send('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: truncated ? 'max_tokens' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: state.usage.output },
      });
      send('message_stop', { type: 'message_stop' });
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
    anthropicBaseUrl: `http://127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    get reply() {
      return state.reply;
    },
    set reply(v: string) {
      state.reply = v;
    },
    get usage() {
      return state.usage;
    },
    set usage(v) {
      state.usage = v;
    },
    fail: (...f) => void faults.push(...f),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
