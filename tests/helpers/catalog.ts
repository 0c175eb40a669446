import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CatalogEntry } from '../../app/contract/index.js';
import { tinyModel } from './models.js';
import type { RangeServer } from './range-server.js';

export const TEST_REPO = 'modest-tests/tiny-GGUF';

/** A catalog entry for a generated model, with its real size and hash, served by `server`. */
export async function tinyEntry(server: RangeServer, overrides: Partial<CatalogEntry> = {}): Promise<CatalogEntry> {
  const model = await tinyModel('big-vocab');
  const bytes = fs.readFileSync(model.path);
  const entry: CatalogEntry = {
    id: 'tiny',
    name: 'Tiny test model',
    description: 'A generated model served from 127.0.0.1.',
    paramsB: 0.01,
    repo: TEST_REPO,
    file: 'tiny-big-vocab.gguf',
    revision: 'main',
    sizeBytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    quant: 'Q8_0',
    contextLength: 2048,
    license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    gated: false,
    memoryBytes: 200 * 1024 * 1024,
    ...overrides,
  };
  server.files.set(`/${entry.repo}/resolve/${entry.revision}/${entry.file}`, { path: model.path });
  return entry;
}

export function writeCatalog(dir: string, models: CatalogEntry[]): string {
  const file = path.join(dir, 'catalog.json');
  const first = models[0]!.id;
  fs.writeFileSync(file, JSON.stringify({ version: 1, recommended: { low: first, mid: first, high: first, gpu: first }, models }));
  return file;
}
