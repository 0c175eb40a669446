import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../app/contract/index.js';
import { openStorage } from '../../app/storage/index.js';
import { LATEST_VERSION, migrate, schemaVersion } from '../../app/storage/migrate.js';
import { MIGRATIONS } from '../../app/storage/migrations/index.js';
import { DB_FILE, openDatabase } from '../../app/storage/open.js';
import { expectCode, useTempDirs } from '../helpers/storage-fixtures.js';

const { tmpDir, open } = useTempDirs('modest-migrate-');

/** A database stopped at `version`, as an older Modest left it. */
function dbAt(version: number) {
  const dir = tmpDir();
  const db = openDatabase(path.join(dir, DB_FILE));
  migrate(db, { target: version });
  expect(schemaVersion(db)).toBe(version);
  return { dir, db };
}

/**
 * Rows written the way the schema of each earlier version allowed. Adding migration N+1 means
 * adding a seed for version N here (the test below insists).
 */
const seeds: Record<number, (db: BetterSqlite3.Database) => void> = {
  1: (db) => {
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'Old chat', 1000, 3000)").run();
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at, deleted_at) VALUES ('c2', 'Binned', 1000, 1000, 2000)").run();
    const msg = db.prepare('INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at, stats_json, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    msg.run('m1', 'c1', 'user', 'Where did I put the invoice from Brightwater?', 'complete', 1000, 1000, null, null);
    msg.run('m2', 'c1', 'assistant', 'In the blue folder.', 'partial', 2000, 3000, null, null);
    msg.run('m3', 'c2', 'user', 'Brightwater again', 'complete', 1000, 1000, null, null);
    db.prepare(
      `INSERT INTO usage_events (time, conversation_id, message_id, route, model, prompt_tokens, completion_tokens, duration_ms, token_count, outcome)
       VALUES (2000, 'c1', 'm2', 'local', 'tiny', 10, 4, 99, 4, 'aborted')`,
    ).run();
  },
  2: (db) => {
    seeds[1]!(db);
    db.prepare("INSERT INTO settings (key, value) VALUES ('contextSize', '2048')").run();
  },
  3: (db) => {
    seeds[2]!(db);
    // Version 3 writes keep_local explicitly (the column's default is still 1 from 001).
    db.prepare('UPDATE conversations SET keep_local = 0').run();
    // A label on m1 (the checks below look at m2's): 004 only adds indexes, so the rows must just survive.
    db.prepare("INSERT INTO labels (message_id, kind, created_at) VALUES ('m1', 'asked-cloud', 4000)").run();
  },
  4: (db) => {
    seeds[3]!(db);
    db.prepare("UPDATE messages SET escalation_json = NULL WHERE id = 'm2'").run();
  },
  5: (db) => {
    seeds[4]!(db);
    db.prepare("UPDATE messages SET task_json = NULL WHERE id = 'm1'").run();
  },
  6: (db) => {
    seeds[5]!(db);
    // 006 is the last version before conversations had a kind: these rows must just survive 007.
    db.prepare("INSERT INTO model_tuning (model_key, machine_key, tuning_json) VALUES ('old.gguf:5', 'machine', '{}')").run();
  },
};

describe('migrations', () => {
  it('are numbered 1..n in order, one module each', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(MIGRATIONS.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => expect.stringMatching(new RegExp(`^${String(m.version).padStart(3, '0')}_`))));
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(2);
  });

  it('build the whole schema from an empty folder, with WAL, NORMAL sync and foreign keys on', () => {
    const s = open();
    expect(fs.readdirSync(s.dataDir).sort()).toEqual(expect.arrayContaining(['modest.db', 'modest.lock']));
    s.close();
    const db = openDatabase(s.dbPath);
    try {
      expect(schemaVersion(db)).toBe(LATEST_VERSION);
      // 007: a conversation is a chat unless said otherwise, and only a chat or an evaluation run.
      db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('k', 't', 1, 1)").run();
      expect(db.prepare("SELECT kind FROM conversations WHERE id = 'k'").get()).toEqual({ kind: 'chat' });
      expect(() => db.prepare("INSERT INTO conversations (id, title, created_at, updated_at, kind) VALUES ('k2', 't', 1, 1, 'draft')").run()).toThrow(/CHECK/);
      const names = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").all().map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['conversations', 'messages', 'usage_events', 'settings', 'messages_fts', 'messages_fts_insert', 'messages_fts_delete', 'messages_fts_update']));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
      expect(migrate(db)).toEqual([]); // idempotent
      // CHECK constraints hold even for writes that bypass the repositories.
      db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 't', 1, 1)").run();
      expect(() => db.prepare("INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at) VALUES ('m', 'c', 'system', '', 'complete', 1, 1)").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at) VALUES ('m', 'c', 'user', '', 'done', 1, 1)").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at) VALUES ('m', 'nope', 'user', '', 'complete', 1, 1)").run()).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('has a seed for every earlier version', () => {
    expect(Object.keys(seeds).map(Number)).toEqual(Array.from({ length: LATEST_VERSION - 1 }, (_, i) => i + 1));
  });

  it.each(Array.from({ length: LATEST_VERSION - 1 }, (_, i) => i + 1))('upgrade from version %i keeps the data and the new features work on it', (version) => {
    const { dir, db } = dbAt(version);
    seeds[version]!(db);
    db.close();

    const s = open(dir);
    // 003: nobody ever chose keep_local before escalation existed, so no conversation is kept local.
    expect(s.conversations.list().map((c) => [c.id, c.title, c.keepLocal, c.updatedAt])).toEqual([['c1', 'Old chat', false, 3000]]);
    expect(s.messages.list('c1').map((m) => [m.id, m.role, m.content, m.status])).toEqual([
      ['m1', 'user', 'Where did I put the invoice from Brightwater?', 'complete'],
      ['m2', 'assistant', 'In the blue folder.', 'partial'],
    ]);
    expect(s.usage.list().map((u) => [u.conversationId, u.messageId, u.outcome, u.sampler])).toEqual([['c1', 'm2', 'aborted', null]]);
    // 002: messages written before the index existed are searchable, deleted ones still hidden.
    expect(s.search("what's the Brightwater invoice?").map((h) => h.messageId)).toEqual(['m1']);
    expect(s.search('blue folder').map((h) => h.messageId)).toEqual(['m2']);
    s.conversations.restore('c2');
    expect(s.search('Brightwater').map((h) => h.messageId).sort()).toEqual(['m1', 'm3']);
    // ...and stay in step with new writes.
    s.messages.update('m2', { content: 'In the red folder.', status: 'complete' });
    expect(s.search('blue')).toEqual([]);
    expect(s.search('red').map((h) => h.messageId)).toEqual(['m2']);
    // 002: settings.
    expect(s.settings.get()).toEqual({ ...DEFAULT_SETTINGS, ...(version >= 2 ? { contextSize: 2048 } : {}) });
    expect(s.settings.update({ threads: 2 }).threads).toBe(2);
    // 003: old usage rows read as local, unexplained, not estimated; the new features work.
    expect(s.usage.list().map((u) => [u.reason, u.usageEstimated, u.provider])).toEqual([[null, false, null]]);
    expect(s.messages.get('m2').escalation).toBeNull();
    s.labels.setThumb('m2', 'thumbs-up');
    expect(s.labels.list('m2').map((l) => l.kind)).toEqual(['thumbs-up']);
    expect(s.conversations.setKeepLocal('c1', true).keepLocal).toBe(true);
    expect(s.usage.cloudSpendSince(0)).toBe(0);
    // 005: old messages have no task; documents can be attached and searched.
    expect(s.messages.get('m1').task).toBeNull();
    s.documents.createFile({ sha256: 'f'.repeat(64), kind: 'txt', sizeBytes: 5, storedName: 'f.txt' });
    const doc = s.documents.create({ conversationId: 'c1', name: 'a.txt', sizeBytes: 5, kind: 'txt', sha256: 'f'.repeat(64), status: 'queued' });
    s.documents.appendChunks('f'.repeat(64), [{ pageStart: null, pageEnd: null, heading: null, text: 'Brightwater invoice' }], {
      cursor: 5,
      progress: { done: 5, total: 5, unit: 'bytes' },
    });
    expect(s.documents.search(['f'.repeat(64)], 'invoice', 5)).toHaveLength(1);
    expect(s.documents.list('c1').map((d) => d.id)).toEqual([doc.id]);
    // 006: no models yet; files, downloads and tunings can be recorded.
    expect(s.models.files()).toEqual([]);
    s.models.addFile({ id: 'a.gguf', name: 'A', sizeBytes: 9, source: 'import', catalogId: null, sha256: null });
    s.models.saveDownload({ catalogId: 'x', fileName: 'x.gguf', url: 'http://h/x.gguf', totalBytes: 10, state: 'paused' });
    const tuning = { threads: 2, batchSize: 256, tokensPerSecond: 30, trials: [{ threads: 2, tokensPerSecond: 30 }], tunedAt: 5 };
    s.models.saveTuning('a.gguf:9', 'machine', tuning);
    expect([s.models.files().map((f) => f.id), s.models.downloads().map((d) => d.state), s.models.tuning('a.gguf:9', 'machine')]).toEqual([['a.gguf'], ['paused'], tuning]);
    expect(s.models.tuning('a.gguf:9', 'other machine')).toBeNull();
    // 007: every earlier conversation is a chat; an evaluation run's conversation holds usage rows
    // but stays out of the list and search, and is found again by its title.
    const run = s.conversations.evalConversation('Evaluation: tasks.jsonl');
    expect(s.conversations.evalConversation('Evaluation: tasks.jsonl').id).toBe(run.id);
    expect(s.conversations.evalConversation('Evaluation: other.jsonl').id).not.toBe(run.id);
    s.messages.insert({ conversationId: run.id, role: 'user', content: 'Brightwater evaluation prompt', status: 'complete' });
    s.usage.insert({ ...s.usage.list()[0]!, conversationId: run.id, messageId: null, reason: 'evaluation run' });
    expect(s.conversations.list().map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(s.search('Brightwater').map((h) => h.conversationId).sort()).toEqual(['c1', 'c2']);
    expect(s.usage.list({ conversationId: run.id }).map((u) => u.reason)).toEqual(['evaluation run']);
    s.close();
    const check = new Database(path.join(dir, DB_FILE), { readonly: true });
    expect(schemaVersion(check)).toBe(LATEST_VERSION);
    check.close();
  });

  it('refuses a database from a newer Modest, clearly, and does not keep the folder locked', () => {
    const { dir, db } = dbAt(LATEST_VERSION);
    db.pragma(`user_version = ${LATEST_VERSION + 7}`);
    db.close();
    const e = expectCode(() => openStorage(dir), 'INTERNAL');
    expect(e.message).toMatch(/from a newer Modest/);
    // Still INTERNAL, not DATA_DIR_LOCKED: the failed open let go of the lock.
    expectCode(() => openStorage(dir), 'INTERNAL');
  });

  it('applies each migration atomically: a failing one leaves the previous version intact', () => {
    const { db } = dbAt(LATEST_VERSION);
    const broken = [...MIGRATIONS, { version: LATEST_VERSION + 1, name: 'broken', sql: 'CREATE TABLE half_done (x); SELECT * FROM no_such_table;' }];
    expect(() => migrate(db, { migrations: broken })).toThrow(/no_such_table/);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('reports a damaged database file clearly', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, DB_FILE), Buffer.alloc(8192, 'not a database '));
    const e = expectCode(() => openStorage(dir), 'INTERNAL');
    expect(e.message).toMatch(/damaged or is not a Modest database/);
    expectCode(() => openStorage(dir), 'INTERNAL');
  });
});
