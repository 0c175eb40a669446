import type { Recommendation } from '../contract/index.js';
import type { ResultsTable } from './csv.js';
import { CPT_TOLERANCE, PGR_NA_TOLERANCE } from './metrics.js';

/*
 * The recommended threshold for a target PGR, with 95% bootstrap intervals.
 *
 * Point estimate: x = the smallest escalation percentage (1% grid) whose PGR reaches the target,
 * k = x·n/100 rows escalated. The threshold is the score of the row at 0-based sorted position
 * ⌈k⌉, the first row that stays wholly local, so "escalate when score < threshold" escalates
 * every row below it (⌈k⌉ rows when there are no ties; rows tied with the threshold stay local).
 * At x = 100 there is no such row: the threshold is then the smallest number above the largest
 * score, so that every row is below it and the value stays finite for JSON.
 *
 * Bootstrap (1,000 resamples by default, seeded): rows are sorted once; a resample with
 * replacement is a multiplicity per sorted row, which only changes the weight of each tie group,
 * so the resample's curve needs no sort, just one pass over the counts (solve). The intervals are
 * the 2.5th and 97.5th percentiles over resamples. Resamples whose PGR is n/a (cloud = local by
 * chance) or that never reach the target are left out; if none is left, an interval is the
 * point estimate alone.
 */

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 20240601;

/** A small seeded PRNG (mulberry32): uniform 32-bit integers. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The p-th quantile (0…1) of sorted values, interpolating linearly between order statistics. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The smallest double above x. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] = b[0]! + (x > 0 ? 1n : -1n);
  return f[0]!;
}

/** Sorted rows reduced to what the recommendation needs: tie groups and each row's gain. */
export interface GroupedRows {
  /** Per sorted position: cloud_correct − local_correct. */
  delta: Int8Array;
  /** Group g covers sorted positions groupEnd[g − 1] (0 for g = 0) … groupEnd[g] − 1. */
  groupEnd: Uint32Array;
  /** Each tie group's score, ascending. */
  groupScore: Float64Array;
}

export function groupRows(t: ResultsTable, scores: Float64Array, order: Uint32Array): GroupedRows {
  const n = order.length;
  const delta = new Int8Array(n);
  const ends: number[] = [];
  const groupScore: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = order[i]!;
    const s = scores[r]!;
    if (i === 0 || s !== groupScore[groupScore.length - 1]) {
      if (i > 0) ends.push(i);
      groupScore.push(s);
    }
    delta[i] = t.cloudCorrect[r]! - t.localCorrect[r]!;
  }
  if (n > 0) ends.push(n);
  return { delta, groupEnd: Uint32Array.from(ends), groupScore: Float64Array.from(groupScore) };
}

/** What solve needs besides the counts, made once per set of rows. */
export interface Solver {
  rows: GroupedRows;
  /** k = x·n/100 and ⌈k⌉ for x = 0…100. */
  k: Float64Array;
  kCeil: Float64Array;
  /**
   * Blocks of whole tie groups, at least BLOCK rows each (but the last): block b covers groups
   * blockGroup[b] … blockGroup[b + 1] − 1.
   */
  blockGroup: Uint32Array;
  gain: Float64Array;
  at: Int32Array;
}

/** Rows per block: solve sums most blocks in a tight loop and walks groups only where a cut falls. */
const BLOCK = 64;

export function solver(rows: GroupedRows): Solver {
  const n = rows.delta.length;
  const k = new Float64Array(101);
  const kCeil = new Float64Array(101);
  for (let x = 0; x <= 100; x++) {
    k[x] = (x * n) / 100;
    kCeil[x] = Math.ceil(k[x]!);
  }
  const starts = [0];
  let size = 0;
  let start = 0;
  for (let g = 0; g < rows.groupEnd.length; g++) {
    const end = rows.groupEnd[g]!;
    size += end - start;
    start = end;
    if (size >= BLOCK && g + 1 < rows.groupEnd.length) {
      starts.push(g + 1);
      size = 0;
    }
  }
  starts.push(rows.groupEnd.length);
  return { rows, k, kCeil, blockGroup: Uint32Array.from(starts), gain: new Float64Array(101), at: new Int32Array(101) };
}

/**
 * x and threshold when sorted position i carries counts[i] copies of its row. The counts sum to
 * the row count, as a resample draws n rows: that fixes k = x·n/100 in advance, so one pass
 * records the gain at every x and the group holding position ⌈k⌉, and the total gain
 * (cloud − local, what PGR divides by) comes at the end. Null when PGR is n/a or no x reaches
 * the target.
 */
export function solve(sv: Solver, counts: Int32Array, target: number): { x: number; threshold: number } | null {
  const { delta, groupEnd, groupScore } = sv.rows;
  const { k, kCeil, gain, at, blockGroup } = sv;
  const n = delta.length;
  const blocks = blockGroup.length - 1;
  let before = 0;
  let gainBefore = 0;
  let xi = 0;
  let pi = 0;
  let lastBlock = -1;
  for (let b = 0; b < blocks; b++) {
    const g0 = blockGroup[b]!;
    const g1 = blockGroup[b + 1]!;
    const start = g0 > 0 ? groupEnd[g0 - 1]! : 0;
    const end = groupEnd[g1 - 1]!;
    // Two chains of 32-bit sums: the loop runs resamples × n times.
    let w1 = 0;
    let w2 = 0;
    let d1 = 0;
    let d2 = 0;
    let i = start;
    for (; i + 1 < end; i += 2) {
      const c1 = counts[i]!;
      const c2 = counts[i + 1]!;
      w1 = (w1 + c1) | 0;
      w2 = (w2 + c2) | 0;
      d1 = (d1 + Math.imul(c1, delta[i]!)) | 0;
      d2 = (d2 + Math.imul(c2, delta[i + 1]!)) | 0;
    }
    if (i < end) {
      w1 = (w1 + counts[i]!) | 0;
      d1 = (d1 + Math.imul(counts[i]!, delta[i]!)) | 0;
    }
    const bw = w1 + w2;
    const bd = d1 + d2;
    if (bw === 0) continue;
    lastBlock = b;
    const upto = before + bw;
    if (!((xi <= 100 && k[xi]! <= upto) || (pi <= 100 && kCeil[pi]! < upto))) {
      before = upto;
      gainBefore += bd;
      continue;
    }
    // A cut falls in this block: walk its groups.
    i = start;
    for (let g = g0; g < g1; g++) {
      const ge = groupEnd[g]!;
      let gw = 0;
      let gd = 0;
      for (; i < ge; i++) {
        const c = counts[i]!;
        gw += c;
        gd += c * delta[i]!;
      }
      if (gw === 0) continue;
      const gUpto = before + gw;
      // Same arithmetic as escalationCurve, so the point estimate matches the report's curve.
      while (xi <= 100 && k[xi]! <= gUpto) {
        gain[xi] = gainBefore + ((k[xi]! - before) * gd) / gw;
        xi++;
      }
      while (pi <= 100 && kCeil[pi]! < gUpto) at[pi++] = g;
      before = gUpto;
      gainBefore += gd;
    }
  }
  for (; xi <= 100; xi++) gain[xi] = gainBefore;
  for (; pi <= 100; pi++) at[pi] = -1;

  const d = gainBefore; // Σ (cloud − local) over the rows
  if (n === 0 || lastBlock < 0 || Math.abs(d) <= PGR_NA_TOLERANCE * n) return null;
  const level = target - CPT_TOLERANCE;
  for (let x = 0; x <= 100; x++) {
    if (gain[x]! / d < level) continue;
    const g = at[x]!;
    return { x, threshold: g >= 0 ? groupScore[g]! : nextUp(groupScore[lastGroup(sv, counts, lastBlock)]!) };
  }
  return null;
}

/** The last group of a block that has any weight. */
function lastGroup(sv: Solver, counts: Int32Array, block: number): number {
  const { groupEnd } = sv.rows;
  for (let g = sv.blockGroup[block + 1]! - 1; g > sv.blockGroup[block]!; g--) {
    for (let i = groupEnd[g - 1]!; i < groupEnd[g]!; i++) if (counts[i]! > 0) return g;
  }
  return sv.blockGroup[block]!;
}

/** The recommendation's rule on every row once (no resampling): x and threshold, or null. */
export function operatingPoint(t: ResultsTable, scores: Float64Array, order: Uint32Array, target: number): { x: number; threshold: number } | null {
  return solve(solver(groupRows(t, scores, order)), new Int32Array(order.length).fill(1), target);
}

export interface RecommendOptions {
  target: number;
  signal: string;
  resamples?: number;
  seed?: number;
}

export type RecommendResult = { recommendation: Recommendation; note: null } | { recommendation: null; note: string };

export function recommend(t: ResultsTable, scores: Float64Array, order: Uint32Array, opts: RecommendOptions): RecommendResult {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const seed = opts.seed ?? DEFAULT_SEED;
  const rows = groupRows(t, scores, order);
  const n = order.length;
  const sv = solver(rows);
  const counts = new Int32Array(n).fill(1);
  const point = solve(sv, counts, opts.target);
  if (!point) {
    let d = 0;
    for (let i = 0; i < n; i++) d += rows.delta[i]!;
    return {
      recommendation: null,
      note:
        Math.abs(d) <= PGR_NA_TOLERANCE * n
          ? 'No recommendation: the cloud and local models are equally accurate on these rows, so PGR is n/a.'
          : `No recommendation: no escalation share reaches PGR ${opts.target} with ${opts.signal}.`,
    };
  }

  const xs = new Float64Array(resamples);
  const thresholds = new Float64Array(resamples);
  let m = 0;
  const scale = n / 4294967296;
  // The draws: resamples × n of them, the bulk of the report's time. Two interleaved xorshift32
  // streams (each step waits on the last, so two chains keep the CPU twice as busy), seeded by
  // mulberry32 so that every seed, 0 included, gives non-zero states.
  const seeder = mulberry32(seed);
  let s1 = seeder() | 1;
  let s2 = seeder() | 1;
  if (s2 === s1) s2 ^= 0x9e3779b8; // two equal streams would draw every row twice
  const pairs = n >> 1;
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < pairs; i++) {
      s1 ^= s1 << 13;
      s2 ^= s2 << 13;
      s1 ^= s1 >>> 17;
      s2 ^= s2 >>> 17;
      s1 ^= s1 << 5;
      s2 ^= s2 << 5;
      counts[((s1 >>> 0) * scale) | 0]!++;
      counts[((s2 >>> 0) * scale) | 0]!++;
    }
    if (n & 1) {
      s1 ^= s1 << 13;
      s1 ^= s1 >>> 17;
      s1 ^= s1 << 5;
      counts[((s1 >>> 0) * scale) | 0]!++;
    }
    const r = solve(sv, counts, opts.target);
    if (!r) continue;
    xs[m] = r.x;
    thresholds[m] = r.threshold;
    m++;
  }
  const interval = (v: Float64Array, fallback: number): [number, number] => {
    if (m === 0) return [fallback, fallback];
    const sorted = v.subarray(0, m).sort();
    return [quantile(sorted, 0.025), quantile(sorted, 0.975)];
  };
  return {
    recommendation: {
      target_pgr: opts.target,
      signal: opts.signal,
      threshold: point.threshold,
      threshold_ci: interval(thresholds, point.threshold),
      escalation_pct: point.x,
      escalation_pct_ci: interval(xs, point.x),
      resamples,
      seed,
    },
    note: null,
  };
}
