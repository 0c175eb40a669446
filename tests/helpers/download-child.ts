/**
 * Run as `node --import tsx tests/helpers/download-child.ts <dataDir> <catalogFile> <endpoint>`:
 * starts the catalog's first model downloading and prints {"event":"progress"} once a few chunks
 * are saved, then keeps going until the test kills it (SIGKILL: no shutdown, no pause).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCore } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';

const [dataDir, catalogFile, endpoint] = process.argv.slice(2);
if (!dataDir || !catalogFile || !endpoint) {
  console.error('usage: download-child.ts <dataDir> <catalogFile> <endpoint>');
  process.exit(2);
}
const core = createCore(openStorage(dataDir), { models: { catalogFile, endpoint } });
const overview = await core.api.calls.getModels({});
const id = overview.catalog[0]!.entry.id;
await core.api.calls.downloadModel({ catalogId: id });
for (;;) {
  const d = (await core.api.calls.getModels({})).catalog[0]!.download;
  // The downloader saves whole 5 MB chunks: wait until its partial file holds some.
  const partial = path.join(dataDir, 'models', `${overview.catalog[0]!.entry.file}.ipull`);
  if (d && d.downloadedBytes >= 20 * 1024 * 1024 && fs.existsSync(partial)) {
    process.stdout.write(`${JSON.stringify({ event: 'progress', bytes: d.downloadedBytes })}\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
setInterval(() => undefined, 1000);
