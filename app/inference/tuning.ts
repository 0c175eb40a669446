import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';

export interface TuningResult {
  threads: number;
  batchSize: number;
  tokensPerSecond: number;
  trials: { threads: number; tokensPerSecond: number }[];
}

export interface TuneOptions {
  /** Thread counts to try, ascending. */
  candidates: readonly number[];
  /** Generated tokens timed per thread count (after four warm-up tokens). */
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
/** Counts within this share of the leader after round one are measured a second time. */
const RECHECK_WITHIN = 0.85;

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
  // A count's speed is the best of its looks: noise on a busy desktop only ever slows a run down.
  const speed = new Map<number, number>();
  // Round two's length is only known after round one, so progress counts against the most it can be.
  const steps = opts.candidates.length * 2 + batchSizes.length;
  let done = 0;
  const tick = () => opts.onProgress?.(Math.min(1, ++done / steps));
  const look = async (threads: number) => {
    const tps = await measureDecode(model, threads, prompt, decodeTokens);
    tick();
    speed.set(threads, Math.max(speed.get(threads) ?? 0, tps));
    return tps;
  };
  const bestOf = () => [...speed].reduce((a, b) => (b[1] > a[1] ? b : a), [opts.candidates[0] ?? 1, 0] as [number, number]);
  // Round one walks up the candidates until the curve has clearly turned down.
  let worse = 0;
  for (const threads of opts.candidates) {
    const tps = await look(threads);
    const [, bestTps] = bestOf();
    if (tps >= bestTps) worse = 0;
    else if (tps < bestTps * GIVE_UP_BELOW && ++worse >= 2) break;
  }
  // Round two looks again at every count close to the leader: neighbouring counts often differ by
  // less than one run's noise, and a second look in a different order keeps slow drift (another
  // program, the CPU's clock) from deciding.
  const close = [...speed].filter(([, tps]) => tps >= bestOf()[1] * RECHECK_WITHIN).map(([t]) => t);
  if (close.length > 1) for (const threads of close.reverse()) await look(threads);
  const [bestThreads, bestTps] = bestOf();
  const best = { threads: bestThreads, tokensPerSecond: bestTps };
  const trials: TuningResult['trials'] = [...speed].map(([threads, tokensPerSecond]) => ({ threads, tokensPerSecond }));
  let batchSize = batchSizes[batchSizes.length - 1] ?? 512;
  if (batchSizes.length > 1) {
    const long = promptOf(model, promptTokens);
    let fastest = Infinity;
    for (const size of batchSizes) {
      const ms = await measurePrefill(model, best.threads, size, long);
      tick();
      // Prefer the larger batch unless the smaller is clearly faster: larger batches read long prompts in fewer steps.
      if (ms < fastest * 0.95) {
        fastest = ms;
        batchSize = size;
      }
    }
  }
  opts.onProgress?.(1);
  return { threads: best.threads, batchSize, tokensPerSecond: best.tokensPerSecond, trials };
}

/** Ordinary text, so the tokens are ones the model sees in real use; repeated to length. */
function promptOf(model: LlamaModel, length: number): Token[] {
  const base = model.tokenize('The quick brown fox jumps over the lazy dog. Modest runs a small model on this computer. ');
  const out: Token[] = [];
  while (out.length < length && base.length > 0) out.push(...base);
  return out.slice(0, length);
}

/** Greedy generation speed at one thread count, on a fresh small context. */
export async function measureDecode(model: LlamaModel, threads: number, prompt: readonly Token[], tokens: number): Promise<number> {
  const context = await model.createContext({ contextSize: Math.min(512, model.trainContextSize || 512), sequences: 1, threads, batchSize: 64 });
  try {
    return (await timeGeneration(context.getSequence(), prompt, { skip: 4, tokens })).tokensPerSecond;
  } finally {
    await context.dispose();
  }
}

/**
 * Greedy generation timed step by step, the way the app generates: each step is a forward pass
 * with the output layer and sampling over the whole vocabulary (a pass that only evaluates input
 * skips both, and so favoured fewer threads than real generation does). When the model ends its
 * reply, generation goes on from the next prompt token, so an early end cannot cut the
 * measurement short. The clock starts at the end of step `skip` + 1 (the first steps read the
 * prompt and warm the threads up) and stops after `tokens` more, or after `maxMs`.
 */
export async function timeGeneration(
  sequence: LlamaContextSequence,
  prompt: readonly Token[],
  opts: { skip: number; tokens: number; maxMs?: number },
): Promise<{ tokensPerSecond: number; steps: number }> {
  const target = opts.skip + 1 + opts.tokens;
  let steps = 0;
  let start = 0;
  let end = 0;
  const step = () => {
    end = performance.now();
    if (steps === opts.skip) start = end;
    steps++;
    return steps >= target || (opts.maxMs !== undefined && steps > opts.skip + 1 && end - start > opts.maxMs);
  };
  let next: Token[] = [...prompt];
  let restart = 0;
  let done = false;
  while (!done) {
    for await (const token of sequence.evaluate(next, { temperature: 0 })) {
      next = [token];
      if ((done = step())) break;
    }
    // The generator returns without yielding when it samples an end-of-generation token: that
    // sampling was a step too.
    if (!done) {
      done = step();
      next = [prompt[restart++ % prompt.length]!];
    }
  }
  const counted = steps - opts.skip - 1;
  const seconds = (end - start) / 1000;
  return { tokensPerSecond: counted > 0 && seconds > 0 ? counted / seconds : 0, steps };
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
