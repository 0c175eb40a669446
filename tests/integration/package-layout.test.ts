import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listPackage } from '@electron/asar';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * Runs the real electron-builder on the real electron-builder.yml, offline: `--dir` with a
 * stand-in Electron distribution (the real one downloads from GitHub) and without the native
 * rebuild (it downloads Electron's headers). What it checks is what packaging decides here:
 * which files go into app.asar, which are unpacked for dlopen, and which llama.cpp builds ship.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
let out: string;
let asar: string[];
let unpacked: string;

function walk(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, base) : [`/${path.relative(base, full).split(path.sep).join('/')}`];
  });
}

beforeAll(() => {
  expect(fs.existsSync(path.join(ROOT, 'dist/main/preload.cjs')), 'npm run build first').toBe(true);
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-package-'));
  const fakeDist = path.join(out, 'electron-dist');
  fs.mkdirSync(fakeDist);
  fs.writeFileSync(path.join(fakeDist, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/electron-builder/cli.js'),
      '--linux',
      'dir',
      `--${process.arch}`,
      '-c.npmRebuild=false',
      `-c.electronDist=${fakeDist}`,
      `-c.directories.output=${path.join(out, 'release')}`,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
  );
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  const resources = path.join(out, 'release', 'linux-unpacked', 'resources');
  // electron-builder's own asar reader (a dependency of electron-builder, not of Modest).
  asar = listPackage(path.join(resources, 'app.asar'), { isPack: false }).map((f) => f.split(path.sep).join('/'));
  unpacked = path.join(resources, 'app.asar.unpacked');
}, 180_000);

afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

it('packs the built app: main, the one preload, the window and package.json, and no source maps', () => {
  for (const f of ['/package.json', '/dist/main/electron-main.js', '/dist/main/preload.cjs', '/dist/app/inference/worker/engine-worker.js', '/renderer/dist/index.html']) {
    expect(asar, f).toContain(f);
  }
  expect(asar.filter((f) => f.startsWith('/dist/') && f.endsWith('.map'))).toEqual([]);
  expect(asar.filter((f) => /^\/(app|main|renderer\/src|tests|models)\//.test(f))).toEqual(['/models/catalog.json']);
});

it('leaves development tools out', () => {
  for (const dev of ['electron', 'electron-builder', 'vite', 'vitest', 'typescript', 'playwright-core', 'tsx', 'esbuild']) {
    expect(asar.some((f) => f === `/node_modules/${dev}` || f.startsWith(`/node_modules/${dev}/`)), dev).toBe(false);
  }
  for (const dep of ['better-sqlite3', 'node-llama-cpp', 'zod', 'hono']) expect(asar, dep).toContain(`/node_modules/${dep}`);
});

it('unpacks native code from asar: better-sqlite3 and this platform\'s CPU and Vulkan builds of llama.cpp, not CUDA', () => {
  const files = walk(unpacked);
  expect(files).toContain('/node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  const llama = files.filter((f) => /\.(node|so|dylib|dll)$/.test(f) && f.includes('llama'));
  expect(llama).toContain(`/node_modules/@node-llama-cpp/linux-${process.arch}/bins/linux-${process.arch}/llama-addon.node`);
  expect(llama).toContain(`/node_modules/@node-llama-cpp/linux-${process.arch}-vulkan/bins/linux-${process.arch}-vulkan/llama-addon.node`);
  expect(llama.filter((f) => !/^\/node_modules\/@node-llama-cpp\/linux-[a-z0-9]+(-vulkan)?\//.test(f))).toEqual([]);
  // The unpacked files are stubs inside the archive, not second copies.
  const addon = asar.find((f) => f.endsWith('/llama-addon.node'));
  expect(addon).toBeDefined();
  expect(files.some((f) => f.includes('gitRelease.bundle'))).toBe(false);
  expect(asar.some((f) => f.includes('gitRelease.bundle'))).toBe(false);
});
