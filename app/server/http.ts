import { timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import {
  AppError,
  logFault,
  calls,
  isCallName,
  isStreamName,
  parseAt,
  streams,
  UPLOAD_PATH,
  UploadQuerySchema,
  type ApiHandlers,
  type DocumentInfo,
  type CallName,
  type StreamName,
} from '../contract/index.js';

/** A 2 MB-character message is at most ~12 MB as escaped JSON; anything larger is not a message. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** A 64 MB CSV as a JSON string: quotes and newlines escaped. */
const MAX_CSV_BODY_BYTES = 80 * 1024 * 1024;

export interface HttpOptions {
  api: ApiHandlers;
  /** Per-launch secret; every /api request must carry it as a bearer token. */
  token: string;
  /** The built renderer, served at /. */
  staticDir?: string;
  /** Streams a dropped file's bytes into the core; absent, uploads are refused. */
  upload?: UploadHandler;
}

export type UploadHandler = (conversationId: string, name: string, body: Readable, declaredSize: number, signal: AbortSignal) => Promise<DocumentInfo>;

/**
 * The contract over HTTP: POST /api/call/<name> answers JSON, POST /api/stream/<name> answers an
 * SSE stream of the contract's events. Routes are looked up in the contract's maps, so there is
 * no per-call route to keep in step with it.
 */
export function createHttpApp({ api, token, staticDir, upload }: HttpOptions): Hono {
  const app = new Hono();
  const expected = Buffer.from(`Bearer ${token}`);

  app.onError((err, c) => sendError(c, err));
  app.notFound((c) => sendError(c, new AppError('NOT_FOUND', { message: `There is no ${c.req.method} ${c.req.path}.` })));

  app.use('/api/*', async (c, next) => {
    const got = Buffer.from(c.req.header('authorization') ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new AppError('UNAUTHORIZED');
    c.header('Cache-Control', 'no-store');
    await next();
  });
  // JSON bodies are bounded; the upload route streams to disk and has no size cap by design.
  // An evaluation CSV (up to 64 MB, the contract's cap) is the one call allowed more.
  const limitOf = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError('MESSAGE_TOO_LONG', { message: 'That request is too large for Modest to accept.' });
      },
    });
  const limit = limitOf(MAX_BODY_BYTES);
  const csvLimit = limitOf(MAX_CSV_BODY_BYTES);
  app.use('/api/call/*', (c, next) => (c.req.path === `/api/call/${'evalReport' satisfies CallName}` ? csvLimit : limit)(c, next));
  app.use('/api/stream/*', limit);

  app.post(UPLOAD_PATH, async (c) => {
    if (!upload) throw new AppError('NOT_FOUND', { message: 'This server does not take uploads.' });
    const q = parseAt(UploadQuerySchema, { conversationId: c.req.query('conversationId'), name: c.req.query('name') }, 'upload');
    const body = c.req.raw.body;
    const stream = body ? Readable.fromWeb(body as unknown as NodeWebStream) : Readable.from([]);
    const size = Number(c.req.header('content-length') ?? 0);
    return c.json(await upload(q.conversationId, q.name, stream, Number.isFinite(size) ? size : 0, c.req.raw.signal));
  });

  app.post('/api/call/:name', async (c) => {
    const name = c.req.param('name');
    if (!isCallName(name)) throw new AppError('NOT_FOUND', { message: `There is no call named "${name}".` });
    const input = parseAt(calls[name].input, await readJson(c), `input to ${name}`);
    const handler = api.calls[name as CallName] as (i: unknown) => Promise<unknown>;
    return c.json(await handler(input));
  });

  app.post('/api/stream/:name', async (c) => {
    const name = c.req.param('name');
    if (!isStreamName(name)) throw new AppError('NOT_FOUND', { message: `There is no stream named "${name}".` });
    const input = parseAt(streams[name].input, await readJson(c), `input to ${name}`);
    const abort = new AbortController();
    const handler = api.streams[name as StreamName] as (i: unknown, s: AbortSignal) => AsyncIterable<unknown> | Promise<AsyncIterable<unknown>>;
    // Errors raised before the first event (no model, empty message...) become a plain JSON error.
    const events = await handler(input, abort.signal);
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => abort.abort(new Error('The client went away.')));
      try {
        for await (const event of events) {
          if (stream.aborted) break;
          await stream.writeSSE({ data: JSON.stringify(event) });
        }
      } catch (err) {
        // Handled here rather than by streamSSE's onError, which would add a non-JSON event.
        const e = AppError.from(err);
        logFault(e);
        if (!stream.aborted) {
          await stream.writeSSE({ data: JSON.stringify({ type: 'error', messageId: null, error: e.toPayload() }) });
        }
      }
    });
  });

  if (staticDir) {
    app.use('/*', serveStatic({ root: staticDir }));
  }
  return app;
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('BAD_REQUEST', { message: 'The request body is not valid JSON.', detail: String(err) });
  }
}

function sendError(c: Context, err: unknown) {
  const e = AppError.from(err);
  logFault(e);
  return c.json({ error: e.toPayload() }, e.status as 400);
}
