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

/* ---------- Delete all my data ---------- */

let epoch = 0;
const listeners = new Set<() => void>();

/**
 * Forgets every draft: the stored ones and those still waiting to be written. The composer watches
 * `draftsEpoch` so the text on screen goes too, instead of being saved back on the next switch.
 */
export function clearAllDrafts(): void {
  for (const t of timers.values()) clearTimeout(t);
  timers.clear();
  const s = store();
  if (s) {
    try {
      const keys: string[] = [];
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        if (k?.startsWith(PREFIX)) keys.push(k);
      }
      for (const k of keys) s.removeItem(k);
    } catch {
      // Storage disabled: there is nothing stored to forget.
    }
  }
  epoch++;
  for (const l of listeners) l();
}

/** Changes each time every draft is cleared (for useSyncExternalStore). */
export function draftsEpoch(): number {
  return epoch;
}

export function onDraftsCleared(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
