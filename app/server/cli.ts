import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../contract/index.js';
import { createCore } from '../service/index.js';
import { defaultDataDir, openStorage } from '../storage/index.js';
import { rendererDir } from './project-root.js';
import { startHttpServer } from './serve.js';

const USAGE = `Usage: npm run serve -- [--model <file.gguf>] [--data-dir <dir>] [--port <n>]

  --model     a GGUF model file on this computer (the window asks for one if omitted)
  --data-dir  where Modest keeps modest.db (default: ${defaultDataDir()})
  --port      port on 127.0.0.1 (default: a random free port)`;

/** Browser mode: the core and the UI over HTTP on loopback, guarded by a per-launch token. */
async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        model: { type: 'string' },
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const port = args.port === undefined ? 0 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535, not "${args.port}".`);
    process.exit(2);
  }

  const dataDir = path.resolve(args['data-dir'] ?? defaultDataDir());
  let storage;
  try {
    storage = openStorage(dataDir);
  } catch (err) {
    console.error(`Modest could not open its data folder: ${AppError.from(err).message}`);
    process.exit(1);
  }
  storage.conversations.purgeDeleted();
  const core = createCore(storage);

  const staticDir = rendererDir();
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
    console.error('The window has not been built yet: run `npm run build` first (npm run serve does this for you).');
  }
  const server = await startHttpServer({ api: core.api, port, staticDir, upload: core.upload });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      console.log('Stopping now.');
      process.exit(130);
    }
    closing = true;
    console.log(`\n${signal}: finishing replies as partial and closing… (press Ctrl+C again to stop at once)`);
    // Stop taking requests first; dropping open streams also ends their replies as partial.
    const closed = server.close();
    await core.shutdown();
    await closed;
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  console.log(`Modest is running in browser mode. Data: ${dataDir}`);
  console.log('Open this address in your browser (it includes this launch\'s access token):');
  console.log(server.url);

  // Without --model, the model loaded last (from the models folder) opens again.
  const initial = args.model ?? (await core.manager.lastLoadedPath());
  if (initial) {
    console.log(`Loading ${initial}…`);
    try {
      const state = await core.models.load(initial, storage.settings.get());
      if (state.state === 'ready') {
        const m = state.model;
        console.log(`Model ready: ${m.name} (${m.architecture}), context ${m.contextSize} tokens, ${m.threads} thread(s).`);
        if (m.contextNote) console.log(m.contextNote);
      }
    } catch (err) {
      // The server stays up: the window shows the same error and lets the user pick another file.
      console.error(`Model not loaded: ${AppError.from(err).message}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
