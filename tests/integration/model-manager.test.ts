import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine } from '../../app/inference/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { makeBadModel } from '../../models/tiny-model/index.js';
import { writeCatalog } from '../helpers/catalog.js';
import { tinyModel } from '../helpers/models.js';

/**
 * The models folder through the core: importing local files (checked first, linked in), listing,
 * deleting, and the measured thread choice stored per model and machine. Real files, real SQLite,
 * real llama.cpp on a generated model.
 */
let dir: string;
let core: Core;
let modelsDir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-models-'));
  const confident = await tinyModel('confident');
  const catalogFile = writeCatalog(dir, [
    {
      id: 'tiny',
      name: 'Tiny',
      description: 'Generated.',
      paramsB: 0.01,
      repo: 'modest-tests/tiny-GGUF',
      file: 'tiny.gguf',
      revision: 'main',
      sizeBytes: confident.sizeBytes,
      sha256: null,
      quant: 'F16',
      contextLength: 2048,
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
      gated: false,
      memoryBytes: 100 * 1024 * 1024,
    },
  ]);
  core = createCore(openStorage(path.join(dir, 'data')), { models: { catalogFile, endpoint: 'http://127.0.0.1:9' } });
  modelsDir = path.join(dir, 'data', 'models');
});

afterAll(async () => {
  await core.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('importing a local model', () => {
  it('a bad file gets its specific error, and nothing enters the models folder', async () => {
    const bad = path.join(dir, 'bad');
    fs.mkdirSync(bad);
    const cases: [string, string, RegExp][] = [
      [await makeBadModel('not-gguf', bad), 'MODEL_NOT_GGUF', /is not a GGUF model/],
      [await makeBadModel('truncated', bad), 'MODEL_TRUNCATED', /incomplete/],
      [await makeBadModel('unsupported-arch', bad), 'MODEL_UNSUPPORTED_ARCH', /architecture/],
      [await makeBadModel('empty', bad), 'MODEL_NOT_GGUF', /GGUF/],
      [path.join(dir, 'missing.gguf'), 'MODEL_NOT_FOUND', /There is no file at/],
      [bad, 'MODEL_NOT_A_FILE', /is a folder/],
    ];
    for (const [file, code, message] of cases) {
      await expect(core.api.calls.importModel({ path: file }), file).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    expect(fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir) : []).toEqual([]);
    expect((await core.api.calls.getModels({})).installed).toEqual([]);
  });

  it('a good file is linked in, listed with its size, and a second with the same name gets its own', async () => {
    const model = await tinyModel('confident');
    const imported = await core.api.calls.importModel({ path: model.path });
    expect(imported).toMatchObject({ id: path.basename(model.path), source: 'import', catalogId: null, sizeBytes: model.sizeBytes, loaded: false, tuning: null });
    expect(imported.path).toBe(path.join(modelsDir, path.basename(model.path)));
    expect(fs.statSync(imported.path).ino).toBe(fs.statSync(model.path).ino); // a hard link: no second copy

    const other = path.join(dir, 'elsewhere');
    fs.mkdirSync(other);
    const copy = path.join(other, path.basename(model.path));
    fs.copyFileSync((await tinyModel('low-confidence')).path, copy);
    const second = await core.api.calls.importModel({ path: copy });
    expect(second.id).toBe(path.basename(model.path).replace(/\.gguf$/, '-2.gguf'));
    expect((await core.api.calls.getModels({})).installed.map((m) => m.id)).toEqual([imported.id, second.id]);
    await core.api.calls.deleteModel({ id: second.id });
  });

  it('loading tunes the threads once per model and machine; later loads reuse the choice; Re-tune measures again', async () => {
    const [installed] = (await core.api.calls.getModels({})).installed;
    const first = await core.api.calls.loadModel({ path: installed!.path });
    if (first.state !== 'ready') throw new Error(first.state);
    const tuning = first.model.tuning!;
    expect(tuning.trials.map((t) => t.threads)).toEqual(expect.arrayContaining([1]));
    expect(tuning.trials.every((t) => t.tokensPerSecond > 0)).toBe(true);
    expect(first.model.threads).toBe(tuning.threads);
    expect(first.model.batchSize).toBe(Math.min(tuning.batchSize, first.model.contextSize));
    // The best measured trial is the one chosen.
    expect(tuning.tokensPerSecond).toBe(Math.max(...tuning.trials.map((t) => t.tokensPerSecond)));

    const listed = (await core.api.calls.getModels({})).installed[0]!;
    expect(listed).toMatchObject({ loaded: true, tuning });
    // What the next start opens.
    expect(await core.manager.lastLoadedPath()).toBe(installed!.path);

    const again = await core.api.calls.loadModel({ path: installed!.path });
    expect(again.state === 'ready' && again.model.tuning).toEqual(tuning);

    const retuned = await core.api.calls.retuneModel({});
    expect(retuned.state === 'ready' && retuned.model.tuning!.tunedAt).toBeGreaterThan(tuning.tunedAt);

    // Threads set by hand: no measuring, and Re-tune explains why it will not.
    await core.api.calls.updateSettings({ threads: 1 });
    const manual = core.api.calls.getStatus({});
    expect((await manual).model).toMatchObject({ state: 'ready', model: { threads: 1, tuning: null } });
    await expect(core.api.calls.retuneModel({})).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('set by hand') });
    await core.api.calls.updateSettings({ threads: 0 });
  });

  it('the loaded model cannot be deleted; another can, and its space is reported', async () => {
    const [loaded] = (await core.api.calls.getModels({})).installed;
    await expect(core.api.calls.deleteModel({ id: loaded!.id })).rejects.toMatchObject({ code: 'MODEL_IN_USE' });
    await core.api.calls.unloadModel({});
    expect(await core.api.calls.deleteModel({ id: loaded!.id })).toEqual({ freedBytes: loaded!.sizeBytes });
    expect(fs.readdirSync(modelsDir)).toEqual([]);
    await expect(core.api.calls.deleteModel({ id: loaded!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the overview labels the catalog for this machine', async () => {
    const o = await core.api.calls.getModels({});
    expect(o.hardware.ramBytes).toBe(os.totalmem());
    expect(o.hardware.cpuCores).toBe(os.availableParallelism());
    expect(o.recommendedId).toBe('tiny');
    expect(o.catalog[0]).toMatchObject({ fit: { label: 'fits' }, installedId: null, download: null });
    expect(o.modelsDir).toBe(modelsDir);
    expect(o.freeDiskBytes).toBeGreaterThan(0);
  });
});

describe('GPU fallback', () => {
  it('a GPU backend that cannot start falls back to the CPU and says why', async () => {
    const model = await tinyModel('confident');
    const engine = await LocalEngine.load({ modelPath: model.path, threads: 1, contextSize: 512, sequences: 1, gpu: 'cuda' });
    try {
      if (engine.info.backend.startsWith('CUDA')) return; // a machine with a working CUDA GPU
      expect(engine.info.backend).toBe('CPU');
      expect(engine.info.gpuNote).toMatch(/^CUDA could not be started \(.+\), so the model runs on the CPU\.$/);
      const reply = await engine.generate({ conversationId: 'c', systemPrompt: '', turns: [{ role: 'user', content: 'Hi' }], maxTokens: 8, temperature: 0 });
      expect(reply.completionTokens).toBeGreaterThan(0);
    } finally {
      await engine.dispose();
    }
  });
});
