import { describe, expect, it } from 'vitest';
import type { ReplyStats } from '../../app/contract/index.js';
import { DEFAULT_SETTINGS } from '../../app/contract/index.js';
import { expectCode, rawDbBytes, useTempDirs } from '../helpers/storage-fixtures.js';

const { open } = useTempDirs('modest-export-');
const SAFE_NAME = /^[a-z0-9][a-z0-9-]*\.(md|json)$/;

const stats: ReplyStats = {
  model: 'tiny',
  route: 'local',
  promptTokens: 1,
  evaluatedPromptTokens: 1,
  completionTokens: 2,
  ttftMs: 5,
  durationMs: 9,
  tokensPerSecond: 200,
  confidence: { minP: 0.5, p10: 0.5, meanLogp: -0.1, margin1: 0.7, tokenCount: 2 },
  sampler: { temperature: 0, topK: 0, topP: 1, seed: null },
  droppedMessages: 0,
  stopReason: 'eog',
};

/** Clock: 2025-01-02 03:04:05 UTC, +1 s per reading. */
function seeded() {
  const s = open();
  const trip = s.conversations.create('Trip to Lisbon'); // :05
  const q = s.messages.insert({ conversationId: trip.id, role: 'user', content: 'What should I pack?', status: 'complete' }); // :06
  const a = s.messages.insert({ conversationId: trip.id, role: 'assistant', content: '', status: 'partial' }); // :07
  s.messages.update(a.id, { content: 'Light clothes and **good shoes**.', status: 'complete', stats }); // :08
  const b = s.messages.insert({ conversationId: trip.id, role: 'assistant', content: 'Also a', status: 'partial' }); // :09
  const other = s.conversations.create('a/b\\c: "weird" <name>|?*'); // :10
  s.messages.insert({ conversationId: other.id, role: 'user', content: 'Hi', status: 'complete' }); // :11
  const e = s.messages.insert({ conversationId: other.id, role: 'assistant', content: '', status: 'partial' }); // :12
  s.messages.update(e.id, { status: 'error', error: 'The model\nfailed.' }); // :13
  const hidden = s.conversations.create('Hidden'); // :14
  s.conversations.softDelete(hidden.id);
  return { s, trip, other, hidden, q, a, b, e };
}

describe('export', () => {
  it('writes one conversation as Markdown with a title heading, You/Modest sections and timestamps', () => {
    const { s, trip } = seeded();
    const out = s.exportConversations(trip.id, 'markdown');
    expect(out.mimeType).toBe('text/markdown; charset=utf-8');
    expect(out.filename).toMatch(/^modest-trip-to-lisbon-\d{4}-\d{2}-\d{2}\.md$/);
    expect(out.content).toBe(
      [
        '# Trip to Lisbon',
        '',
        `*Started 2025-01-02 03:04 UTC · exported from Modest ${out.content.match(/exported from Modest (.*? UTC)/)![1]}*`,
        '',
        '**You** · 2025-01-02 03:04 UTC',
        '',
        'What should I pack?',
        '',
        '**Modest** · 2025-01-02 03:04 UTC',
        '',
        'Light clothes and **good shoes**.',
        '',
        '**Modest** · 2025-01-02 03:04 UTC *(unfinished: the reply was interrupted)*',
        '',
        'Also a',
        '',
      ].join('\n'),
    );
  });

  it('exports every live conversation, marks failures, and never a deleted one', () => {
    const { s, trip, other } = seeded();
    const md = s.exportConversations(undefined, 'markdown');
    expect(md.filename).toMatch(/^modest-conversations-\d{4}-\d{2}-\d{2}\.md$/);
    expect(md.content).toContain('# Trip to Lisbon');
    expect(md.content).toContain('# a/b\\c: "weird" <name>|?*');
    expect(md.content).toContain('*(failed: The model failed.)*');
    expect(md.content).not.toContain('Hidden');
    expect(md.content.split('\n---\n')).toHaveLength(2);

    const json = s.exportConversations(undefined, 'json');
    expect(json.mimeType).toBe('application/json');
    expect(json.filename).toMatch(/^modest-conversations-\d{4}-\d{2}-\d{2}\.json$/);
    const doc = JSON.parse(json.content);
    expect(doc).toEqual({
      format: 'modest-export',
      version: 1,
      exportedAt: expect.any(Number),
      conversations: [
        { ...s.conversations.get(other.id), messages: s.messages.list(other.id) },
        { ...s.conversations.get(trip.id), messages: s.messages.list(trip.id) },
      ],
    });
    expect(doc.conversations[1].messages[1].stats).toEqual(stats);
  });

  it('exports one conversation as JSON, with a filename safe on any OS', () => {
    const { s, other } = seeded();
    const out = s.exportConversations(other.id, 'json');
    expect(out.filename).toMatch(SAFE_NAME);
    expect(out.filename).toMatch(/^modest-a-b-c-weird-name-/);
    const doc = JSON.parse(out.content);
    expect(doc.conversations.map((c: { id: string }) => c.id)).toEqual([other.id]);
    expect(doc.conversations[0].messages.map((m: { status: string }) => m.status)).toEqual(['complete', 'error']);
    for (const title of ['CON', '東京', '🙂', '..', 'x'.repeat(500)]) {
      const c = s.conversations.create(title);
      expect(s.exportConversations(c.id, 'markdown').filename).toMatch(SAFE_NAME);
    }
  });

  it('refuses a missing or deleted conversation, and exports an empty set cleanly', () => {
    const { s, hidden } = seeded();
    expectCode(() => s.exportConversations(hidden.id, 'markdown'), 'NOT_FOUND');
    expectCode(() => s.exportConversations('nope', 'json'), 'NOT_FOUND');
    s.deleteAll();
    expect(JSON.parse(s.exportConversations(undefined, 'json').content).conversations).toEqual([]);
    expect(s.exportConversations(undefined, 'markdown').content).toMatch(/No conversations/);
  });
});

describe('deleteAll', () => {
  const SECRET = 'Quetzalcoatlus7731';

  it('erases every conversation, message, usage row and index entry, and the text from the file', () => {
    const s = open();
    s.settings.update({ contextSize: 2048 });
    for (let i = 0; i < 30; i++) {
      const c = s.conversations.create(`${SECRET} title ${i}`);
      const m = s.messages.insert({ conversationId: c.id, role: 'user', content: `My secret is ${SECRET} number ${i}. ${'pad '.repeat(50)}`, status: 'complete' });
      s.messages.update(m.id, { content: `${m.content} (edited ${SECRET})` });
      s.usage.insert({
        time: 1, conversationId: c.id, messageId: m.id, route: 'local', model: 'tiny', promptTokens: 1, completionTokens: 1,
        ttftMs: null, durationMs: 1, tokensPerSecond: null, minP: null, p10: null, meanLogp: null, margin1: null, tokenCount: 0,
        sampler: null, costUsd: 0, outcome: 'error', error: `failed on ${SECRET}`, reason: null, usageEstimated: false, provider: null,
      });
    }
    s.conversations.softDelete(s.conversations.list()[0]!.id);
    // Positive control: the test can see the text on disk (in the WAL or the file, and in the index as a lower-case term).
    const before = rawDbBytes(s.dbPath);
    expect(before.includes(SECRET)).toBe(true);
    expect(before.includes(SECRET.toLowerCase())).toBe(true);

    expect(s.deleteAll()).toEqual({ conversations: 30, messages: 30 });

    expect(s.conversations.list()).toEqual([]);
    expect(s.search(SECRET)).toEqual([]);
    expect(s.usage.list()).toEqual([]);
    expect(s.settings.get()).toEqual({ ...DEFAULT_SETTINGS, contextSize: 2048 });
    // Read while still open: this is what sits on disk the moment the user is told it is gone.
    const after = rawDbBytes(s.dbPath);
    expect(after.includes(SECRET)).toBe(false);
    expect(after.includes(SECRET.toLowerCase())).toBe(false);

    // Still a working database afterwards.
    const c = s.conversations.create();
    const m = s.messages.insert({ conversationId: c.id, role: 'user', content: 'fresh start', status: 'complete' });
    expect(s.search('fresh').map((h) => h.messageId)).toEqual([m.id]);
    s.close();
    expect(rawDbBytes(s.dbPath).includes(SECRET)).toBe(false);
  });
});
