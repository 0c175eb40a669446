/**
 * Unsent text survives a reload or a crash of the window: one draft per conversation in
 * localStorage, written shortly after typing stops (a large paste is not re-serialised per key).
 */
const PREFIX = 'modest.draft.';
const key = (conversationId: string | null) => `${PREFIX}${conversationId ?? 'new'}`;

function store(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function loadDraft(conversationId: string | null): string {
  return store()?.getItem(key(conversationId)) ?? '';
}

const timers = new Map<string, ReturnType<typeof setTimeout>>();

export function saveDraft(conversationId: string | null, text: string, delayMs = 300): void {
  const k = key(conversationId);
  clearTimeout(timers.get(k));
  const write = () => {
    timers.delete(k);
    try {
      if (text === '') store()?.removeItem(k);
      else store()?.setItem(k, text);
    } catch {
      // Quota exceeded or storage disabled: the draft still lives in memory for this session.
    }
  };
  if (delayMs === 0) write();
  else timers.set(k, setTimeout(write, delayMs));
}
