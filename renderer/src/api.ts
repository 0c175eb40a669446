import { AppError, DESKTOP_BRIDGE_KEY, createClient, type ApiClient, type DesktopBridge } from '../../app/contract/index.js';
import { NetworkError, createHttpTransport, isAbortError } from './transport/http.js';
import { createIpcTransport } from './transport/ipc.js';

const TOKEN_KEY = 'modest.token';

/**
 * The launch token arrives once in the address (`#token=...`). It is kept in this tab's
 * sessionStorage so a reload keeps working, and removed from the visible address so it is not
 * copied, bookmarked or shown on screen.
 */
export function takeTokenFromLocation(
  loc: Pick<Location, 'hash' | 'pathname' | 'search'>,
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  replace: (url: string) => void,
): string | null {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const fromHash = params.get('token');
  if (fromHash) {
    storage.setItem(TOKEN_KEY, fromHash);
    params.delete('token');
    const rest = params.toString();
    replace(`${loc.pathname}${loc.search}${rest ? `#${rest}` : ''}`);
    return fromHash;
  }
  return storage.getItem(TOKEN_KEY);
}

function safeSessionStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  try {
    const s = window.sessionStorage;
    s.getItem(TOKEN_KEY);
    return s;
  } catch {
    const mem = new Map<string, string>();
    return { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => void mem.set(k, v) };
  }
}

function readToken(): string | null {
  if (typeof window === 'undefined') return null;
  return takeTokenFromLocation(window.location, safeSessionStorage(), (url) => window.history.replaceState(null, '', url));
}

/** Set by the desktop app's preload; absent in the browser mode. */
export const desktop: DesktopBridge | null =
  typeof window === 'undefined' ? null : ((window as unknown as Record<string, DesktopBridge | undefined>)[DESKTOP_BRIDGE_KEY] ?? null);

let token: string | null = desktop ? null : readToken();

/** The link was opened in a tab that already runs Modest (only the #token part changed). */
export function adoptTokenFromHash(): boolean {
  if (!/(^#|&)token=/.test(window.location.hash)) return false;
  token = readToken();
  return token !== null;
}

export function getToken(): string | null {
  return token;
}

export function forgetToken(): void {
  token = null;
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage unavailable: the in-memory token is gone, which is what matters.
  }
}

/** The desktop window needs no token: the preload's channel reaches only its own main process. */
export function hasAccess(): boolean {
  return desktop !== null || token !== null;
}

/** The one client the UI talks through: IPC in the desktop app, HTTP in the browser mode. */
export const api: ApiClient = createClient(desktop ? createIpcTransport(desktop) : createHttpTransport({ getToken }));

export { NetworkError, isAbortError };

/** The sentence a person should read for any failure. */
export function errorMessage(err: unknown): string {
  if (err instanceof AppError || err instanceof NetworkError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

export function isUnauthorized(err: unknown): boolean {
  return err instanceof AppError && err.code === 'UNAUTHORIZED';
}
