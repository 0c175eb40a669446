import type { CallName, StreamName } from './api.js';
import type { ErrorPayload } from './errors.js';

/**
 * The contract over Electron IPC. Channel names are derived from the contract's call and stream
 * names here, once: main registers exactly these, the preload sends on exactly these.
 *
 * Calls go through `ipcRenderer.invoke` and always resolve to a `CallResult` (Electron would turn
 * a thrown error into a bare string and lose its code). Streams open a MessageChannel: the window
 * keeps one port, main gets the other and posts `StreamMessage`s on it; closing either end cancels.
 */
export const ipcChannel = {
  call: (name: CallName) => `modest:call:${name}` as const,
  stream: (name: StreamName) => `modest:stream:${name}` as const,
};

export type CallResult = { ok: true; value: unknown } | { ok: false; error: ErrorPayload };

export type StreamMessage =
  | { kind: 'event'; event: unknown }
  /** The stream was refused before its first event, or failed; nothing follows. */
  | { kind: 'error'; error: ErrorPayload }
  | { kind: 'end' };

/**
 * What the preload exposes to the window as `window.modest`, and nothing else: the contract's
 * calls and streams by name, plus the one desktop-only helper for dropped files.
 */
export interface DesktopBridge {
  call(name: CallName, input: unknown): Promise<CallResult>;
  /** Returns a function that cancels the stream. `onMessage` sees `end` or `error` last. */
  stream(name: StreamName, input: unknown, onMessage: (message: StreamMessage) => void): () => void;
  /** The path on disk of a file dropped on the window (`File.path` no longer exists in Electron). */
  pathForFile(file: File): string;
}

/** The global name the preload uses; the renderer reads the same one. */
export const DESKTOP_BRIDGE_KEY = 'modest';
