import { AppError, type DesktopBridge, type StreamMessage, type Transport } from '../../../app/contract/index.js';
import { NetworkError } from './http.js';

/**
 * The contract over the desktop preload's bridge. It behaves like the HTTP transport in every way
 * the UI can see: refusals throw `AppError`s, mid-stream failures arrive as the stream's own error
 * event, a dead main process is a `NetworkError`, and an aborted stream throws its abort reason.
 */
export function createIpcTransport(bridge: DesktopBridge): Transport {
  return {
    async call(name, input) {
      let result;
      try {
        result = await bridge.call(name, input);
      } catch (err) {
        throw new NetworkError(err);
      }
      if (result.ok) return result.value;
      throw AppError.fromPayload(result.error);
    },

    async *stream(name, input, signal) {
      signal?.throwIfAborted();
      const queue: StreamMessage[] = [];
      let wake: (() => void) | null = null;
      const push = (m: StreamMessage) => {
        queue.push(m);
        wake?.();
      };
      let cancel: () => void;
      try {
        cancel = bridge.stream(name, input, push);
      } catch (err) {
        throw new NetworkError(err);
      }
      const onAbort = () => wake?.();
      signal?.addEventListener('abort', onAbort);
      try {
        for (;;) {
          signal?.throwIfAborted();
          const next = queue.shift();
          if (!next) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
            continue;
          }
          if (next.kind === 'end') return;
          if (next.kind === 'error') throw AppError.fromPayload(next.error);
          yield next.event;
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        // Leaving early (break, throw, abort) closes the port, which stops the reply in main.
        cancel();
      }
    },
  };
}
