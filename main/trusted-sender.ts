import { isAppUrl } from './app-origin.js';
import type { IpcEventLike } from './ipc-adapter.js';

/**
 * A message is trusted only if it comes from a window this process created (by webContents id)
 * and from a frame still showing the app's own page: a navigated, embedded or foreign frame of
 * the same window is refused even though it shares the id.
 */
export function createSenderCheck(trustedIds: ReadonlySet<number>): (event: IpcEventLike) => boolean {
  return (event) => trustedIds.has(event.sender.id) && event.senderFrame !== null && isAppUrl(event.senderFrame.url);
}
