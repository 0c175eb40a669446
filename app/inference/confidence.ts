import type { Confidence } from '../contract/index.js';

/**
 * Running summary of sampled-token probabilities. Kept as a plain accumulator so the per-token
 * cost is O(1) except for the percentile, which needs the values once at the end.
 */
export class ConfidenceAccumulator {
  private readonly probs: number[] = [];
  private logSum = 0;
  private min = Infinity;
  margin1: number | null = null;

  add(p: number): void {
    // A probability of exactly 0 can appear from float underflow; clamp so log stays finite.
    const q = Math.max(p, Number.MIN_VALUE);
    this.probs.push(q);
    this.logSum += Math.log(q);
    if (q < this.min) this.min = q;
  }

  get count(): number {
    return this.probs.length;
  }

  get minP(): number | null {
    return this.probs.length > 0 ? this.min : null;
  }

  summary(): Confidence {
    return summarizeConfidence(this.probs, this.margin1);
  }
}

/** Nearest-rank percentile: the smallest value with at least q of the data at or below it. */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? null;
}

export function summarizeConfidence(probs: readonly number[], margin1: number | null): Confidence {
  if (probs.length === 0) return { minP: null, p10: null, meanLogp: null, margin1, tokenCount: 0 };
  const sorted = [...probs].sort((a, b) => a - b);
  let logSum = 0;
  for (const p of probs) logSum += Math.log(Math.max(p, Number.MIN_VALUE));
  return {
    minP: sorted[0] ?? null,
    p10: nearestRank(sorted, 0.1),
    meanLogp: logSum / probs.length,
    margin1,
    tokenCount: probs.length,
  };
}

/** top-1 minus top-2 of a probability map sorted high to low (node-llama-cpp sorts it so). */
export function marginOfTopTwo(probabilities: ReadonlyMap<number, number>): number | null {
  const it = probabilities.values();
  const first = it.next();
  if (first.done) return null;
  const second = it.next();
  return first.value - (second.done ? 0 : second.value);
}
