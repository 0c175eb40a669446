import { EventSourceParserStream } from 'eventsource-parser/stream';
import { AppError, isErrorPayload, type CallName, type StreamName, type Transport } from '../../../app/contract/index.js';

/**
 * The network itself failed (Modest stopped, the connection dropped): nothing answered, so there is
 * no error payload. The UI shows a retry banner for it instead of an error sentence.
 */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super('Modest is not responding. Check that it is still running, then retry.', { cause });
    this.name = 'NetworkError';
  }
}

export interface HttpTransportOptions {
  /** Where the browser mode's API lives; '' means the page's own origin. */
  baseUrl?: string;
  /** Read on every request, so a token that arrives later is used without rebuilding the client. */
  getToken: () => string | null;
  fetch?: typeof fetch;
}

/**
 * The contract over the browser mode's HTTP API: calls are JSON POSTs, streams are SSE responses
 * whose every `data:` is one event of the stream. Error bodies become `AppError`s.
 */
export function createHttpTransport(opts: HttpTransportOptions): Transport {
  const base = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function post(path: string, input: unknown, signal?: AbortSignal): Promise<Response> {
    const token = opts.getToken();
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(input ?? {}),
        signal,
        cache: 'no-store',
      });
    } catch (err) {
      if (isAbortError(err, signal)) throw err;
      throw new NetworkError(err);
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  return {
    async call(name: CallName, input: unknown): Promise<unknown> {
      const res = await post(`/api/call/${name}`, input);
      try {
        return (await res.json()) as unknown;
      } catch (err) {
        throw new AppError('INTERNAL', { message: 'Modest sent an answer this window could not read.', detail: String(err) });
      }
    },

    async *stream(name: StreamName, input: unknown, signal?: AbortSignal): AsyncIterable<unknown> {
      const res = await post(`/api/stream/${name}`, input, signal);
      if (!res.body) return;
      const reader = res.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream())
        .getReader();
      try {
        for (;;) {
          let next: ReadableStreamReadResult<{ data: string }>;
          try {
            next = await reader.read();
          } catch (err) {
            if (isAbortError(err, signal)) throw err;
            throw new NetworkError(err);
          }
          if (next.done) return;
          if (next.value.data === '') continue;
          let event: unknown;
          try {
            event = JSON.parse(next.value.data);
          } catch (err) {
            throw new AppError('INTERNAL', { message: 'Modest sent an event this window could not read.', detail: String(err) });
          }
          yield event;
        }
      } finally {
        // Leaving early (break, throw, abort) cancels the response, which also stops the reply.
        reader.cancel().catch(() => undefined);
        reader.releaseLock();
      }
    },
  };
}

async function errorFrom(res: Response): Promise<AppError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: a proxy or a crashed server; fall through to a generic sentence.
  }
  const payload = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (isErrorPayload(payload)) return AppError.fromPayload(payload);
  if (res.status === 401) return new AppError('UNAUTHORIZED');
  return new AppError('INTERNAL', { message: `Modest answered with an unexpected error (HTTP ${res.status}).` });
}

/** The request was cancelled on purpose (its signal fired), not failed: no banner, no error sentence. */
export function isAbortError(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (err instanceof DOMException && err.name === 'AbortError');
}
