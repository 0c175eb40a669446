import type { LlamaModel, Token } from 'node-llama-cpp';

export interface TuningResult {
  threads: number;
  batchSize: number;
  tokensPerSecond: number;
  trials: { threads: number; tokensPerSecond: number }[];
}

export interface TuneOptions {
  /** Thread counts to try, ascending. */
  candidates: readonly number[];
  /** Decode steps timed per thread count (after two warm-up steps). */
  decodeTokens?: number;
  /** Batch sizes compared on prompt reading, at the chosen thread count. */
  batchSizes?: readonly number[];
  /** Prompt tokens read per batch-size trial. */
  promptTokens?: number;
  onProgress?: (fraction: number) => void;
}

/**
 * Thread counts worth trying on a machine with this many logical cores: every count up to 8, then
 * steps of a quarter, never more than the cores (oversubscription only ever loses: 4 threads on 2
 * cores decoded ~85x slower than 1 here).
 */
export function threadCandidates(logicalCores: number): number[] {
  const max = Math.max(1, logicalCores);
  const out: number[] = [];
  for (let t = 1; t <= Math.min(8, max); t++) out.push(t);
  const step = Math.max(2, Math.floor(max / 4));
  for (let t = 8 + step; t <= max; t += step) out.push(t);
  if (out.at(-1) !== max) out.push(max);
  return out;
}

/**
 * Decode is memory-bound: past the point where the memory bus is saturated, more threads only
 * add synchronisation. The curve has one peak, so once two counts in a row fall clearly below the
 * best, the larger ones are skipped.
 */
const GIVE_UP_BELOW = 0.85;

/**
 * A short measured run on the loaded model: greedy decode speed at each candidate thread count
 * (a fresh small context each), then prompt-reading speed for each batch size at the winner.
 * Takes a few seconds on a 0.5B model; `npm run bench` (P3) checks it against a long sweep.
 */
export async function tuneThreads(model: LlamaModel, opts: TuneOptions): Promise<TuningResult> {
  const decodeTokens = opts.decodeTokens ?? 24;
  const batchSizes = opts.batchSizes ?? [64, 256];
  const promptTokens = opts.promptTokens ?? 256;
  const prompt = promptOf(model, 16);
  const trials: TuningResult['trials'] = [];
  const steps = opts.candidates.length + batchSizes.length;
  let done = 0;
  let best = { threads: opts.candidates[0] ?? 1, tokensPerSecond: 0 };
  let worse = 0;
  for (const threads of opts.candidates) {
    const tps = await measureDecode(model, threads, prompt, decodeTokens);
    trials.push({ threads, tokensPerSecond: tps });
    opts.onProgress?.(++done / steps);
    if (tps > best.tokensPerSecond) {
      best = { threads, tokensPerSecond: tps };
      worse = 0;
    } else if (tps < best.tokensPerSecond * GIVE_UP_BELOW && ++worse >= 2) {
      break;
    }
  }
  let batchSize = batchSizes[batchSizes.length - 1] ?? 512;
  if (batchSizes.length > 1) {
    const long = promptOf(model, promptTokens);
    let fastest = Infinity;
    for (const size of batchSizes) {
      const ms = await measurePrefill(model, best.threads, size, long);
      opts.onProgress?.(++done / steps);
      // Prefer the larger batch unless the smaller is clearly faster: larger batches read long prompts in fewer steps.
      if (ms < fastest * 0.95) {
        fastest = ms;
        batchSize = size;
      }
    }
  }
  return { threads: best.threads, batchSize, tokensPerSecond: best.tokensPerSecond, trials };
}

/** Ordinary text, so the tokens are ones the model sees in real use; repeated to length. */
function promptOf(model: LlamaModel, length: number): Token[] {
  const base = model.tokenize('The quick brown fox jumps over the lazy dog. Modest runs a small model on this computer. ');
  const out: Token[] = [];
  while (out.length < length && base.length > 0) out.push(...base);
  return out.slice(0, length);
}

/**
 * Decode steps timed one token at a time: each is one forward pass over a single new token,
 * exactly what generation does per token, but independent of what the model would say (a model
 * that ends its reply early cannot cut the measurement short).
 */
export async function measureDecode(model: LlamaModel, threads: number, prompt: readonly Token[], tokens: number): Promise<number> {
  const context = await model.createContext({ contextSize: Math.min(512, model.trainContextSize || 512), sequences: 1, threads, batchSize: 64 });
  try {
    const sequence = context.getSequence();
    await sequence.evaluateWithoutGeneratingNewTokens([...prompt]);
    const warmup = 2;
    let start = performance.now();
    for (let i = 0; i < warmup + tokens; i++) {
      if (i === warmup) start = performance.now();
      await sequence.evaluateWithoutGeneratingNewTokens([prompt[i % prompt.length]!]);
    }
    const seconds = (performance.now() - start) / 1000;
    return seconds > 0 ? tokens / seconds : 0;
  } finally {
    await context.dispose();
  }
}

async function measurePrefill(model: LlamaModel, threads: number, batchSize: number, prompt: readonly Token[]): Promise<number> {
  const context = await model.createContext({ contextSize: Math.min(512, model.trainContextSize || 512), sequences: 1, threads, batchSize });
  try {
    const sequence = context.getSequence();
    const t0 = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens([...prompt].slice(0, context.contextSize - 8));
    return performance.now() - t0;
  } finally {
    await context.dispose();
  }
}
