import { afterEach, describe, expect, it, vi } from 'vitest';
import { takeTokenFromLocation } from '../../renderer/src/api.js';
import { createDeltaBatcher } from '../../renderer/src/lib/batcher.js';
import { clearAllDrafts, draftsEpoch, loadDraft, onDraftsCleared, saveDraft } from '../../renderer/src/lib/drafts.js';
import { duration, percent, rate, snippetParts } from '../../renderer/src/lib/format.js';
import { createStore } from '../../renderer/src/lib/store.js';
import { MemoryStorage } from '../helpers/memory-storage.js';

describe('renderer helpers', () => {
  it('splits search snippets on [[ ]] marks', () => {
    expect(snippetParts('…the [[cat]] sat on [[the mat]]')).toEqual([
      { text: '…the ', match: false },
      { text: 'cat', match: true },
      { text: ' sat on ', match: false },
      { text: 'the mat', match: true },
    ]);
    expect(snippetParts('no match')).toEqual([{ text: 'no match', match: false }]);
    expect(snippetParts('[[a]]')).toEqual([{ text: 'a', match: true }]);
  });

  it('formats confidence, speed and durations for the reply footer', () => {
    expect(percent(0.874)).toBe('87%');
    expect(percent(0.004)).toBe('<1%');
    expect(percent(null)).toBe('–');
    expect(rate(31.44)).toBe('31.4 tok/s');
    expect(rate(null)).toBe('–');
    expect(duration(180)).toBe('180 ms');
    expect(duration(2340)).toBe('2.3 s');
    expect(duration(125_000)).toBe('2 min 5 s');
  });

  it('takes the token from #token=, stores it and removes it from the address', () => {
    const stored = new Map<string, string>();
    const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) };
    let replaced: string | null = null;
    const token = takeTokenFromLocation({ hash: '#token=abc123', pathname: '/', search: '' }, storage, (u) => (replaced = u));
    expect(token).toBe('abc123');
    expect(replaced).toBe('/');
    // A reload: no hash any more, the token comes from this tab's storage.
    replaced = null;
    expect(takeTokenFromLocation({ hash: '', pathname: '/', search: '' }, storage, (u) => (replaced = u))).toBe('abc123');
    expect(replaced).toBeNull();
    // Other hash parameters survive.
    takeTokenFromLocation({ hash: '#token=zz&view=x', pathname: '/app', search: '?q=1' }, storage, (u) => (replaced = u));
    expect(replaced).toBe('/app?q=1#view=x');
    expect(takeTokenFromLocation({ hash: '', pathname: '/', search: '' }, { getItem: () => null, setItem: () => {} }, () => {})).toBeNull();
  });

  it('batches deltas until the next frame', () => {
    const frames: (() => void)[] = [];
    const applied: Record<string, string>[] = [];
    const b = createDeltaBatcher((p) => applied.push(Object.fromEntries(p)), (cb) => frames.push(cb));
    b.push('m1', 'Hel');
    b.push('m1', 'lo');
    b.push('m2', '!');
    expect(applied).toEqual([]);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(applied).toEqual([{ m1: 'Hello', m2: '!' }]);
    b.push('m1', ' world');
    b.flush();
    expect(applied.at(-1)).toEqual({ m1: ' world' });
    frames.forEach((f) => f());
    expect(applied).toHaveLength(2);
  });

  it('store notifies only on real changes', () => {
    const s = createStore({ a: 1, b: [1] });
    let calls = 0;
    s.subscribe(() => calls++);
    s.set({ a: 1 });
    expect(calls).toBe(0);
    s.set((st) => ({ a: st.a + 1 }));
    expect(calls).toBe(1);
    expect(s.get()).toEqual({ a: 2, b: [1] });
  });
});


describe('drafts', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('clearAllDrafts forgets stored drafts and pending writes, keeps other keys, and tells the composer', () => {
    vi.useFakeTimers();
    const local = new MemoryStorage();
    vi.stubGlobal('window', { localStorage: local });
    local.setItem('other.key', 'kept');
    saveDraft('c1', 'first', 0);
    saveDraft(null, 'new chat text', 0);
    expect(loadDraft('c1')).toBe('first');
    expect(loadDraft(null)).toBe('new chat text');
    // Typed just before Delete all my data: still waiting to be written.
    saveDraft('c2', 'typing…');

    const epoch = draftsEpoch();
    let told = 0;
    const stop = onDraftsCleared(() => told++);
    clearAllDrafts();
    stop();
    vi.advanceTimersByTime(1000);

    expect(loadDraft('c1')).toBe('');
    expect(loadDraft(null)).toBe('');
    expect(loadDraft('c2')).toBe('');
    expect(local.length).toBe(1);
    expect(local.getItem('other.key')).toBe('kept');
    expect(draftsEpoch()).toBe(epoch + 1);
    expect(told).toBe(1);
    clearAllDrafts();
    expect(told).toBe(1);
  });

  it('clearAllDrafts is harmless without storage', () => {
    expect(() => clearAllDrafts()).not.toThrow();
  });
});
