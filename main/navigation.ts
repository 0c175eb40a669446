import { isAppUrl } from './app-origin.js';

/** Links a person may follow out of the app, in the system browser. Anything else goes nowhere. */
const EXTERNAL_PROTOCOLS = new Set(['https:', 'http:', 'mailto:']);

export type NavigationDecision = 'stay' | 'external' | 'deny';

/**
 * The window never leaves the app's own page: a link to the web opens in the system browser, and
 * every other navigation (file://, javascript:, another scheme, a page a model reply linked to)
 * is refused. `window.open` follows the same rule and never creates a second Electron window.
 */
export function decideNavigation(url: string): NavigationDecision {
  if (isAppUrl(url)) return 'stay';
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return 'deny';
  }
  return EXTERNAL_PROTOCOLS.has(protocol) ? 'external' : 'deny';
}
