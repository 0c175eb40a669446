import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker module `name` beside `base` (the caller's `import.meta.url`). From source
 * (tests, tsx) a worker needs the TypeScript loader registered first; compiled, it is plain JS.
 */
export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  const fromSource = base.endsWith('.ts');
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, base);
  if (!fromSource) return new Worker(entry, options);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
