import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Development only. node_modules/better-sqlite3 stays built for Node, because the tests and the
 * browser mode run on Node and `npm ci` must work offline. Electron has its own ABI, so `npm start`
 * keeps a second copy of better-sqlite3 built for Electron in .cache/ and the shell loads that one
 * (better-sqlite3's `nativeBinding` option). Packaged apps do not need this: electron-builder
 * rebuilds their node_modules for Electron at packaging time.
 */
export interface NativeBuildOptions {
  projectRoot: string;
  electronVersion: string;
  /** Progress lines for the terminal; a first build downloads or compiles for a minute. */
  log?: (line: string) => void;
}

export function electronSqliteCacheDir(projectRoot: string, electronVersion: string): string {
  return path.join(projectRoot, '.cache', 'electron-native', `${electronVersion}-${process.platform}-${process.arch}`);
}

export function builtBinding(cacheDir: string): string {
  return path.join(cacheDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
}

/** The module version node-gyp compiled against, from the build's config.gypi. */
export function builtAbi(moduleDir: string): number | null {
  try {
    const m = /"node_module_version":\s*(\d+)/.exec(fs.readFileSync(path.join(moduleDir, 'build', 'config.gypi'), 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The electron package records its ABI (NODE_MODULE_VERSION) beside its binary. */
export function electronAbi(projectRoot: string): number | null {
  try {
    const n = Number(fs.readFileSync(path.join(projectRoot, 'node_modules', 'electron', 'abi_version'), 'utf8').trim());
    return Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** Returns the path of a better_sqlite3.node built for this Electron, building it once if needed. */
export async function ensureElectronSqlite(opts: NativeBuildOptions): Promise<string> {
  const cacheDir = electronSqliteCacheDir(opts.projectRoot, opts.electronVersion);
  const binding = builtBinding(cacheDir);
  if (fs.existsSync(binding)) return binding;

  const source = path.join(opts.projectRoot, 'node_modules', 'better-sqlite3');
  const version = (JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')) as { version: string }).version;
  const staging = `${cacheDir}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'node_modules'), { recursive: true });
  // The Node build output is left behind so the rebuild cannot mistake it for an Electron one.
  const nodeBuild = path.join(source, 'build');
  fs.cpSync(source, path.join(staging, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (src) => src !== nodeBuild && !src.startsWith(nodeBuild + path.sep),
  });
  fs.writeFileSync(
    path.join(staging, 'package.json'),
    JSON.stringify({ name: 'modest-electron-native', private: true, dependencies: { 'better-sqlite3': version } }),
  );

  opts.log?.(`Preparing better-sqlite3 ${version} for Electron ${opts.electronVersion} (once; needs the network)…`);
  const require = createRequire(path.join(opts.projectRoot, 'package.json'));
  const { rebuild } = require('@electron/rebuild') as typeof import('@electron/rebuild');
  // An npm `nodedir` setting (Debian's npm sets nodedir=/usr) reaches node-gyp through the
  // environment and makes it compile against Node's headers while labelling the result for
  // Electron. Electron's own headers are what this build needs.
  for (const key of Object.keys(process.env)) if (key.toLowerCase() === 'npm_config_nodedir') delete process.env[key];
  try {
    await rebuild({ buildPath: staging, electronVersion: opts.electronVersion, onlyModules: ['better-sqlite3'], force: true });
    if (!fs.existsSync(builtBinding(staging))) throw new Error('the rebuild finished without producing better_sqlite3.node');
    const abi = builtAbi(path.join(staging, 'node_modules', 'better-sqlite3'));
    const wanted = electronAbi(opts.projectRoot);
    if (abi !== null && wanted !== null && abi !== wanted) {
      throw new Error(`the rebuild compiled for ABI ${abi}, not Electron's ${wanted}`);
    }
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  // Renamed into place only when complete, so an interrupted build is never mistaken for a good one.
  fs.rmSync(cacheDir, { recursive: true, force: true });
  fs.renameSync(staging, cacheDir);
  return binding;
}
