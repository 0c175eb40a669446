/**
 * The window's own origin. The renderer is served from this privileged custom scheme rather than
 * file://, so its CSP 'self' means exactly the app's files and no other page on disk.
 */
export const APP_SCHEME = 'modest';
export const APP_HOST = 'app';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Custom schemes have an opaque WHATWG origin ('null'), so compare scheme and host instead. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
