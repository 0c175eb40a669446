import { contextBridge, ipcRenderer, webUtils } from 'electron';
// Only the zod-free IPC module: the preload stays a few kilobytes that can be read in full.
import { DESKTOP_BRIDGE_KEY, ipcChannel, type CallResult, type DesktopBridge, type StreamMessage } from '../app/contract/ipc.js';

/*
 * Bundled by esbuild into one CommonJS file (dist/main/preload.cjs): a sandboxed preload can
 * require only `electron` and a few built-ins, never ESM or the project's other files.
 *
 * It exposes the contract's calls and streams by name, and nothing of ipcRenderer itself: a page
 * can reach only the `modest:` channels, main answers only the contract's names on them, and
 * main checks the sender and validates every input again.
 */
const bridge: DesktopBridge = {
  async call(name, input) {
    return (await ipcRenderer.invoke(ipcChannel.call(name), input)) as CallResult;
  },

  stream(name, input, onMessage) {
    const { port1, port2 } = new MessageChannel();
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      port1.close();
    };
    port1.onmessage = (e: MessageEvent<StreamMessage>) => {
      if (!open) return;
      onMessage(e.data);
      if (e.data.kind !== 'event') close();
    };
    ipcRenderer.postMessage(ipcChannel.stream(name), input, [port2]);
    // Closing our end is how main learns the window gave up: it aborts the reply (saved as partial).
    return close;
  },

  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld(DESKTOP_BRIDGE_KEY, bridge);
