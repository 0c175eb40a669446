import { AppError } from '../contract/index.js';

interface Slot<S> {
  sequence: S;
  owner: string | null;
  lastUsed: number;
  busy: boolean;
}

export interface Lease<S> {
  readonly sequence: S;
  /** `forget`: a one-off owner; its slot becomes the first to reuse, as after `forget(owner)`. */
  release(opts?: { forget?: boolean }): void;
}

/**
 * Context sequences (each one KV cache) assigned to conversations. A conversation keeps its
 * sequence while it is warm; a new conversation takes the least recently used idle one, so the
 * conversations a person is actually switching between stay cached. When every sequence is busy
 * the caller waits (woken first come, first served) instead of failing; a waiter that gives up
 * leaves the queue, so it never swallows a wake-up meant for the next one.
 */
export class SequencePool<S> {
  private readonly slots: Slot<S>[];
  private readonly waiters: Array<() => void> = [];
  private clock = 0;

  constructor(sequences: readonly S[]) {
    this.slots = sequences.map((sequence) => ({ sequence, owner: null, lastUsed: 0, busy: false }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Which conversation, if any, each sequence holds; for tests and diagnostics. */
  owners(): (string | null)[] {
    return this.slots.map((s) => s.owner);
  }

  async acquire(owner: string, signal?: AbortSignal): Promise<Lease<S>> {
    for (;;) {
      signal?.throwIfAborted();
      const own = this.slots.find((s) => s.owner === owner);
      if (own?.busy) throw new AppError('BUSY');
      const slot = own ?? this.leastRecentlyUsedIdle();
      if (slot) {
        slot.owner = owner;
        slot.busy = true;
        slot.lastUsed = ++this.clock;
        let released = false;
        return {
          sequence: slot.sequence,
          release: (opts) => {
            if (released) return;
            released = true;
            slot.busy = false;
            if (opts?.forget) {
              slot.owner = null;
              slot.lastUsed = 0;
            } else {
              slot.lastUsed = ++this.clock;
            }
            this.waiters.shift()?.();
          },
        };
      }
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.waiters.indexOf(wake);
          if (i !== -1) this.waiters.splice(i, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(wake);
      });
    }
  }

  /** Forget a conversation's assignment (deleted conversation): its slot becomes the first to reuse. */
  forget(owner: string): void {
    const slot = this.slots.find((s) => s.owner === owner && !s.busy);
    if (slot) {
      slot.owner = null;
      slot.lastUsed = 0;
    }
  }

  private leastRecentlyUsedIdle(): Slot<S> | undefined {
    let best: Slot<S> | undefined;
    for (const s of this.slots) {
      if (s.busy) continue;
      if (!best || s.lastUsed < best.lastUsed) best = s;
    }
    return best;
  }
}
