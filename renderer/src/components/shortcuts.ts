export function isMac(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

export const SHORTCUTS: readonly { keys: string; what: string }[] = [
  { keys: 'Enter', what: 'Send the message' },
  { keys: 'Shift+Enter', what: 'New line in the message' },
  { keys: 'Mod+Shift+Enter', what: 'Send the message to the cloud model (when escalation is on)' },
  { keys: 'Esc', what: 'Stop the reply being written' },
  { keys: 'Mod+N', what: 'New chat' },
  { keys: 'Mod+K', what: 'Search messages' },
  { keys: 'Mod+O', what: 'Attach documents (or drop files on the window)' },
  { keys: 'Mod+Shift+E', what: 'Evaluate the router on your own results' },
  { keys: '?', what: 'Show these shortcuts' },
];

export function keysLabel(keys: string): string {
  return keys.replace('Mod+', isMac() ? '⌘' : 'Ctrl+');
}
