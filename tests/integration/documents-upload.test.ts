import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_PATH, type DocumentInfo } from '../../app/contract/index.js';
import { startHttpServer, type RunningServer } from '../../app/server/serve.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { leasePdf } from '../helpers/lease.js';
import { tinyModel } from '../helpers/models.js';

/** The browser mode's upload: a real HTTP server, bodies streamed by fetch, the file never held whole. */
let dataDir: string;
let core: Core;
let server: RunningServer;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-upload-'));
  const storage = openStorage(dataDir);
  storage.settings.update({ contextSize: 1024, sequences: 2, threads: 1 });
  core = createCore(storage);
  await core.api.calls.loadModel({ path: (await tinyModel('confident')).path });
  server = await startHttpServer({ api: core.api, upload: core.upload });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await core?.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function upload(conversationId: string, name: string, body: BodyInit, token = server.token): Promise<Response> {
  const query = new URLSearchParams({ conversationId, name });
  return fetch(`http://127.0.0.1:${server.port}${UPLOAD_PATH}?${query.toString()}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
    body,
    duplex: 'half',
  } as RequestInit);
}

async function settled(id: string, timeoutMs = 120_000): Promise<DocumentInfo> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = core.documents.get(id);
    if (d.status !== 'queued' && d.status !== 'indexing') return d;
    if (Date.now() > until) throw new Error(`still ${d.status}: ${JSON.stringify(d.progress)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('upload over HTTP', () => {
  it('streams a PDF into the data folder and indexes it', async () => {
    const conv = core.storage.conversations.create();
    const res = await upload(conv.id, 'lease.pdf', Buffer.from(await leasePdf(6)));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as DocumentInfo;
    expect(doc).toMatchObject({ name: 'lease.pdf', kind: 'pdf', conversationId: conv.id });
    expect(await settled(doc.id)).toMatchObject({ status: 'ready', pages: 6 });
    const stored = fs.readdirSync(path.join(dataDir, 'documents'));
    expect(stored).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.pdf$/)]);
  });

  it('refuses what it cannot take, clearly, and stores nothing of it', async () => {
    const conv = core.storage.conversations.create();
    const before = fs.readdirSync(path.join(dataDir, 'documents')).length;
    const exe = await upload(conv.id, 'setup.exe', Buffer.from('MZ....'));
    expect(exe.status).toBe(200);
    expect(await exe.json()).toMatchObject({ status: 'error', error: { code: 'DOC_UNSUPPORTED' } });
    const noToken = await upload(conv.id, 'a.txt', 'hello', 'wrong-token');
    expect(noToken.status).toBe(401);
    const noName = await fetch(`http://127.0.0.1:${server.port}${UPLOAD_PATH}?conversationId=${conv.id}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}` },
      body: 'x',
    });
    expect(noName.status).toBe(400);
    expect(((await noName.json()) as { error: { message: string } }).error.message).toMatch(/name/i);
    const gone = await upload('no-such-conversation', 'a.txt', 'hello');
    expect(gone.status).toBe(404);
    expect(fs.readdirSync(path.join(dataDir, 'documents')).length).toBe(before);
  });

  /**
   * Uploads `mb` megabytes of generated text from a child process (so this process's memory is
   * the server's alone), and waits until it is indexed.
   */
  async function uploadText(mb: number): Promise<{ doc: DocumentInfo; last: number }> {
    const conv = core.storage.conversations.create();
    const query = new URLSearchParams({ conversationId: conv.id, name: `ledger-${mb}.txt` });
    const client = `
      const http = require('node:http');
      const size = ${mb} * 1024 * 1024;
      let sent = 0, i = 0;
      const req = http.request({ host: '127.0.0.1', port: ${server.port}, method: 'POST', path: ${JSON.stringify(`${UPLOAD_PATH}?${query.toString()}`)},
        headers: { Authorization: 'Bearer ${server.token}', 'Content-Type': 'application/octet-stream' } }, (res) => {
        let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => { process.stdout.write(JSON.stringify({ status: res.statusCode, body, sent, last: i - 1 })); });
      });
      const pump = () => {
        while (sent < size) {
          let c = ''; while (c.length < 1 << 20) c += 'Paragraph ' + (i++) + ': the quarterly ledger lists harbor fees, lantern repairs and window glass for the north wing.\\n\\n';
          const b = Buffer.from(c); sent += b.length;
          if (!req.write(b)) return req.once('drain', pump);
        }
        req.end();
      };
      pump();`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', client], { maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    const r = JSON.parse(out) as { status: number; body: string; sent: number; last: number };
    expect(r.status).toBe(200);
    const doc = JSON.parse(r.body) as DocumentInfo;
    expect(doc.sizeBytes).toBe(r.sent);
    return { doc: await settled(doc.id, 600_000), last: r.last };
  }

  // Peak RSS of three V8 heaps is noisy on a loaded 2-core machine (one CI run saw a 232 MB
  // spike where runs alone see under 20): one more try. A file held whole fails both.
  it('takes a 200 MB text file as a stream: memory does not grow with the file, and all of it is indexed', { timeout: 900_000, retry: 1 }, async () => {
    const measure = async (mb: number) => {
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      try {
        const r = await uploadText(mb);
        return { ...r, growth: peak - before };
      } finally {
        clearInterval(sampler);
      }
    };
    // A small file first: what any indexing run costs (the extraction worker, caches) whatever the size.
    const small = await measure(10);
    const big = await measure(200);
    expect(small.doc.status).toBe('ready');
    expect(big.doc.status).toBe('ready');
    expect(big.doc.chunks).toBeGreaterThan(100_000);
    // Both ends of the big file made it into the index.
    const sha = core.storage.documents.get(big.doc.id).sha256!;
    for (const n of [1, big.last]) {
      const hits = core.storage.documents.search([sha], String(n), 5);
      expect(hits.map((h) => h.text.includes(`Paragraph ${n}:`))).toEqual([true]);
    }
    // 20 times the data adds well under the file's 200 MB: nothing holds the file whole (what growth
    // there is, is garbage the three threads' collectors have not reclaimed yet).
    console.log(`RSS growth: 10 MB file ${(small.growth / 1e6).toFixed(0)} MB, 200 MB file ${(big.growth / 1e6).toFixed(0)} MB`);
    expect(big.growth - small.growth).toBeLessThan(150 * 1024 * 1024);
  });
});
