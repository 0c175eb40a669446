// `npm run package`: electron-builder with npm's `nodedir` setting removed from its environment.
// Debian's npm sets nodedir=/usr; node-gyp would then rebuild better-sqlite3 against Node's
// headers instead of Electron's, and the packaged app could not open its database.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

for (const key of Object.keys(process.env)) if (key.toLowerCase() === 'npm_config_nodedir') delete process.env[key];
const cli = createRequire(import.meta.url).resolve('electron-builder/cli.js');
const r = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
