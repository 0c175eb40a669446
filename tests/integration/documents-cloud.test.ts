import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent, DocumentInfo, Message, Settings } from '../../app/contract/index.js';
import { createEnvKeyStore } from '../../app/secrets/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { startFakeCloud, type FakeCloud } from '../helpers/fake-cloud.js';
import { leasePdf, RENT_SENTENCE } from '../helpers/lease.js';
import { tinyModel } from '../helpers/models.js';

/**
 * Documents and the cloud: local-only by default, offered (never sent) when a doubtful answer's
 * documents may go, sent only through the preview — even in Auto — and then only the passages the
 * task needed. The doubtful generated model, a real index, the stand-in provider over HTTP.
 */
const KEY = 'sk-test-documents-cloud-1234';
let cloud: FakeCloud;
let doubtful: string;
let dataDir: string;
let filesDir: string;
let core: Core;
const never = new AbortController().signal;

beforeAll(async () => {
  cloud = await startFakeCloud({ apiKey: KEY });
  doubtful = (await tinyModel('low-confidence')).path;
  filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-doc-cloud-files-'));
  fs.writeFileSync(path.join(filesDir, 'lease.pdf'), await leasePdf(12));
});
afterAll(async () => {
  await cloud?.close();
  fs.rmSync(filesDir, { recursive: true, force: true });
});
afterEach(async () => {
  await core?.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(settings: Partial<Settings>): Promise<{ conversationId: string; doc: DocumentInfo }> {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-doc-cloud-'));
  const storage = openStorage(dataDir);
  storage.settings.update({
    contextSize: 1024,
    sequences: 2,
    threads: 1,
    maxReplyTokens: 64,
    cloudBaseUrl: cloud.openaiBaseUrl,
    cloudModel: 'gpt-4.1-mini',
    ...settings,
  });
  core = createCore(storage, { keys: createEnvKeyStore('test', { OPENAI_API_KEY: KEY }) });
  await core.models.load(doubtful, storage.settings.get());
  const conversationId = core.storage.conversations.create().id;
  const doc = await core.api.calls.addDocumentPath({ conversationId, path: path.join(filesDir, 'lease.pdf') });
  for (;;) {
    const d = core.documents.get(doc.id);
    if (d.status === 'ready') return { conversationId, doc: d };
    if (d.status === 'error') throw new Error(d.error?.message);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function ask(conversationId: string, documentId: string): Promise<Message> {
  const events: ChatEvent[] = [];
  for await (const e of await core.api.streams.documentTask({ conversationId, documentIds: [documentId], task: { kind: 'ask', question: 'How much is the monthly rent?' } }, never)) {
    events.push(e);
  }
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error(JSON.stringify(last));
  return last.message;
}

describe('documents and the cloud', () => {
  it('local-only by default: a doubtful answer in Auto is not sent, and says why', async () => {
    const before = cloud.received.length;
    const { conversationId, doc } = await start({ escalationMode: 'auto' });
    const m = await ask(conversationId, doc.id);
    expect(m.escalation).toMatchObject({ state: 'declined', reason: expect.stringMatching(/local token had probability/) });
    expect(m.escalation?.error).toMatch(/stay on this computer/);
    expect(m.task?.cloud).toBeNull();
    await expect(core.api.calls.previewEscalation({ messageId: m.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(cloud.received.length).toBe(before);
  });

  it('allowed for the document: Auto only offers; the preview holds just the retrieved passages; Send uses it', async () => {
    const before = cloud.received.length;
    const { conversationId, doc } = await start({ escalationMode: 'auto' });
    await core.api.calls.setDocumentCloud({ id: doc.id, allowCloud: true });
    const m = await ask(conversationId, doc.id);
    expect(m.escalation).toMatchObject({ state: 'offered' });
    expect(cloud.received.length).toBe(before);

    const preview = await core.api.calls.previewEscalation({ messageId: m.id });
    const sent = preview.turns.map((t) => t.content).join('\n');
    expect(sent).toContain(RENT_SENTENCE);
    expect(sent).toContain('How much is the monthly rent?');
    // Only what retrieval picked, not the whole 12-page document.
    const allText = core.storage.documents.chunks(core.storage.documents.get(doc.id).sha256!).map((c) => c.text).join('\n');
    expect(sent.length).toBeLessThan(allText.length);

    // Without the preview's approval, nothing goes.
    await expect((async () => core.api.streams.escalate({ messageId: m.id }, never))()).rejects.toMatchObject({ code: 'CONFLICT' });
    const events: ChatEvent[] = [];
    for await (const e of await core.api.streams.escalate({ messageId: m.id, approved: { system: preview.system, turns: preview.turns } }, never)) events.push(e);
    const final = events.at(-1);
    expect(final?.type).toBe('done');
    const answered = (final as Extract<ChatEvent, { type: 'done' }>).message;
    expect(answered.content).toBe(cloud.reply);
    expect(answered.escalation).toMatchObject({ state: 'escalated', localDraft: { content: m.content } });
    expect(cloud.received.length).toBe(before + 1);
    const body = JSON.stringify(cloud.received.at(-1)!.body);
    expect(body).toContain('nine hundred euros');
  });

  it('the settings switch allows every document; keep local still wins', async () => {
    const { conversationId, doc } = await start({ escalationMode: 'ask', documentsToCloud: true });
    expect((await ask(conversationId, doc.id)).escalation?.state).toBe('offered');
    core.storage.conversations.setKeepLocal(conversationId, true);
    const kept = await ask(conversationId, doc.id);
    expect(kept.escalation).toBeNull();
    await expect(core.api.calls.previewEscalation({ messageId: kept.id })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
