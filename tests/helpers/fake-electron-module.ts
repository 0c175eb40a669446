/**
 * A stand-in for the `electron` module, for running the real main/electron-main.ts in plain Node
 * (tests/integration/electron-main.test.ts). It implements only what main uses, records what
 * main does as `FAKE_ELECTRON {json}` lines on stdout, and when main loads its window it plays
 * the window: it fetches the page through main's protocol handler, runs the real bundled preload
 * against main's IPC handlers, chats through it, then quits the app the way a person would.
 *
 * Knobs (environment): FAKE_ELECTRON_SECOND_INSTANCE=1 makes the single-instance lock fail;
 * FAKE_ELECTRON_SAFE_STORAGE=basic_text|os picks what safeStorage reports;
 * FAKE_ELECTRON_SCRIPT=smoke|quit-mid-reply picks what the window does.
 */
import { EventEmitter } from 'node:events';
import { createClient, type ChatEvent } from '../../app/contract/index.js';
import { createIpcTransport } from '../../renderer/src/transport/ipc.js';
import { FakeIpcMain, FakeWebContents, loadPreload } from './fake-electron.js';

function report(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`FAKE_ELECTRON ${JSON.stringify({ event, ...data })}\n`);
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  private readyResolve!: () => void;
  private ready = new Promise<void>((r) => (this.readyResolve = r));
  constructor() {
    super();
    setImmediate(() => {
      this.readyResolve();
      this.emit('ready');
    });
  }
  whenReady() {
    return this.ready;
  }
  requestSingleInstanceLock() {
    const got = process.env.FAKE_ELECTRON_SECOND_INSTANCE !== '1';
    report('singleInstanceLock', { got });
    return got;
  }
  quit() {
    report('quit');
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    for (const w of BrowserWindow.getAllWindows()) w.destroy();
    report('exit', { code: 0 });
    process.exit(0);
  }
  exit(code = 0) {
    report('exit', { code });
    process.exit(code);
  }
}

export const app = new FakeApp();
export const ipcMain = new FakeIpcMain();

type Handler = (request: Request) => Promise<Response>;
const handlers = new Map<string, Handler>();
export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown) {
    report('registerSchemesAsPrivileged', { schemes, beforeReady: true });
  },
  handle(scheme: string, handler: Handler) {
    handlers.set(scheme, handler);
  },
};

export const dialog = {
  showErrorBox(title: string, content: string) {
    report('errorBox', { title, content });
  },
};

export const Menu = {
  buildFromTemplate: (template: unknown[]) => ({ template }),
  setApplicationMenu(menu: { template: { label?: string; role?: string }[] }) {
    report('menu', { top: menu.template.map((i) => i.role ?? i.label) });
  },
};

export const nativeTheme = { shouldUseDarkColors: false };

export const safeStorage = {
  isEncryptionAvailable: () => process.env.FAKE_ELECTRON_SAFE_STORAGE === 'os' || process.env.FAKE_ELECTRON_SAFE_STORAGE === 'basic_text',
  getSelectedStorageBackend: () => (process.env.FAKE_ELECTRON_SAFE_STORAGE === 'os' ? 'gnome_libsecret' : 'basic_text'),
  encryptString: (s: string) => Buffer.from(s, 'utf8').reverse(),
  decryptString: (b: Buffer) => Buffer.from(b).reverse().toString('utf8'),
};

const workArea = { x: 0, y: 0, width: 1920, height: 1050 };
export const screen = { getPrimaryDisplay: () => ({ workArea }), getAllDisplays: () => [{ workArea }] };

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void) {
      const answers: Record<string, boolean> = {};
      for (const p of ['media', 'geolocation', 'notifications', 'clipboard-sanitized-write']) fn(null, p, (ok) => (answers[p] = ok));
      report('permissions', { answers });
    },
    setPermissionCheckHandler() {},
  },
};

export const shell = {
  openExternal: async (url: string) => report('openExternal', { url }),
  openPath: async (p: string) => report('openPath', { path: p }),
};

let nextId = 1;
const windows: BrowserWindow[] = [];

class WebContents extends FakeWebContents {
  url = '';
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  events = new EventEmitter();
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
    this.windowOpenHandler = fn;
  }
  on(event: string, fn: (...args: unknown[]) => void) {
    this.events.on(event, fn);
    return this;
  }
  getURL() {
    return this.url;
  }
}

export class BrowserWindow extends EventEmitter {
  readonly webContents = new WebContents(nextId++);
  private destroyed = false;
  constructor(readonly options: { webPreferences: Record<string, unknown>; width: number; height: number }) {
    super();
    windows.push(this);
    report('window', { webPreferences: options.webPreferences, width: options.width, height: options.height });
  }
  static getAllWindows() {
    return windows.filter((w) => !w.destroyed);
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return false;
  }
  isMaximized() {
    return false;
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: this.options.width, height: this.options.height };
  }
  restore() {}
  show() {}
  focus() {
    report('focus', { id: this.webContents.id });
  }
  maximize() {}
  destroy() {
    if (this.destroyed) return;
    this.emit('close', { preventDefault() {} });
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }
  async loadURL(url: string) {
    this.webContents.url = url;
    const handler = handlers.get(new URL(url).protocol.slice(0, -1));
    const res = await handler!(new Request(url));
    const html = await res.text();
    const traversal = await handler!(new Request('modest://app/..%2f..%2fpackage.json'));
    report('page', { status: res.status, csp: res.headers.get('content-security-policy'), hasRoot: html.includes('<div id="root">'), traversalStatus: traversal.status });
    this.emit('ready-to-show');
    const navigate = (target: string) => {
      let prevented = false;
      this.webContents.events.emit('will-navigate', { preventDefault: () => (prevented = true) }, target);
      return prevented;
    };
    report('navigation', {
      external: navigate('https://example.com/'),
      file: navigate('file:///etc/passwd'),
      windowOpen: this.webContents.windowOpenHandler?.({ url: 'https://example.com/x' }).action,
    });
    void playWindow(this).catch((err: unknown) => {
      report('windowFailed', { message: String(err) });
      app.quit();
    });
  }
}

/** What a person does in the window, through the real preload and main's real IPC handlers. */
async function playWindow(win: BrowserWindow): Promise<void> {
  const { bridge } = loadPreload(ipcMain, { webContents: win.webContents, frameUrl: win.webContents.url });
  const client = createClient(createIpcTransport(bridge!));
  for (let i = 0; ; i++) {
    const s = await client.getStatus({});
    if (s.model.state === 'ready') break;
    if (s.model.state === 'error' || i > 600) throw new Error(`model did not load: ${JSON.stringify(s.model)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const status = await client.getStatus({});
  report('status', { shell: status.shell, keys: status.keys.storage, keysNote: status.keys.note });
  const conv = await client.createConversation({});
  const script = process.env.FAKE_ELECTRON_SCRIPT ?? 'smoke';
  const events: ChatEvent[] = [];
  let deltas = 0;
  for await (const e of client.streams.sendMessage({ conversationId: conv.id, text: 'Hello there' })) {
    events.push(e);
    if (e.type === 'delta' && ++deltas === 3 && script === 'quit-mid-reply') {
      report('quittingMidReply', { conversationId: conv.id });
      app.quit();
    }
  }
  const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
  report('reply', { conversationId: conv.id, text, last: events.at(-1)?.type });
  if (script === 'smoke') {
    // A second launch: main must bring this window forward.
    app.emit('second-instance', {}, [], process.cwd());
    app.quit();
  }
}
