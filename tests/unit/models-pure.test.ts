import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog, Hardware } from '../../app/contract/index.js';
import { chooseContextSize, threadCandidates } from '../../app/inference/index.js';
import { downloadUrl, fitOf, hardwareClass, huggingFaceEndpoint, loadCatalog, parseCatalog } from '../../app/models/index.js';

const GiB = 1024 ** 3;
const ROOT = path.resolve(import.meta.dirname, '../..');
const shipped = JSON.parse(fs.readFileSync(path.join(ROOT, 'models/catalog.json'), 'utf8')) as Catalog;

function clone(): Catalog {
  return structuredClone(shipped);
}

describe('the model catalog', () => {
  it('the shipped catalog is valid, with a recommended model for every hardware class', async () => {
    const c = await loadCatalog(path.join(ROOT, 'models/catalog.json'));
    expect(c.models.length).toBeGreaterThanOrEqual(8);
    for (const cls of ['low', 'mid', 'high', 'gpu'] as const) expect(c.models.map((m) => m.id)).toContain(c.recommended[cls]);
    for (const m of c.models) {
      expect(m.sizeBytes).toBeGreaterThan(100 * 1024 * 1024);
      // Memory covers at least the weights.
      expect(m.memoryBytes).toBeGreaterThan(m.sizeBytes);
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('names the first problem precisely', () => {
    const dupe = clone();
    dupe.models.push({ ...dupe.models[0]! });
    expect(() => parseCatalog(dupe)).toThrow(/models\.\d+\.id: The id "qwen2\.5-0\.5b" appears twice/);

    const missingDefault = clone();
    missingDefault.recommended.low = 'nope';
    expect(() => parseCatalog(missingDefault)).toThrow(/recommended\.low: "nope" is not in the catalog/);

    const badSha = clone();
    badSha.models[1]!.sha256 = 'ABC';
    expect(() => parseCatalog(badSha)).toThrow(/models\.1\.sha256: A sha256 is 64 lowercase hex digits/);

    const notGguf = clone();
    notGguf.models[0]!.file = 'model.bin';
    expect(() => parseCatalog(notGguf)).toThrow(/models\.0\.file: The file must be a \.gguf/);

    const missing = clone() as unknown as { models: Record<string, unknown>[] };
    delete missing.models[2]!.sizeBytes;
    expect(() => parseCatalog(missing)).toThrow(/models\.2\.sizeBytes/);

    const extra = clone() as unknown as { models: Record<string, unknown>[] };
    extra.models[0]!.sizeGB = 1;
    expect(() => parseCatalog(extra)).toThrow(/sizeGB/);

    expect(() => parseCatalog({ version: 2 })).toThrow(/CATALOG|version/i);
  });

  it('a file that is not JSON says so', async () => {
    const file = path.join(ROOT, 'package.json');
    await expect(loadCatalog(path.join(ROOT, 'README.md'))).rejects.toMatchObject({ code: 'CATALOG_INVALID', message: expect.stringContaining('is not valid JSON') });
    await expect(loadCatalog(file)).rejects.toMatchObject({ code: 'CATALOG_INVALID' });
    await expect(loadCatalog('/no/such/catalog.json')).rejects.toMatchObject({ code: 'CATALOG_INVALID', message: expect.stringContaining('cannot be read') });
  });

  it('builds the resolve URL on Hugging Face or the HF_ENDPOINT mirror', () => {
    const e = shipped.models[0]!;
    expect(downloadUrl(e, huggingFaceEndpoint({}))).toBe(`https://huggingface.co/${e.repo}/resolve/main/${e.file}`);
    expect(huggingFaceEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9');
  });
});

function hw(over: Partial<Hardware>): Hardware {
  return {
    ramBytes: 16 * GiB,
    freeRamBytes: 12 * GiB,
    cpuCores: 8,
    cpuModel: 'test',
    gpu: null,
    gpuNames: [],
    vramBytes: 0,
    freeVramBytes: 0,
    gpuNote: null,
    hardwareClass: 'high',
    ...over,
  };
}

describe('hardware fit', () => {
  it('classes: memory decides what loads, cores what is pleasant, a GPU with 6 GB+ beats both', () => {
    expect(hardwareClass(hw({ ramBytes: 24 * GiB, cpuCores: 2 }))).toBe('low');
    expect(hardwareClass(hw({ ramBytes: 8 * GiB, cpuCores: 4 }))).toBe('mid');
    expect(hardwareClass(hw({ ramBytes: 16 * GiB, cpuCores: 8 }))).toBe('high');
    expect(hardwareClass(hw({ ramBytes: 4 * GiB, cpuCores: 16 }))).toBe('low');
    expect(hardwareClass(hw({ gpu: 'cuda', vramBytes: 8 * GiB, cpuCores: 2 }))).toBe('gpu');
    expect(hardwareClass(hw({ gpu: 'vulkan', vramBytes: 2 * GiB, ramBytes: 8 * GiB, cpuCores: 4 }))).toBe('mid');
  });

  it('labels fits / tight / wont-fit at half and 80% of RAM, and by free VRAM on a GPU', () => {
    const h = hw({ ramBytes: 8 * GiB, freeRamBytes: 6 * GiB });
    expect(fitOf({ memoryBytes: 4 * GiB }, h)).toMatchObject({ label: 'fits', note: expect.stringContaining('4.0 GB') });
    expect(fitOf({ memoryBytes: 4 * GiB + 1 }, h).label).toBe('tight');
    expect(fitOf({ memoryBytes: 6.4 * GiB }, h).label).toBe('tight');
    expect(fitOf({ memoryBytes: 6.5 * GiB }, h)).toMatchObject({ label: 'wont-fit', note: expect.stringContaining('8.0 GB') });
    // Half the RAM but more than is free now: tight, with the advice to close apps.
    expect(fitOf({ memoryBytes: 3 * GiB }, hw({ ramBytes: 8 * GiB, freeRamBytes: 2 * GiB }))).toMatchObject({ label: 'tight', note: expect.stringContaining('close other apps') });
    expect(fitOf({ memoryBytes: 7 * GiB }, hw({ ramBytes: 8 * GiB, gpu: 'cuda', vramBytes: 12 * GiB, freeVramBytes: 10 * GiB }))).toMatchObject({
      label: 'fits',
      note: expect.stringContaining('GPU'),
    });
  });

  it('every shipped model is labelled for a small laptop, and the 0.5B fits one', () => {
    const laptop = hw({ ramBytes: 4 * GiB, freeRamBytes: 3 * GiB, cpuCores: 2 });
    const labels = Object.fromEntries(shipped.models.map((m) => [m.id, fitOf(m, laptop).label]));
    expect(labels['qwen2.5-0.5b']).toBe('fits');
    expect(labels['phi3.5-mini']).toBe('wont-fit');
  });
});

describe('thread candidates', () => {
  it('every count up to 8, then quarter steps, never beyond the cores', () => {
    expect(threadCandidates(1)).toEqual([1]);
    expect(threadCandidates(2)).toEqual([1, 2]);
    expect(threadCandidates(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(threadCandidates(16)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 12, 16]);
    expect(threadCandidates(64)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 24, 40, 56, 64]);
  });
});

describe('automatic context size', () => {
  const perToken = 1024 * 1024; // 1 MiB per token of context, plus 1 GiB of weights
  const estimate = async (n: number) => GiB + n * perToken;

  it('takes the cap when memory allows, without a note', async () => {
    expect(await chooseContextSize(32768, estimate, 64 * GiB)).toEqual({ size: 8192, note: null });
    expect(await chooseContextSize(2048, estimate, 64 * GiB)).toEqual({ size: 2048, note: null });
  });

  it('halves until it fits in 90% of free memory, and says why', async () => {
    // 4 GiB free → 3.6 GiB budget → 2048 tokens (3 GiB) fits, 4096 (5 GiB) does not.
    const r = await chooseContextSize(32768, estimate, 4 * GiB);
    expect(r.size).toBe(2048);
    expect(r.note).toBe('Context set to 2,048 tokens so the model fits in the 4.0 GiB of free memory (the model allows 8,192).');
  });

  it('never goes below 512 (the load check then refuses with the numbers)', async () => {
    expect((await chooseContextSize(32768, estimate, GiB)).size).toBe(512);
  });
});
