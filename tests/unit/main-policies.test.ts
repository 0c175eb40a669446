import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_URL, isAppUrl } from '../../main/app-origin.js';
import { CONTENT_SECURITY_POLICY, contentType, resolveAppFile } from '../../main/app-protocol.js';
import { chooseKeyStorage } from '../../main/key-storage.js';
import { menuTemplate } from '../../main/menu.js';
import { decideNavigation } from '../../main/navigation.js';
import { DEFAULT_SIZE, loadWindowState, MIN_SIZE, placeWindow, saveWindowState, WINDOW_STATE_FILE } from '../../main/window-state.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('navigation policy', () => {
  it('keeps the window on the app, sends web links to the system browser and refuses the rest', () => {
    expect(decideNavigation(APP_URL)).toBe('stay');
    expect(decideNavigation('modest://app/index.html#settings')).toBe('stay');
    expect(decideNavigation('https://example.com/docs')).toBe('external');
    expect(decideNavigation('http://example.com/')).toBe('external');
    expect(decideNavigation('mailto:someone@example.com')).toBe('external');
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<b>x</b>', 'modest://evil/index.html', 'smb://host/share', 'not a url', '']) {
      expect(decideNavigation(url), url).toBe('deny');
    }
  });

  it('recognises the app origin by scheme and host only', () => {
    expect(isAppUrl('modest://app/assets/x.js')).toBe(true);
    expect(isAppUrl('modest://app.evil/')).toBe(false);
    expect(isAppUrl('https://app/')).toBe(false);
  });
});

describe('the modest:// protocol', () => {
  const dir = path.join(ROOT, 'renderer', 'dist');

  it('maps app URLs to files inside the built renderer and nothing outside it', () => {
    expect(resolveAppFile(dir, 'modest://app/')).toBe(path.join(dir, 'index.html'));
    expect(resolveAppFile(dir, 'modest://app/assets/index.js?v=1')).toBe(path.join(dir, 'assets', 'index.js'));
    // The URL parser already folds a literal ../ into the path; it cannot climb above the root.
    expect(resolveAppFile(dir, 'modest://app/../package.json')).toBe(path.join(dir, 'package.json'));
    for (const url of [
      'modest://app/..%2f..%2fpackage.json',
      'modest://app/assets/..%2f..%2f..%2fpackage.json',
      'modest://app/%00index.html',
      'modest://app/%E0%A4%A',
      'modest://other/index.html',
      'file:///etc/passwd',
    ]) {
      expect(resolveAppFile(dir, url), url).toBeNull();
    }
  });

  it('labels the renderer\'s files with their types', () => {
    expect(contentType('index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentType('x.bin')).toBe('application/octet-stream');
  });

  it('sends the same strict policy as the page, plus frame-ancestors', () => {
    const html = fs.readFileSync(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    expect(CONTENT_SECURITY_POLICY).toBe(`${meta}; frame-ancestors 'none'`);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
  });
});

describe('window placement', () => {
  const primary = { x: 0, y: 0, width: 1920, height: 1050 };

  it('centres a default-size window the first time', () => {
    expect(placeWindow(null, [primary], primary)).toEqual({
      bounds: { x: 410, y: 145, width: DEFAULT_SIZE.width, height: DEFAULT_SIZE.height },
      maximized: false,
    });
  });

  it('restores remembered bounds that are still on a screen, including a second one', () => {
    const second = { x: 1920, y: 0, width: 1280, height: 1000 };
    const saved = { bounds: { x: 2000, y: 50, width: 900, height: 700 }, maximized: true };
    expect(placeWindow(saved, [primary, second], primary)).toEqual(saved);
  });

  it('recentres a window whose monitor is gone, and never restores one smaller than the minimum', () => {
    const offscreen = { bounds: { x: 3000, y: 50, width: 900, height: 700 }, maximized: false };
    expect(placeWindow(offscreen, [primary], primary).bounds.x).toBe(410);
    const tiny = { bounds: { x: 10, y: 10, width: 50, height: 20 }, maximized: false };
    expect(placeWindow(tiny, [primary], primary).bounds).toMatchObject({ width: MIN_SIZE.width, height: MIN_SIZE.height });
  });

  it('fits the default size to a small screen', () => {
    const small = { x: 0, y: 0, width: 800, height: 600 };
    expect(placeWindow(null, [small], small).bounds).toEqual({ x: 0, y: 0, width: 800, height: 600 });
  });

  it('remembers state in the data folder and ignores a damaged file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-winstate-'));
    try {
      expect(loadWindowState(dir)).toBeNull();
      const state = { bounds: { x: 5, y: 6, width: 700, height: 500 }, maximized: false };
      saveWindowState(dir, state);
      expect(loadWindowState(dir)).toEqual(state);
      fs.writeFileSync(path.join(dir, WINDOW_STATE_FILE), '{"bounds":');
      expect(loadWindowState(dir)).toBeNull();
      fs.writeFileSync(path.join(dir, WINDOW_STATE_FILE), JSON.stringify({ bounds: { x: 1, y: 1, width: -5, height: 3 }, maximized: false }));
      expect(loadWindowState(dir)).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('where API keys may be saved', () => {
  it('uses the OS store where it really encrypts', () => {
    expect(chooseKeyStorage({ platform: 'darwin', encryptionAvailable: true })).toEqual({ kind: 'os' });
    expect(chooseKeyStorage({ platform: 'win32', encryptionAvailable: true })).toEqual({ kind: 'os' });
    expect(chooseKeyStorage({ platform: 'linux', encryptionAvailable: true, linuxBackend: 'gnome_libsecret' })).toEqual({ kind: 'os' });
    expect(chooseKeyStorage({ platform: 'linux', encryptionAvailable: true, linuxBackend: 'kwallet5' })).toEqual({ kind: 'os' });
  });

  it('falls back to environment variables on basic_text or without any store, and says why', () => {
    expect(chooseKeyStorage({ platform: 'linux', encryptionAvailable: true, linuxBackend: 'basic_text' })).toEqual({
      kind: 'env',
      reason: expect.stringContaining('no secret service'),
    });
    expect(chooseKeyStorage({ platform: 'linux', encryptionAvailable: false })).toMatchObject({ kind: 'env' });
    expect(chooseKeyStorage({ platform: 'darwin', encryptionAvailable: false })).toMatchObject({ kind: 'env' });
  });
});

describe('native menu', () => {
  const roles = (t: ReturnType<typeof menuTemplate>): string[] =>
    t.flatMap((i) => [i.role ?? '', ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]).filter(Boolean);

  it('has the standard roles on every platform, and developer tools only in development', () => {
    const actions = { openDataFolder: () => {} };
    const linux = roles(menuTemplate('linux', { devTools: false, actions }));
    expect(linux).toEqual(expect.arrayContaining(['quit', 'editMenu', 'windowMenu', 'zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen']));
    expect(linux).not.toContain('toggleDevTools');
    expect(linux).not.toContain('appMenu');
    const mac = roles(menuTemplate('darwin', { devTools: true, actions }));
    expect(mac).toEqual(expect.arrayContaining(['appMenu', 'close', 'toggleDevTools', 'reload']));
  });

  it('opens the data folder from the File menu', () => {
    let opened = 0;
    const t = menuTemplate('linux', { devTools: false, actions: { openDataFolder: () => opened++ } });
    const file = t.find((i) => i.label === '&File');
    const item = (file?.submenu as { label?: string; click?: () => void }[]).find((i) => i.label === 'Open Data Folder');
    item?.click?.();
    expect(opened).toBe(1);
  });
});
