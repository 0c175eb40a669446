/**
 * Collects streamed text pieces and hands them over at most once per animation frame, so a fast
 * model re-renders the reply ~60 times a second at most, however many tokens arrive.
 */
export interface DeltaBatcher {
  push(messageId: string, text: string): void;
  /** Hand over whatever is pending now (before a final event replaces the message). */
  flush(): void;
}

export type FrameScheduler = (cb: () => void) => void;

export const nextFrame: FrameScheduler = (cb) => {
  // Hidden tabs get no animation frames; a timer keeps the text arriving there too.
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState === 'visible') {
    requestAnimationFrame(() => cb());
  } else {
    setTimeout(cb, 50);
  }
};

export function createDeltaBatcher(
  apply: (pending: ReadonlyMap<string, string>) => void,
  schedule: FrameScheduler = nextFrame,
): DeltaBatcher {
  let pending = new Map<string, string>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    apply(batch);
  };

  return {
    push(messageId, text) {
      if (text === '') return;
      pending.set(messageId, (pending.get(messageId) ?? '') + text);
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    },
    flush,
  };
}
