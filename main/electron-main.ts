import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, safeStorage, screen, session, shell } from 'electron';
import { AppError } from '../app/contract/index.js';
import { createEncryptedKeyStore, createEnvKeyStore, type KeyStore } from '../app/secrets/index.js';
import { rendererDir } from '../app/server/project-root.js';
import { createCore, type Core } from '../app/service/index.js';
import { defaultDataDir, openStorage, useSqliteNativeBinding } from '../app/storage/index.js';
import { APP_SCHEME, APP_URL } from './app-origin.js';
import { CONTENT_SECURITY_POLICY, contentType, resolveAppFile } from './app-protocol.js';
import { registerIpc, type IpcAdapter, type IpcMainLike } from './ipc-adapter.js';
import { chooseKeyStorage } from './key-storage.js';
import { menuTemplate } from './menu.js';
import { decideNavigation } from './navigation.js';
import { createSenderCheck } from './trusted-sender.js';
import { loadWindowState, MIN_SIZE, placeWindow, saveWindowState } from './window-state.js';

/*
 * The desktop shell: one window over the same core and contract as the browser mode. Everything
 * with a decision in it lives in the electron-free modules beside this one, which are tested in
 * plain Node; this file only wires them to Electron.
 */

const here = path.dirname(fileURLToPath(import.meta.url));

// Before `ready`: the app's own scheme must be standard and secure for 'self', fetch and storage.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const args = parseArgs({
  args: process.argv.slice(app.isPackaged ? 1 : 2),
  options: { model: { type: 'string' }, 'data-dir': { type: 'string' } },
  // Chromium and Electron switches share argv with ours.
  strict: false,
  allowPositionals: true,
}).values;

let mainWindow: BrowserWindow | null = null;
const trustedIds = new Set<number>();

if (!app.requestSingleInstanceLock()) {
  // Another Modest window is open: it gets focus (below) and this process leaves quietly.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  });
  void start().catch((err: unknown) => fail('Modest could not start', AppError.from(err).message));
}

function fail(title: string, message: string): never {
  console.error(`${title}: ${message}`);
  dialog.showErrorBox(title, message);
  app.exit(1);
  throw new Error(message);
}

async function start(): Promise<void> {
  await app.whenReady();
  useSqliteNativeBinding(process.env.MODEST_SQLITE_BINDING || undefined);
  const dataDir = path.resolve(typeof args['data-dir'] === 'string' ? args['data-dir'] : defaultDataDir());

  let storage;
  try {
    // Takes the data-folder lock: `npm run serve` on the same folder is refused, and vice versa.
    storage = openStorage(dataDir);
  } catch (err) {
    fail('Modest cannot open its data folder', AppError.from(err).message);
  }
  storage.conversations.purgeDeleted();
  const core = createCore(storage, { shell: 'desktop', keys: keyStore(dataDir) });

  hardenSession();
  serveRenderer();
  const adapter = registerIpc(ipcMain as unknown as IpcMainLike, core.api, createSenderCheck(trustedIds));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(process.platform, { devTools: !app.isPackaged, actions: { openDataFolder: () => void shell.openPath(dataDir) } }),
    ),
  );
  handleShutdown(core, adapter, dataDir);

  mainWindow = createWindow(dataDir);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow(dataDir);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Without --model, the model loaded last (from the models folder) opens again. The window shows
  // loading progress and any error through getStatus, as in the browser mode.
  const initial = typeof args.model === 'string' ? args.model : await core.manager.lastLoadedPath();
  if (initial) {
    core.models.load(initial, storage.settings.get()).catch((err: unknown) => {
      console.error(`Model not loaded: ${AppError.from(err).message}`);
    });
  }
}

function keyStore(dataDir: string): KeyStore {
  const choice = chooseKeyStorage({
    platform: process.platform,
    encryptionAvailable: safeStorage.isEncryptionAvailable(),
    linuxBackend: process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined,
  });
  if (choice.kind === 'env') return createEnvKeyStore(choice.reason);
  return createEncryptedKeyStore(dataDir, {
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (data) => safeStorage.decryptString(data),
  });
}

/** No permission prompts (camera, notifications, geolocation...), no <webview>, ever. */
function hardenSession(): void {
  const allowed = new Set(['clipboard-sanitized-write']);
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(allowed.has(permission)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => allowed.has(permission));
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function serveRenderer(): void {
  const root = rendererDir();
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(root, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await fs.readFile(file);
      return new Response(body, {
        headers: { 'Content-Type': contentType(file), 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

function createWindow(dataDir: string): BrowserWindow {
  const display = screen.getPrimaryDisplay().workArea;
  const placed = placeWindow(
    loadWindowState(dataDir),
    screen.getAllDisplays().map((d) => d.workArea),
    display,
  );
  const win = new BrowserWindow({
    ...placed.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Modest',
    // The page's own background (styles.css --bg), so resizing never flashes another colour.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16171a' : '#ffffff',
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: true,
      devTools: !app.isPackaged,
    },
  });
  const id = win.webContents.id;
  trustedIds.add(id);
  win.once('ready-to-show', () => {
    if (placed.maximized) win.maximize();
    win.show();
  });

  const leave = (url: string): boolean => {
    const decision = decideNavigation(url);
    if (decision === 'external') void shell.openExternal(url);
    return decision !== 'stay';
  };
  win.webContents.setWindowOpenHandler(({ url }) => {
    leave(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (leave(url)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, url) => {
    if (leave(url)) event.preventDefault();
  });

  const remember = () => {
    if (win.isDestroyed()) return;
    saveWindowState(dataDir, { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  };
  win.on('close', remember);
  win.on('closed', () => {
    trustedIds.delete(id);
    if (mainWindow === win) mainWindow = null;
  });

  void win.loadURL(APP_URL);
  return win;
}

/**
 * Quit waits for the core: running replies end and are saved as partial, the model unloads and
 * the database closes cleanly. Ctrl+C in the terminal that started Modest quits the same way.
 */
function handleShutdown(core: Core, adapter: IpcAdapter, dataDir: string): void {
  let phase: 'running' | 'closing' | 'closed' = 'running';
  app.on('before-quit', (event) => {
    if (phase === 'closed') return;
    event.preventDefault();
    if (phase === 'closing') return;
    phase = 'closing';
    if (mainWindow && !mainWindow.isDestroyed()) {
      saveWindowState(dataDir, { bounds: mainWindow.getNormalBounds(), maximized: mainWindow.isMaximized() });
    }
    void (async () => {
      try {
        adapter.dispose();
        await core.shutdown();
      } catch (err) {
        console.error(`[modest] shutdown: ${AppError.from(err).message}`);
      } finally {
        phase = 'closed';
        app.quit();
      }
    })();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}
