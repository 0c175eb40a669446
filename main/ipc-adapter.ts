import {
  AppError,
  calls,
  callNames,
  ipcChannel,
  logFault,
  parseAt,
  streamNames,
  streams,
  type ApiHandlers,
  type CallResult,
  type StreamMessage,
} from '../app/contract/index.js';

/*
 * The contract over Electron IPC, written against the few members of Electron's IPC objects it
 * uses, so it runs and is tested in plain Node. main/electron-main.ts passes the real ipcMain.
 */

export interface SenderLike {
  id: number;
  once(event: 'destroyed', listener: () => void): unknown;
  removeListener(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcEventLike {
  sender: SenderLike;
  /** Null once the frame navigated away or was destroyed. */
  senderFrame: { url: string } | null;
  ports?: readonly PortLike[];
}

/** Electron's MessagePortMain, as far as this adapter uses it. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeAllListeners(channel: string): unknown;
}

export interface IpcAdapter {
  /** Streams still running, for shutdown and tests. */
  activeStreams(): number;
  /** Unregisters every channel and cancels running streams (their replies end as partial). */
  dispose(): void;
}

const untrusted = () =>
  new AppError('UNAUTHORIZED', { message: 'This request did not come from the Modest window, so it was refused.' });

/**
 * Registers one handler per contract call and one listener per contract stream. Every message is
 * checked twice before the core sees it: the sender must be trusted, and the input must parse
 * against the same zod schema the HTTP routes use.
 */
export function registerIpc(ipc: IpcMainLike, api: ApiHandlers, isTrustedSender: (event: IpcEventLike) => boolean): IpcAdapter {
  const running = new Set<AbortController>();

  for (const name of callNames) {
    const handler = api.calls[name] as (input: unknown) => Promise<unknown>;
    ipc.handle(ipcChannel.call(name), async (event, input): Promise<CallResult> => {
      try {
        if (!isTrustedSender(event)) throw untrusted();
        const parsed = parseAt(calls[name].input, input ?? {}, `input to ${name}`);
        return { ok: true, value: await handler(parsed) };
      } catch (err) {
        const e = AppError.from(err);
        logFault(e);
        return { ok: false, error: e.toPayload() };
      }
    });
  }

  for (const name of streamNames) {
    const handler = api.streams[name] as (input: unknown, signal: AbortSignal) => AsyncIterable<unknown> | Promise<AsyncIterable<unknown>>;
    ipc.on(ipcChannel.stream(name), (event, input) => {
      const port = event.ports?.[0];
      // Without a port there is nobody to answer; a well-formed window always sends one.
      if (!port) return;
      void pump(name, handler, event, port, input);
    });
  }

  async function pump(
    name: (typeof streamNames)[number],
    handler: (input: unknown, signal: AbortSignal) => AsyncIterable<unknown> | Promise<AsyncIterable<unknown>>,
    event: IpcEventLike,
    port: PortLike,
    input: unknown,
  ): Promise<void> {
    const abort = new AbortController();
    let open = true;
    const send = (m: StreamMessage) => {
      if (open) port.postMessage(m);
    };
    const cancel = () => abort.abort(new Error('The window closed the stream.'));
    port.on('close', () => {
      open = false;
      cancel();
    });
    event.sender.once('destroyed', cancel);
    port.start();
    running.add(abort);
    try {
      let events: AsyncIterable<unknown>;
      try {
        if (!isTrustedSender(event)) throw untrusted();
        const parsed = parseAt(streams[name].input, input ?? {}, `input to ${name}`);
        events = await handler(parsed, abort.signal);
      } catch (err) {
        // Refused before the first event: the same plain error the HTTP route answers with.
        const e = AppError.from(err);
        logFault(e);
        send({ kind: 'error', error: e.toPayload() });
        return;
      }
      try {
        for await (const ev of events) {
          if (!open) break;
          send({ kind: 'event', event: ev });
        }
        send({ kind: 'end' });
      } catch (err) {
        // Cancelled by the window or by shutdown: nobody is listening, and it is no fault.
        if (abort.signal.aborted) return;
        // Mid-stream failures arrive as the stream's own error event, exactly as over HTTP.
        const e = AppError.from(err);
        logFault(e);
        send({ kind: 'event', event: { type: 'error', messageId: null, error: e.toPayload() } });
        send({ kind: 'end' });
      }
    } finally {
      running.delete(abort);
      event.sender.removeListener('destroyed', cancel);
      open = false;
      port.close();
    }
  }

  return {
    activeStreams: () => running.size,
    dispose() {
      for (const name of callNames) ipc.removeHandler(ipcChannel.call(name));
      for (const name of streamNames) ipc.removeAllListeners(ipcChannel.stream(name));
      for (const a of running) a.abort(new Error('Modest is closing.'));
    },
  };
}
