import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogEntry, Download } from '../../app/contract/index.js';
import { PARTIAL_SUFFIX } from '../../app/models/index.js';
import { createEnvKeyStore } from '../../app/secrets/index.js';
import { createCore, type Core, type CoreOptions } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { tinyEntry, writeCatalog } from '../helpers/catalog.js';
import { startRangeServer, type RangeServer } from '../helpers/range-server.js';

/**
 * Downloads through the core against a real HTTP server on 127.0.0.1 that speaks Range requests
 * like the Hugging Face CDN, with node-llama-cpp's real downloader, a real SQLite file and the
 * real checks afterwards. The served model is a generated 33 MB GGUF: 7 of the downloader's 5 MB
 * chunks, so a pause or a kill lands mid-file.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
let server: RangeServer;
let entry: CatalogEntry;
const cores: Core[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  server = await startRangeServer();
  entry = await tinyEntry(server);
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const c of cores.splice(0)) await c.shutdown();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  server.rate = 0;
  server.hang = false;
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-dl-'));
  dirs.push(d);
  return d;
}

function makeCore(models: CatalogEntry[], opts: Partial<CoreOptions['models']> = {}, extra: Partial<CoreOptions> = {}, dir = tempDir()) {
  const catalogFile = writeCatalog(dir, models);
  const core = createCore(openStorage(path.join(dir, 'data')), { ...extra, models: { catalogFile, endpoint: server.url, stallMs: 10_000, ...opts } });
  cores.push(core);
  return { core, dir, modelsDir: path.join(dir, 'data', 'models') };
}

async function statusOf(core: Core, id: string): Promise<Download | null> {
  return (await core.api.calls.getModels({})).catalog.find((c) => c.entry.id === id)?.download ?? null;
}

async function waitFor(core: Core, id: string, until: (d: Download) => boolean, seen: Download[] = [], timeoutMs = 60_000): Promise<Download> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const d = await statusOf(core, id);
    if (d) seen.push(d);
    if (d && until(d)) return d;
    if (Date.now() > end) throw new Error(`timed out; last status ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settled = (d: Download) => d.state === 'done' || d.state === 'error';

/**
 * The downloader writes whole 5 MB chunks, spread over parallel connections, so bytes received
 * are not yet bytes saved: wait until the partial file holds saved chunks and most bytes are in.
 */
async function waitForSavedChunks(core: Core, id: string, modelsDir: string): Promise<void> {
  const partial = path.join(modelsDir, entry.file + PARTIAL_SUFFIX);
  await waitFor(core, id, (d) => d.downloadedBytes >= 20 * 1024 * 1024 && fs.existsSync(partial));
}

describe('model downloads', () => {
  it('reports progress, checks the file and installs it; the model then loads', async () => {
    server.rate = 2_000_000;
    const { core, modelsDir } = makeCore([entry]);
    const first = await core.api.calls.downloadModel({ catalogId: 'tiny' });
    expect(first.state).toBe('downloading');
    const seen: Download[] = [];
    const done = await waitFor(core, 'tiny', settled, seen);
    expect(done).toMatchObject({ state: 'done', downloadedBytes: entry.sizeBytes, totalBytes: entry.sizeBytes, error: null });

    const partial = seen.filter((d) => d.state === 'downloading' && d.downloadedBytes > 0 && d.downloadedBytes < entry.sizeBytes);
    expect(new Set(partial.map((d) => d.downloadedBytes)).size).toBeGreaterThan(2);
    const bytes = seen.map((d) => d.downloadedBytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(partial.some((d) => d.bytesPerSecond > 0 && d.secondsLeft !== null)).toBe(true);

    const overview = await core.api.calls.getModels({});
    expect(overview.installed).toEqual([expect.objectContaining({ id: entry.file, source: 'catalog', catalogId: 'tiny', sizeBytes: entry.sizeBytes })]);
    expect(overview.catalog[0]!.installedId).toBe(entry.file);
    expect(fs.readdirSync(modelsDir)).toEqual([entry.file]);

    const state = await core.api.calls.loadModel({ path: overview.installed[0]!.path });
    expect(state.state).toBe('ready');
  });

  it('pauses with the partial file kept, and resumes from it with Range requests', async () => {
    server.rate = 1_500_000;
    const { core, modelsDir } = makeCore([entry]);
    await core.api.calls.downloadModel({ catalogId: 'tiny' });
    await waitForSavedChunks(core, 'tiny', modelsDir);
    const paused = await core.api.calls.pauseDownload({ catalogId: 'tiny' });
    expect(paused.state).toBe('paused');
    const partialFile = path.join(modelsDir, entry.file + PARTIAL_SUFFIX);
    expect(fs.existsSync(partialFile)).toBe(true);
    expect(fs.existsSync(path.join(modelsDir, entry.file))).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect((await statusOf(core, 'tiny'))?.state).toBe('paused');

    server.rate = 0;
    const sentBefore = server.bytesSent;
    const requestsBefore = server.requests.length;
    await core.api.calls.downloadModel({ catalogId: 'tiny' });
    expect(await waitFor(core, 'tiny', settled)).toMatchObject({ state: 'done' });
    // The chunks saved before the pause were not fetched again.
    expect(server.bytesSent - sentBefore).toBeLessThanOrEqual(entry.sizeBytes - 5 * 1024 * 1024);
    const resumed = server.requests.slice(requestsBefore).filter((r) => r.range && !r.range.startsWith('bytes=0-'));
    expect(resumed.length).toBeGreaterThan(0);
    expect(fs.existsSync(partialFile)).toBe(false);
  });

  it('resumes after the process is killed mid-download, at the next start', async () => {
    const dir = tempDir();
    const catalogFile = writeCatalog(dir, [entry]);
    const dataDir = path.join(dir, 'data');
    server.rate = 1_500_000;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/helpers/download-child.ts'), dataDir, catalogFile, server.url], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('"progress"')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const partialFile = path.join(dataDir, 'models', entry.file + PARTIAL_SUFFIX);
    expect(fs.existsSync(partialFile)).toBe(true);

    server.rate = 0;
    const sentBefore = server.bytesSent;
    const core = createCore(openStorage(dataDir), { models: { catalogFile, endpoint: server.url } });
    cores.push(core);
    // No call: the core resumes what was running when the process died.
    expect(await waitFor(core, 'tiny', settled)).toMatchObject({ state: 'done' });
    expect(server.bytesSent - sentBefore).toBeLessThanOrEqual(entry.sizeBytes - 5 * 1024 * 1024);
    expect((await core.api.calls.getModels({})).installed.map((m) => m.id)).toEqual([entry.file]);
  });

  it('cancel stops the download and deletes the partial file', async () => {
    server.rate = 1_000_000;
    const { core, modelsDir } = makeCore([entry]);
    await core.api.calls.downloadModel({ catalogId: 'tiny' });
    await waitFor(core, 'tiny', (d) => d.downloadedBytes >= 6 * 1024 * 1024);
    await core.api.calls.cancelDownload({ catalogId: 'tiny' });
    expect(await statusOf(core, 'tiny')).toBeNull();
    expect(fs.readdirSync(modelsDir)).toEqual([]);
    expect(core.storage.models.downloads()).toEqual([]);
  });

  it('a pause after a restart is still a pause, and cancel then removes the partial file', async () => {
    server.rate = 1_500_000;
    const dir = tempDir();
    const first = makeCore([entry], {}, {}, dir);
    await first.core.api.calls.downloadModel({ catalogId: 'tiny' });
    await waitForSavedChunks(first.core, 'tiny', first.modelsDir);
    await first.core.api.calls.pauseDownload({ catalogId: 'tiny' });
    await first.core.shutdown();
    cores.splice(cores.indexOf(first.core), 1);

    const core = createCore(openStorage(path.join(dir, 'data')), { models: { catalogFile: path.join(dir, 'catalog.json'), endpoint: server.url } });
    cores.push(core);
    const d = await waitFor(core, 'tiny', () => true);
    expect(d.state).toBe('paused');
    expect(d.downloadedBytes).toBeGreaterThan(0);
    await core.api.calls.cancelDownload({ catalogId: 'tiny' });
    expect(fs.readdirSync(first.modelsDir)).toEqual([]);
  });

  it('a file whose checksum does not match is deleted, and the error says so', async () => {
    const bad = { ...entry, id: 'bad-sha', sha256: '0'.repeat(64) };
    const { core, modelsDir } = makeCore([bad]);
    await core.api.calls.downloadModel({ catalogId: 'bad-sha' });
    const d = await waitFor(core, 'bad-sha', settled);
    expect(d.state).toBe('error');
    expect(d.error).toMatchObject({ code: 'DOWNLOAD_CHECKSUM_MISMATCH', message: expect.stringMatching(/sha256 .* not the published 000000000000…, so it was deleted/) });
    expect(fs.readdirSync(modelsDir)).toEqual([]);
    expect((await core.api.calls.getModels({})).installed).toEqual([]);
  });

  it('a size the server contradicts stops before any byte is written', async () => {
    const bad = { ...entry, id: 'bad-size', sizeBytes: entry.sizeBytes + 1 };
    const { core, modelsDir } = makeCore([bad]);
    await expect(core.api.calls.downloadModel({ catalogId: 'bad-size' })).rejects.toMatchObject({
      code: 'DOWNLOAD_SIZE_MISMATCH',
      message: expect.stringContaining(`offers ${entry.sizeBytes.toLocaleString('en-US')} bytes`),
    });
    expect(fs.readdirSync(modelsDir)).toEqual([]);
    expect((await statusOf(core, 'bad-size'))?.error?.code).toBe('DOWNLOAD_SIZE_MISMATCH');
  });

  it('refuses when the disk is too full, saying how much is needed and free', async () => {
    const { core, modelsDir } = makeCore([entry], { freeDisk: async () => 10 * 1024 * 1024 });
    await expect(core.api.calls.downloadModel({ catalogId: 'tiny' })).rejects.toMatchObject({
      code: 'DISK_FULL',
      message: expect.stringMatching(/needs 0\.2\d GB .* only 0\.01 GB is free/),
    });
    expect(fs.readdirSync(modelsDir)).toEqual([]);
  });

  it('a 404 says the file is not there', async () => {
    const missing = { ...entry, id: 'missing', file: 'not-there.gguf' };
    const { core } = makeCore([missing]);
    await expect(core.api.calls.downloadModel({ catalogId: 'missing' })).rejects.toMatchObject({
      code: 'DOWNLOAD_NOT_FOUND',
      message: expect.stringContaining('/resolve/main/not-there.gguf (404)'),
    });
  });

  it('an unreachable server fails fast with a clear error', async () => {
    const closed = await startRangeServer();
    const url = closed.url;
    await closed.close();
    const { core } = makeCore([entry], { endpoint: url });
    const t0 = Date.now();
    await expect(core.api.calls.downloadModel({ catalogId: 'tiny' })).rejects.toMatchObject({
      code: 'DOWNLOAD_UNREACHABLE',
      message: expect.stringMatching(/cannot be reached \(ECONNREFUSED\)\. Check your internet connection/),
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a connection that goes silent pauses with DOWNLOAD_STALLED, and Resume finishes it', async () => {
    server.rate = 1_500_000;
    const { core, modelsDir } = makeCore([entry], { stallMs: 1500 });
    await core.api.calls.downloadModel({ catalogId: 'tiny' });
    await waitForSavedChunks(core, 'tiny', modelsDir);
    server.hang = true;
    const d = await waitFor(core, 'tiny', settled);
    expect(d.error?.code).toBe('DOWNLOAD_STALLED');
    expect(fs.existsSync(path.join(modelsDir, entry.file + PARTIAL_SUFFIX))).toBe(true);
    server.hang = false;
    server.rate = 0;
    await core.api.calls.downloadModel({ catalogId: 'tiny' });
    expect(await waitFor(core, 'tiny', (x) => x.state === 'done' || (x.state === 'error' && x.error?.code !== 'DOWNLOAD_STALLED'))).toMatchObject({ state: 'done' });
  });

  it('gated models need the license accepted and a token, which is sent only to them', async () => {
    const gated = { ...entry, id: 'gated', gated: true, file: 'gated.gguf' };
    await tinyEntry(server, gated);
    server.files.get(`/${entry.repo}/resolve/main/gated.gguf`)!.token = 'hf_goodtoken123';

    const none = makeCore([gated], {}, { keys: createEnvKeyStore('test', {}) }).core;
    await expect(none.api.calls.downloadModel({ catalogId: 'gated' })).rejects.toMatchObject({ code: 'LICENSE_NOT_ACCEPTED' });
    await expect(none.api.calls.downloadModel({ catalogId: 'gated', acceptLicense: true })).rejects.toMatchObject({ code: 'HF_TOKEN_REQUIRED' });

    const wrong = makeCore([gated], {}, { keys: createEnvKeyStore('test', { HF_TOKEN: 'hf_wrongtoken' }) }).core;
    await expect(wrong.api.calls.downloadModel({ catalogId: 'gated', acceptLicense: true })).rejects.toMatchObject({ code: 'DOWNLOAD_DENIED' });

    const good = makeCore([gated, entry], {}, { keys: createEnvKeyStore('test', { HF_TOKEN: 'hf_goodtoken123' }) }).core;
    expect((await good.api.calls.getModels({})).hasHuggingFaceToken).toBe(true);
    const before = server.requests.length;
    await good.api.calls.downloadModel({ catalogId: 'gated', acceptLicense: true });
    expect(await waitFor(good, 'gated', settled)).toMatchObject({ state: 'done' });
    await good.api.calls.downloadModel({ catalogId: 'tiny' });
    expect(await waitFor(good, 'tiny', settled)).toMatchObject({ state: 'done' });
    const after = server.requests.slice(before);
    expect(after.filter((r) => r.path.endsWith('gated.gguf')).every((r) => r.auth === 'Bearer hf_goodtoken123')).toBe(true);
    expect(after.filter((r) => r.path.endsWith(entry.file)).every((r) => r.auth === undefined)).toBe(true);
  });

  it('a download the catalog no longer offers is dropped at start, with its partial file', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const storage = openStorage(dataDir);
    storage.models.saveDownload({ catalogId: 'retired', fileName: 'retired.gguf', url: `${server.url}/x/retired.gguf`, totalBytes: 10, state: 'active' });
    storage.close();
    fs.mkdirSync(path.join(dataDir, 'models'));
    fs.writeFileSync(path.join(dataDir, 'models', `retired.gguf${PARTIAL_SUFFIX}`), 'partial');
    const core = createCore(openStorage(dataDir), { models: { catalogFile: writeCatalog(dir, [entry]), endpoint: server.url } });
    cores.push(core);
    await expect.poll(() => core.storage.models.downloads(), { timeout: 10_000 }).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'models'))).toEqual([]);
  });

  it('an unknown catalog id is refused by name', async () => {
    const { core } = makeCore([entry]);
    await expect(core.api.calls.downloadModel({ catalogId: 'nope' })).rejects.toMatchObject({ code: 'CATALOG_UNKNOWN', message: expect.stringContaining('"nope"') });
  });
});
