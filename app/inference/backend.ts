import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';

/** `auto` lets llama.cpp pick CUDA, Vulkan or Metal when present; the others force one. */
export type GpuChoice = 'auto' | 'cpu' | 'cuda' | 'vulkan' | 'metal';

export interface Backend {
  llama: Llama;
  /** Why no GPU is used although one was asked for (it failed to start), else null. */
  note: string | null;
}

const backends = new Map<GpuChoice, Promise<Backend>>();

/**
 * One llama.cpp instance per GPU choice and process. `maxThreads: 0` makes each context's thread
 * count exact. A GPU backend that fails to start (no driver, a broken install) falls back to the
 * CPU with the reason kept for the UI, instead of failing the load.
 */
export function acquireBackend(gpu: GpuChoice = 'cpu'): Promise<Backend> {
  let p = backends.get(gpu);
  if (!p) {
    p = start(gpu);
    backends.set(gpu, p);
    p.catch(() => backends.delete(gpu));
  }
  return p;
}

async function start(gpu: GpuChoice): Promise<Backend> {
  if (gpu === 'cpu') return { llama: await open(false), note: null };
  try {
    return { llama: await open(gpu), note: null };
  } catch (err) {
    const why = String(err instanceof Error ? err.message : err).split('\n')[0]!.slice(0, 200);
    const which = gpu === 'auto' ? 'The GPU' : gpu.toUpperCase();
    return { llama: await open(false), note: `${which} could not be started (${why}), so the model runs on the CPU.` };
  }
}

function open(gpu: false | Exclude<GpuChoice, 'cpu'>): Promise<Llama> {
  return getLlama({
    gpu,
    build: 'never',
    maxThreads: 0,
    logLevel: LlamaLogLevel.error,
    logger: (level, message) => {
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) console.error(`[llama.cpp] ${message.trimEnd()}`);
    },
  });
}

/** The CPU instance (tests and benchmarks that never want a GPU). */
export async function sharedLlama(): Promise<Llama> {
  return (await acquireBackend('cpu')).llama;
}
