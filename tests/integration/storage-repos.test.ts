import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type ReplyStats } from '../../app/contract/index.js';
import { openStorage, type UsageEventInput } from '../../app/storage/index.js';
import { expectCode, useTempDirs } from '../helpers/storage-fixtures.js';

/** The repositories against a real modest.db, with a clock that ticks one second per reading. */
const { open, tmpDir } = useTempDirs();
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

const stats: ReplyStats = {
  model: 'tiny',
  route: 'local',
  promptTokens: 12,
  evaluatedPromptTokens: 3,
  completionTokens: 5,
  ttftMs: 40,
  durationMs: 120,
  tokensPerSecond: 41.5,
  confidence: { minP: 0.4, p10: 0.5, meanLogp: -0.3, margin1: 0.9, tokenCount: 5 },
  sampler: { temperature: 0, topK: 0, topP: 1, seed: null },
  droppedMessages: 0,
  stopReason: 'eog',
};

function usage(conversationId: string, messageId: string | null, over: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    time: T0,
    conversationId,
    messageId,
    route: 'local',
    model: 'tiny',
    promptTokens: 12,
    completionTokens: 5,
    ttftMs: 40,
    durationMs: 120,
    tokensPerSecond: 41.5,
    minP: 0.4,
    p10: 0.5,
    meanLogp: -0.3,
    margin1: 0.9,
    tokenCount: 5,
    sampler: { temperature: 0.7, topK: 40, topP: 0.95, seed: 1234 },
    costUsd: 0,
    outcome: 'ok',
    error: null,
    reason: null,
    usageEstimated: false,
    provider: null,
    ...over,
  };
}

describe('conversations', () => {
  it('creates with a default or trimmed title, not kept local, and timestamps from the clock', () => {
    const s = open();
    expect(s.conversations.create()).toMatchObject({ title: 'New chat', keepLocal: false, createdAt: T0, updatedAt: T0 });
    expect(s.conversations.create('  Trip to Lisbon  ').title).toBe('Trip to Lisbon');
    expect(s.conversations.create('   ').title).toBe('New chat');
    const c = s.conversations.create();
    expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.conversations.get(c.id)).toEqual(c);
  });

  it('lists most recently active first; touch and new messages move a conversation up, renaming does not', () => {
    const s = open();
    const a = s.conversations.create('a');
    const b = s.conversations.create('b');
    const c = s.conversations.create('c');
    expect(s.conversations.list().map((x) => x.title)).toEqual(['c', 'b', 'a']);
    s.conversations.touch(a.id);
    expect(s.conversations.list().map((x) => x.title)).toEqual(['a', 'c', 'b']);
    s.messages.insert({ conversationId: b.id, role: 'user', content: 'hi', status: 'complete' });
    expect(s.conversations.list().map((x) => x.title)).toEqual(['b', 'a', 'c']);
    const renamed = s.conversations.rename(c.id, ' Renamed ');
    expect(renamed).toMatchObject({ id: c.id, title: 'Renamed', updatedAt: c.updatedAt });
    expect(s.conversations.list().map((x) => x.title)).toEqual(['b', 'a', 'Renamed']);
  });

  it('throws NOT_FOUND for unknown ids and BAD_REQUEST for an empty title', () => {
    const s = open();
    const c = s.conversations.create();
    expectCode(() => s.conversations.get('nope'), 'NOT_FOUND');
    expectCode(() => s.conversations.rename('nope', 'x'), 'NOT_FOUND');
    expectCode(() => s.conversations.rename(c.id, '  '), 'BAD_REQUEST');
    expectCode(() => s.conversations.softDelete('nope'), 'NOT_FOUND');
    expectCode(() => s.conversations.restore('nope'), 'NOT_FOUND');
    expectCode(() => s.conversations.touch('nope'), 'NOT_FOUND');
  });

  it('soft delete hides from list, get and search; restore brings everything back', () => {
    const s = open();
    const keep = s.conversations.create('keep');
    const gone = s.conversations.create('gone');
    const m = s.messages.insert({ conversationId: gone.id, role: 'user', content: 'the aardvark recipe', status: 'complete' });
    s.conversations.softDelete(gone.id);
    s.conversations.softDelete(gone.id); // twice is fine
    expect(s.conversations.list().map((c) => c.id)).toEqual([keep.id]);
    expectCode(() => s.conversations.get(gone.id), 'NOT_FOUND');
    expectCode(() => s.conversations.rename(gone.id, 'x'), 'NOT_FOUND');
    expectCode(() => s.messages.insert({ conversationId: gone.id, role: 'user', content: 'x', status: 'complete' }), 'NOT_FOUND');
    expect(s.search('aardvark')).toEqual([]);

    const restored = s.conversations.restore(gone.id);
    expect(restored.title).toBe('gone');
    expect(s.conversations.list().map((c) => c.id).sort()).toEqual([keep.id, gone.id].sort());
    expect(s.messages.list(gone.id).map((x) => x.id)).toEqual([m.id]);
    expect(s.search('aardvark').map((h) => h.messageId)).toEqual([m.id]);
    expect(s.conversations.restore(keep.id).id).toBe(keep.id); // restoring a live one is a no-op
  });

  it('purgeDeleted hard-deletes soft-deleted conversations with their messages, usage rows and index entries', () => {
    const s = open();
    const keep = s.conversations.create('keep');
    const gone = s.conversations.create('gone');
    const gone2 = s.conversations.create('gone2');
    const km = s.messages.insert({ conversationId: keep.id, role: 'user', content: 'wombat keeper', status: 'complete' });
    const gm = s.messages.insert({ conversationId: gone.id, role: 'user', content: 'wombat goner', status: 'complete' });
    s.usage.insert(usage(keep.id, km.id));
    s.usage.insert(usage(gone.id, gm.id));
    s.conversations.softDelete(gone.id);
    s.conversations.softDelete(gone2.id);

    expect(s.conversations.purgeDeleted()).toBe(2);
    expect(s.conversations.purgeDeleted()).toBe(0);
    expectCode(() => s.conversations.restore(gone.id), 'NOT_FOUND');
    expectCode(() => s.messages.get(gm.id), 'NOT_FOUND');
    expect(s.messages.list(gone.id)).toEqual([]);
    expect(s.usage.list().map((u) => u.conversationId)).toEqual([keep.id]);
    expect(s.search('wombat').map((h) => h.messageId)).toEqual([km.id]);
    // The FTS index holds exactly the one remaining message.
    s.close();
    const db = new Database(s.dbPath, { readonly: true });
    try {
      expect(db.prepare("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'wombat'").all()).toHaveLength(1);
      expect(db.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'goner'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

describe('messages', () => {
  it('inserts and lists oldest first, even within one millisecond', () => {
    const s = open(tmpDir(), () => T0);
    const c = s.conversations.create();
    const ids = ['one', 'two', 'three', 'four'].map(
      (content, i) => s.messages.insert({ conversationId: c.id, role: i % 2 ? 'assistant' : 'user', content, status: 'complete' }).id,
    );
    const list = s.messages.list(c.id);
    expect(list.map((m) => m.id)).toEqual(ids);
    expect(list[0]).toEqual({
      id: ids[0],
      conversationId: c.id,
      role: 'user',
      content: 'one',
      status: 'complete',
      createdAt: T0,
      updatedAt: T0,
      stats: null,
      error: null,
      escalation: null,
      task: null,
    });
    expect(s.messages.get(ids[1]!).role).toBe('assistant');
  });

  it('updates only the fields given, and round-trips stats', () => {
    const s = open();
    const c = s.conversations.create();
    const m = s.messages.insert({ conversationId: c.id, role: 'assistant', content: '', status: 'partial' });
    const u1 = s.messages.update(m.id, { content: 'Hel' });
    expect(u1).toMatchObject({ content: 'Hel', status: 'partial', stats: null, error: null });
    expect(u1.updatedAt).toBeGreaterThan(m.updatedAt);
    const u2 = s.messages.update(m.id, { content: 'Hello', status: 'complete', stats });
    expect(u2).toMatchObject({ content: 'Hello', status: 'complete', stats, error: null });
    expect(s.messages.update(m.id, { error: 'boom', status: 'error' })).toMatchObject({ content: 'Hello', stats, error: 'boom' });
    expect(s.messages.update(m.id, { stats: null, error: null })).toMatchObject({ stats: null, error: null, status: 'error' });
    expect(s.messages.get(m.id)).toEqual(s.messages.list(c.id)[0]);
  });

  it('rejects unknown ids and statuses', () => {
    const s = open();
    const c = s.conversations.create();
    expectCode(() => s.messages.get('nope'), 'NOT_FOUND');
    expectCode(() => s.messages.update('nope', { content: 'x' }), 'NOT_FOUND');
    expectCode(() => s.messages.insert({ conversationId: 'nope', role: 'user', content: 'x', status: 'complete' }), 'NOT_FOUND');
    expectCode(() => s.messages.deleteAfter('nope', { inclusive: true }), 'NOT_FOUND');
    const bad = { conversationId: c.id, role: 'user' as const, content: 'x', status: 'done' as 'complete' };
    expectCode(() => s.messages.insert(bad), 'BAD_REQUEST');
    const m = s.messages.insert({ ...bad, status: 'complete' });
    expectCode(() => s.messages.update(m.id, { status: 'weird' as 'complete' }), 'BAD_REQUEST');
  });

  it('can still finish a reply in a conversation deleted while it streamed', () => {
    const s = open();
    const c = s.conversations.create();
    const m = s.messages.insert({ conversationId: c.id, role: 'assistant', content: '', status: 'partial' });
    s.conversations.softDelete(c.id);
    expect(s.messages.update(m.id, { content: 'done', status: 'complete' }).content).toBe('done');
  });

  it('deleteAfter removes later messages of that conversation only', () => {
    const s = open();
    const c = s.conversations.create();
    const other = s.conversations.create();
    const ids = Array.from({ length: 5 }, (_, i) =>
      s.messages.insert({ conversationId: c.id, role: i % 2 ? 'assistant' : 'user', content: `m${i} platypus`, status: 'complete' }).id,
    );
    const o = s.messages.insert({ conversationId: other.id, role: 'user', content: 'other platypus', status: 'complete' });

    expect(s.messages.deleteAfter(ids[2]!, { inclusive: false })).toBe(2);
    expect(s.messages.list(c.id).map((m) => m.id)).toEqual(ids.slice(0, 3));
    expect(s.messages.deleteAfter(ids[1]!, { inclusive: true })).toBe(2);
    expect(s.messages.list(c.id).map((m) => m.id)).toEqual(ids.slice(0, 1));
    expect(s.messages.deleteAfter(ids[0]!, { inclusive: false })).toBe(0);
    expect(s.messages.list(other.id).map((m) => m.id)).toEqual([o.id]);
    expect(s.search('platypus').map((h) => h.messageId).sort()).toEqual([ids[0]!, o.id].sort());
  });

  it('keeps search in step with edits', () => {
    const s = open();
    const c = s.conversations.create();
    const m = s.messages.insert({ conversationId: c.id, role: 'user', content: 'about the giraffe', status: 'complete' });
    s.messages.update(m.id, { content: 'about the elephant' });
    expect(s.search('giraffe')).toEqual([]);
    expect(s.search('elephant').map((h) => h.messageId)).toEqual([m.id]);
    s.messages.update(m.id, { status: 'complete' });
    expect(s.search('elephant').map((h) => h.messageId)).toEqual([m.id]);
  });
});

describe('usage', () => {
  it('stores one row per call and lists oldest first, by conversation, or the most recent few', () => {
    const s = open();
    const a = s.conversations.create();
    const b = s.conversations.create();
    const m = s.messages.insert({ conversationId: a.id, role: 'assistant', content: 'x', status: 'complete' });
    const id1 = s.usage.insert(usage(a.id, m.id, { time: T0 + 1 }));
    const id2 = s.usage.insert(usage(b.id, null, { time: T0 + 2, outcome: 'error', error: 'boom', sampler: null, ttftMs: null, minP: null, tokensPerSecond: null }));
    const id3 = s.usage.insert(usage(a.id, null, { time: T0 + 3, outcome: 'aborted', route: 'cloud', costUsd: 0.0123 }));
    expect(id2).toBeGreaterThan(id1);

    const all = s.usage.list();
    expect(all.map((u) => u.id)).toEqual([id1, id2, id3]);
    expect(all[0]).toEqual({ id: id1, ...usage(a.id, m.id, { time: T0 + 1 }) });
    expect(all[1]).toMatchObject({ outcome: 'error', error: 'boom', sampler: null, ttftMs: null, minP: null, tokensPerSecond: null });
    expect(all[2]).toMatchObject({ route: 'cloud', costUsd: 0.0123 });
    expect(s.usage.list({ conversationId: a.id }).map((u) => u.id)).toEqual([id1, id3]);
    expect(s.usage.list({ limit: 2 }).map((u) => u.id)).toEqual([id2, id3]);
    expect(s.usage.list({ conversationId: a.id, limit: 1 }).map((u) => u.id)).toEqual([id3]);
    expect(s.usage.list({ conversationId: 'none' })).toEqual([]);
  });

  it('keeps the row, without its message, when the reply is regenerated away or already gone', () => {
    const s = open();
    const c = s.conversations.create();
    const q = s.messages.insert({ conversationId: c.id, role: 'user', content: 'q', status: 'complete' });
    const r = s.messages.insert({ conversationId: c.id, role: 'assistant', content: 'r', status: 'complete' });
    s.usage.insert(usage(c.id, r.id));
    s.messages.deleteAfter(q.id, { inclusive: false });
    s.usage.insert(usage(c.id, r.id)); // written after the message vanished
    expect(s.usage.list().map((u) => u.messageId)).toEqual([null, null]);
  });
});

describe('settings', () => {
  it('starts at the defaults and persists a validated patch across reopening', () => {
    const dir = tmpDir();
    const s = open(dir);
    expect(s.settings.get()).toEqual(DEFAULT_SETTINGS);
    const after = s.settings.update({ contextSize: 512, systemPrompt: 'Be brief.' });
    expect(after).toEqual({ ...DEFAULT_SETTINGS, contextSize: 512, systemPrompt: 'Be brief.' });
    expect(s.settings.update({})).toEqual(after);
    s.close();
    expect(open(dir).settings.get()).toEqual(after);
  });

  it('rejects an invalid or unknown setting and stores nothing from that patch', () => {
    const s = open();
    expectCode(() => s.settings.update({ threads: -1 }), 'BAD_REQUEST');
    expectCode(() => s.settings.update({ contextSize: 8192, sequences: 0 }), 'BAD_REQUEST');
    expectCode(() => s.settings.update({ regenerateTemperature: 'hot' as unknown as number }), 'BAD_REQUEST');
    const e = expectCode(() => s.settings.update({ colour: 'blue' } as never), 'BAD_REQUEST');
    expect(e.message).toMatch(/not valid/);
    expect(s.settings.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('falls back to defaults, key by key, for stored values that are unknown, invalid or not JSON', () => {
    const dir = tmpDir();
    const s = open(dir);
    s.settings.update({ maxReplyTokens: 77 });
    s.close();
    const db = new Database(s.dbPath);
    const put = db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
    put.run('threads', '"lots"');
    put.run('contextSize', '{not json');
    put.run('sequences', '999');
    put.run('futureSetting', '{"x":1}');
    put.run('systemPrompt', '"Hand-edited prompt"');
    db.close();
    expect(open(dir).settings.get()).toEqual({ ...DEFAULT_SETTINGS, maxReplyTokens: 77, systemPrompt: 'Hand-edited prompt' });
  });
});

describe('clock', () => {
  it('uses Date.now when no clock is given', () => {
    const before = Date.now();
    const s = openStorage(tmpDir());
    try {
      const c = s.conversations.create();
      expect(c.createdAt).toBeGreaterThanOrEqual(before);
      expect(c.createdAt).toBeLessThanOrEqual(Date.now());
    } finally {
      s.close();
    }
  });
});
