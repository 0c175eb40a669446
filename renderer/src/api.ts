import { AppError, createClient, type ApiClient } from '../../app/contract/index.js';
import { NetworkError, createHttpTransport, isAbortError } from './transport/http.js';

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

let token: string | null = readToken();

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

/** The one client the UI talks through; an Electron IPC transport can replace the HTTP one. */
export const api: ApiClient = createClient(createHttpTransport({ getToken }));

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
