import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { MessageChannel as NodeMessageChannel } from 'node:worker_threads';
import type { DesktopBridge } from '../../app/contract/index.js';
import type { IpcEventLike, IpcMainLike, PortLike, SenderLike } from '../../main/ipc-adapter.js';

/**
 * Just enough of Electron's IPC to run main/ipc-adapter.ts and the real bundled preload in plain
 * Node: `ipcMain` keeps handlers by channel, and a window's `ipcRenderer` delivers to them with
 * the sender and frame that window claims. Node's MessagePort stands in for MessagePortMain (both
 * have postMessage, start, close and a 'close' event when the other end goes away).
 */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>>();
  readonly listeners = new Map<string, (event: IpcEventLike, ...args: unknown[]) => void>();

  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): this {
    this.listeners.set(channel, listener);
    return this;
  }
  removeAllListeners(channel: string): this {
    this.listeners.delete(channel);
    return this;
  }
}

export class FakeWebContents implements SenderLike {
  private destroyedListeners = new Set<() => void>();
  constructor(readonly id: number) {}
  once(_event: 'destroyed', listener: () => void) {
    this.destroyedListeners.add(listener);
    return this;
  }
  removeListener(_event: 'destroyed', listener: () => void) {
    this.destroyedListeners.delete(listener);
    return this;
  }
  listenerCount(): number {
    return this.destroyedListeners.size;
  }
  destroy(): void {
    for (const l of [...this.destroyedListeners]) l();
    this.destroyedListeners.clear();
  }
}

export interface FakeWindow {
  webContents: FakeWebContents;
  /** What the frame shows; change it to play a navigated or foreign frame. */
  frameUrl: string | null;
}

/** Node's MessagePort emits 'close' when either end closes, as MessagePortMain does. */
function asPortMain(port: import('node:worker_threads').MessagePort): PortLike {
  return port as unknown as PortLike;
}

export function fakeIpcRenderer(ipcMain: FakeIpcMain, win: FakeWindow) {
  const event = (ports?: PortLike[]): IpcEventLike => ({
    sender: win.webContents,
    senderFrame: win.frameUrl === null ? null : { url: win.frameUrl },
    ports,
  });
  return {
    async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      const h = ipcMain.handlers.get(channel);
      // Electron's own wording when main has no handler.
      if (!h) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      return structuredClone(await h(event(), ...args.map((a) => structuredClone(a))));
    },
    postMessage(channel: string, message: unknown, transfer: unknown[] = []): void {
      const l = ipcMain.listeners.get(channel);
      const ports = transfer.map((p) => asPortMain(p as import('node:worker_threads').MessagePort));
      if (l) l(event(ports), structuredClone(message));
    },
  };
}

export const PRELOAD_BUNDLE = path.resolve(import.meta.dirname, '../../dist/main/preload.cjs');

/**
 * Runs dist/main/preload.cjs as Electron would in a sandboxed renderer: a CommonJS script whose
 * `require` knows only `electron`. Returns what it exposed and every module it asked for.
 */
export function loadPreload(ipcMain: FakeIpcMain, win: FakeWindow, opts: { pathForFile?: (file: unknown) => string } = {}) {
  const exposed = new Map<string, unknown>();
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: fakeIpcRenderer(ipcMain, win),
    webUtils: { getPathForFile: opts.pathForFile ?? (() => '') },
  };
  const sandboxRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`module not found: ${id} (a sandboxed preload can require only electron)`);
  };
  const module = { exports: {} };
  const code = fs.readFileSync(PRELOAD_BUNDLE, 'utf8');
  const context = vm.createContext({ require: sandboxRequire, module, exports: module.exports, MessageChannel: NodeMessageChannel, queueMicrotask, console });
  vm.runInContext(code, context, { filename: PRELOAD_BUNDLE });
  return { exposed, required, bridge: exposed.get('modest') as DesktopBridge | undefined };
}
