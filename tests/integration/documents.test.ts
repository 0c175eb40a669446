import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent, DocumentInfo } from '../../app/contract/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import {
  ENCRYPTED_PASSWORD,
  makeEncryptedPdf,
  makeLyingZipBombDocx,
  makeScannedPdf,
  makeTruncatedPdf,
  makeZipBombDocx,
  removeDocsDir,
} from '../helpers/documents.js';
import { leasePdf } from '../helpers/lease.js';
import { tinyModel } from '../helpers/models.js';
import type { TinyModel } from '../../models/tiny-model/index.js';

/**
 * Documents end to end through the core: real files, the real extractors in their worker, a real
 * SQLite index, real llama.cpp on generated models.
 */
let dataDir: string;
let filesDir: string;
let core: Core;
let model: TinyModel;
const never = new AbortController().signal;

async function collect(events: AsyncIterable<ChatEvent> | Promise<AsyncIterable<ChatEvent>>) {
  const out: ChatEvent[] = [];
  for await (const e of await events) out.push(e);
  return out;
}
const done = (events: ChatEvent[]) => {
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error(`expected done, got ${JSON.stringify(last)}`);
  return last.message;
};

async function settled(c: Core, id: string, timeoutMs = 60_000): Promise<DocumentInfo> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = (await c.api.calls.listDocuments({ conversationId: c.storage.documents.get(id).conversationId })).find((x) => x.id === id)!;
    if (d.status !== 'queued' && d.status !== 'indexing') return d;
    if (Date.now() > until) throw new Error(`document ${id} still ${d.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function write(name: string, content: string | Uint8Array): string {
  const p = path.join(filesDir, name);
  fs.writeFileSync(p, content);
  return p;
}

function longText(paragraphs: number): string {
  return Array.from({ length: paragraphs }, (_, i) => `# Section ${i + 1}\n\nParagraph ${i + 1} talks about topic number ${i + 1} at some length so the document is long enough. ${'More words follow here to fill the section. '.repeat(6)}`).join('\n\n');
}

beforeAll(async () => {
  model = await tinyModel('confident');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-docs-'));
  filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-docs-files-'));
  const storage = openStorage(dataDir);
  storage.settings.update({ contextSize: 2048, sequences: 4, threads: 1 });
  core = createCore(storage);
  await core.api.calls.loadModel({ path: model.path });
}, 60_000);

afterAll(async () => {
  await core?.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(filesDir, { recursive: true, force: true });
  await removeDocsDir();
});

describe('intake and index', () => {
  it('indexes a PDF with page numbers and token counts, and reuses the index for the same file', async () => {
    const conv = await core.api.calls.createConversation({});
    const file = write('lease.pdf', await leasePdf(5));
    const first = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: file });
    expect(first).toMatchObject({ name: 'lease.pdf', kind: 'pdf', reused: false });
    expect(['queued', 'indexing']).toContain(first.status);

    const ready = await settled(core, first.id);
    expect(ready).toMatchObject({ status: 'ready', pages: 5, error: null });
    expect(ready.chunks).toBeGreaterThanOrEqual(5);
    expect(ready.tokens).toBeGreaterThan(50);
    const chunks = core.storage.documents.chunks(core.storage.documents.get(first.id).sha256!);
    expect(chunks.find((c) => c.text.includes('nine hundred euros'))).toMatchObject({ pageStart: 3, pageEnd: 3 });

    // The same bytes under another name, in another conversation: ready at once, nothing re-read.
    const other = await core.api.calls.createConversation({});
    const again = await core.api.calls.addDocumentPath({ conversationId: other.id, path: write('copy.pdf', fs.readFileSync(file)) });
    expect(again).toMatchObject({ status: 'ready', reused: true, chunks: ready.chunks, pages: 5 });
    expect(core.storage.documents.chunks(core.storage.documents.get(again.id).sha256!).map((c) => c.id)).toEqual(chunks.map((c) => c.id));
  });

  it('gives each unreadable file its own error chip and keeps working', async () => {
    const conv = await core.api.calls.createConversation({});
    const cases: [string, string | Uint8Array, string][] = [
      ['empty.txt', '', 'DOC_EMPTY'],
      ['program.exe', 'MZ\u0000\u0001', 'DOC_UNSUPPORTED'],
      ['binary.txt', Buffer.from([0, 1, 2, 3, 0, 255, 254, 0, 0, 7]), 'DOC_BINARY'],
      ['broken.pdf', '%PDF-1.7\nthis is not really a pdf', 'DOC_CORRUPT'],
    ];
    const made: [string, string][] = [
      [await makeTruncatedPdf(), 'DOC_CORRUPT'],
      [await makeScannedPdf(), 'DOC_NO_TEXT'],
      [await makeZipBombDocx(), 'DOC_LIMIT'],
      [await makeLyingZipBombDocx(), 'DOC_LIMIT'],
    ];
    const all: [string, string][] = [...cases.map(([name, content, code]): [string, string] => [write(name, content), code]), ...made];
    for (const [file, code] of all) {
      const d = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: file });
      const final = await settled(core, d.id);
      expect(final.status, file).toBe('error');
      expect(final.error?.code, file).toBe(code);
      expect(final.error?.message.length, file).toBeGreaterThan(10);
    }
    await expect(core.api.calls.addDocumentPath({ conversationId: conv.id, path: path.join(filesDir, 'missing.pdf') })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The app still works: a good file after the bad ones indexes normally.
    const good = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: write('notes.md', '# Notes\n\nAll fine here.') });
    expect((await settled(core, good.id)).status).toBe('ready');
    expect((await core.api.calls.listDocuments({ conversationId: conv.id })).map((d) => d.status)).toEqual([...all.map(() => 'error'), 'ready']);
  }, 60_000);

  it('asks for the password of an encrypted PDF, refuses a wrong one, and opens with the right one', async () => {
    const conv = await core.api.calls.createConversation({});
    const d = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: await makeEncryptedPdf() });
    const locked = await settled(core, d.id);
    expect(locked).toMatchObject({ status: 'error', needsPassword: true, error: { code: 'DOC_ENCRYPTED' } });
    await core.api.calls.unlockDocument({ id: d.id, password: 'wrong' });
    expect(await settled(core, d.id)).toMatchObject({ status: 'error', needsPassword: true, error: { code: 'DOC_BAD_PASSWORD' } });
    await core.api.calls.unlockDocument({ id: d.id, password: ENCRYPTED_PASSWORD });
    expect(await settled(core, d.id)).toMatchObject({ status: 'ready', needsPassword: false, error: null });
    // The password is not kept anywhere on disk.
    const db = fs.readFileSync(path.join(dataDir, 'modest.db')).toString('latin1') + (fs.existsSync(path.join(dataDir, 'modest.db-wal')) ? fs.readFileSync(path.join(dataDir, 'modest.db-wal')).toString('latin1') : '');
    expect(db.includes(ENCRYPTED_PASSWORD)).toBe(false);
    await expect(core.api.calls.unlockDocument({ id: d.id, password: 'x' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('re-counts only tokens when another tokenizer is loaded', async () => {
    const conv = await core.api.calls.createConversation({});
    const d = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: write('story.md', longText(6)) });
    const ready = await settled(core, d.id);
    const sha = core.storage.documents.get(d.id).sha256!;
    const before = core.storage.documents.chunks(sha);
    const firstTokenizer = core.models.current!.tokenizerId;

    const other = await tinyModel('big-vocab');
    await core.api.calls.loadModel({ path: other.path });
    const secondTokenizer = core.models.current!.tokenizerId;
    expect(secondTokenizer).not.toBe(firstTokenizer);
    try {
      const again = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: write('story-again.md', longText(6)) });
      expect(again.reused).toBe(true);
      // Counting for the new tokenizer runs in the background; chunks stay exactly the same rows.
      const until = Date.now() + 20_000;
      let tokens: number | null = null;
      while (tokens === null && Date.now() < until) {
        tokens = (await core.api.calls.listDocuments({ conversationId: conv.id })).find((x) => x.id === again.id)!.tokens;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(tokens).not.toBeNull();
      expect(core.storage.documents.chunks(sha)).toEqual(before);
      // Counted again for the new tokenizer; the first tokenizer's counts are kept for switching back.
      expect(core.storage.documents.tokenTotal(sha, secondTokenizer)).toBe(tokens);
      expect(core.storage.documents.tokenTotal(sha, firstTokenizer)).toBe(ready.tokens);
    } finally {
      await core.api.calls.loadModel({ path: model.path });
    }
  }, 60_000);

  it('cancels, then resumes where it stopped — also after a restart', async () => {
    const conv = await core.api.calls.createConversation({});
    // ~40 MB of text: long enough to cancel in the middle of.
    const big = write('big.txt', longText(200).repeat(200));
    const d = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: big });
    const sha = core.storage.documents.get(d.id).sha256!;
    const until = Date.now() + 30_000;
    while ((core.storage.documents.file(sha)?.progress.done ?? 0) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    const cancelled = await core.api.calls.cancelDocument({ id: d.id });
    const afterCancel = await settled(core, d.id);
    expect(afterCancel.status).toBe('cancelled');
    const cursor = core.storage.documents.file(sha)!.cursor;
    expect(cursor).toBeGreaterThan(0);
    expect(cancelled.id).toBe(d.id);

    // Resume in a fresh core on the same data folder, as after quitting mid-way.
    await core.api.calls.retryDocument({ id: d.id });
    await core.shutdown();
    const storage = openStorage(dataDir);
    core = createCore(storage);
    await core.api.calls.loadModel({ path: model.path });
    const resumed = await settled(core, d.id, 120_000);
    expect(resumed.status).toBe('ready');

    // The same text as indexing the file in one go: nothing lost or read twice at the seam.
    const storage2 = core.storage;
    const flat = (texts: string[]) => texts.join(' ').replace(/\s+/g, ' ');
    const resumedTexts = storage2.documents.chunks(sha).map((c) => c.text);
    const conv2 = await core.api.calls.createConversation({});
    const fresh = await core.api.calls.addDocumentPath({ conversationId: conv2.id, path: write('big-copy.txt', fs.readFileSync(big, 'utf8') + '\n') });
    await settled(core, fresh.id, 120_000);
    const freshTexts = storage2.documents.chunks(storage2.documents.get(fresh.id).sha256!).map((c) => c.text);
    expect(flat(resumedTexts)).toBe(flat(freshTexts));
  }, 240_000);
});

describe('tasks', () => {
  let conversationId: string;
  let pdfId: string;

  beforeAll(async () => {
    conversationId = (await core.api.calls.createConversation({})).id;
    const d = await core.api.calls.addDocumentPath({ conversationId, path: write('lease-tasks.pdf', await leasePdf(4)) });
    pdfId = d.id;
    expect((await settled(core, d.id)).status).toBe('ready');
  }, 60_000);

  it('Ask retrieves the right page, answers, and logs the call', async () => {
    const events = await collect(
      core.api.streams.documentTask({ conversationId, documentIds: [pdfId], task: { kind: 'ask', question: 'How much is the monthly rent?' } }, never),
    );
    const answer = done(events);
    expect(answer.status).toBe('complete');
    expect(answer.content).toBe(model.expectedReply);
    expect(answer.task?.kind).toBe('ask');
    expect(answer.task?.sources[0]).toMatchObject({ label: 'p. 3', page: 3 });
    const passage = await core.api.calls.getPassage({ chunkId: answer.task!.sources[0]!.chunkId });
    expect(passage).toMatchObject({ documentName: 'lease-tasks.pdf', pageStart: 3 });
    expect(passage.text).toContain('nine hundred euros');
    const usage = core.storage.usage.list({ conversationId }).filter((u) => u.messageId === answer.id);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ route: 'local', reason: 'document question', outcome: 'ok' });
  });

  it('Summarize runs map-reduce over parallel sequences when the document does not fit', async () => {
    const conv = await core.api.calls.createConversation({});
    const d = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: write('long.md', longText(60)) });
    const ready = await settled(core, d.id);
    expect(ready.tokens).toBeGreaterThan(2048);
    const events = await collect(core.api.streams.documentTask({ conversationId: conv.id, documentIds: [d.id], task: { kind: 'summarize' } }, never));
    const summary = done(events);
    expect(summary.status).toBe('complete');
    const parts = summary.task!.parts!;
    expect(parts).toBeGreaterThan(1);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(parts + 1);
    expect(progress.at(-1)).toMatchObject({ label: 'Writing the summary' });
    const reasons = core.storage.usage.list({ conversationId: conv.id }).map((u) => u.reason);
    expect(reasons.filter((r) => r?.startsWith('document summary: part'))).toHaveLength(parts);
    expect(reasons).toContain('document summary: final');
  }, 120_000);

  it('combines part summaries in rounds when even they do not fit one prompt', async () => {
    // A model that never stops fills every part summary to its limit, in a small context.
    const endless = await tinyModel('never-stopping');
    await core.api.calls.updateSettings({ contextSize: 512, maxReplyTokens: 64 });
    await core.api.calls.loadModel({ path: endless.path });
    try {
      const conv = await core.api.calls.createConversation({});
      const d = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: write('rounds.md', longText(40)) });
      await settled(core, d.id);
      const events = await collect(core.api.streams.documentTask({ conversationId: conv.id, documentIds: [d.id], task: { kind: 'summarize' } }, never));
      const summary = done(events);
      const failed = core.storage.usage.list({ conversationId: conv.id }).filter((u) => u.outcome === 'error');
      expect(failed.map((u) => `${u.reason}: ${u.error}`)).toEqual([]);
      expect(events.filter((e) => e.type === 'error')).toEqual([]);
      expect(summary.status).toBe('complete');
      const reasons = core.storage.usage.list({ conversationId: conv.id }).map((u) => u.reason);
      expect(reasons).toContain('document summary: combining parts');
      expect(reasons.at(-1)).toBe('document summary: final');
    } finally {
      await core.api.calls.updateSettings({ contextSize: 2048, maxReplyTokens: 1024 });
      await core.api.calls.loadModel({ path: model.path });
    }
  }, 180_000);

  it('Extract returns schema-valid JSON as a table row', async () => {
    const events = await collect(
      core.api.streams.documentTask({ conversationId, documentIds: [pdfId], task: { kind: 'extract', fields: ['rent', 'tenant'] } }, never),
    );
    const result = done(events);
    expect(result.status).toBe('complete');
    expect(result.task?.extraction?.columns).toEqual(['rent', 'tenant']);
    const row = result.task!.extraction!.rows[0]!;
    expect(Object.keys(row)).toEqual(['rent', 'tenant']);
    for (const v of Object.values(row)) expect(typeof v).toBe('string');
    expect(result.content.split('\n')[0]).toBe('| rent | tenant |');
  }, 60_000);

  it('refuses bad task input before writing anything', async () => {
    const before = (await core.api.calls.getMessages({ conversationId })).length;
    await expect(
      core.api.streams.documentTask({ conversationId, documentIds: [pdfId], task: { kind: 'extract', schema: '{"type":"object","properties":{"a":{"$ref":"#"}}}' } }, never),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const other = await core.api.calls.createConversation({});
    await expect(core.api.streams.documentTask({ conversationId: other.id, documentIds: [pdfId], task: { kind: 'summarize' } }, never)).rejects.toMatchObject({
      code: 'DOC_NOT_FOUND',
    });
    expect((await core.api.calls.getMessages({ conversationId })).length).toBe(before);
  });

  it('a chat message in a conversation with documents is answered from them', async () => {
    const events = await collect(core.api.streams.sendMessage({ conversationId, text: 'When is the rent due?' }, never));
    const answer = done(events);
    expect(answer.task).toMatchObject({ kind: 'ask', documentIds: [pdfId] });
    expect(answer.task!.sources.map((s) => s.page)).toContain(3);
    await expect((async () => core.api.streams.regenerate({ messageId: answer.id }, never))()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const summary = done(await collect(core.api.streams.sendMessage({ conversationId, text: 'Summarize it please' }, never)));
    expect(summary.task?.kind).toBe('summarize');
    expect(summary.task?.parts).toBeNull();
  }, 60_000);

  it('Stop ends a summary as partial and frees the conversation', async () => {
    const conv = await core.api.calls.createConversation({});
    const d = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: write('long2.md', longText(80)) });
    await settled(core, d.id);
    const events: ChatEvent[] = [];
    for await (const e of await core.api.streams.documentTask({ conversationId: conv.id, documentIds: [d.id], task: { kind: 'summarize' } }, never)) {
      events.push(e);
      if (e.type === 'progress' && e.done === 1) await core.api.calls.stopGeneration({ messageId: e.messageId });
    }
    const m = done(events);
    expect(m.status).toBe('partial');
    expect(core.tasks.activeGenerations()).toEqual([]);
  }, 120_000);
});
