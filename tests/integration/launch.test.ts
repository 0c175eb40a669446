import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

it('npm start says plainly that the desktop window is unavailable and starts the browser mode', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-launch-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'main/launch.ts'), '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await expect.poll(() => /^http:\/\/127\.0\.0\.1:\d+\/#token=/m.test(out), { timeout: 60_000, interval: 100 }).toBe(true);
    expect(out).toMatch(/^Modest desktop window unavailable: .+\.$/m);
    expect(out).toContain('Starting the browser mode instead');
    expect(out).toContain(`Data: ${dataDir}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
