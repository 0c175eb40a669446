import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  origin: string;
  token: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the real browser-mode CLI (from source, through tsx) as a child process and waits for
 * the line with its URL, exactly as a person would read it.
 */
export async function startServerProcess(
  args: string[],
  opts: { timeoutMs?: number; waitFor?: RegExp; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(opts.nodeArgs ?? []), path.join(ROOT, 'app/server/cli.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test', ...opts.env },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time; output:\n${out}`)), opts.timeoutMs ?? 60_000);
    const check = () => {
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)$/m.exec(out);
      if (m && (!opts.waitFor || opts.waitFor.test(out))) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready; output:\n${out}`));
    });
  });
  const u = new URL(url);
  return {
    child,
    url,
    origin: u.origin,
    token: new URLSearchParams(u.hash.slice(1)).get('token')!,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
