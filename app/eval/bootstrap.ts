import type { Recommendation } from '../contract/index.js';
import type { ResultsTable } from './csv.js';
import { CPT_TOLERANCE, PGR_NA_TOLERANCE } from './metrics.js';

/*
 * The recommended threshold for a target PGR, with 95% bootstrap intervals.
 *
 * Point estimate: a threshold is a real rule, "escalate when score < threshold", so it escalates
 * whole tie groups. Of the cuts between tie groups (in ascending score), the recommendation is
 * the first whose PGR (escalated rows' cloud − local, over all rows') reaches the target. Its
 * threshold is the score of the first group left local (tied rows stay local), and its
 * escalation % is exactly the share of rows below it. When only escalating everything reaches
 * the target, the threshold is the smallest number above the largest score, finite for JSON.
 *
 * Bootstrap (1,000 resamples by default, seeded): rows are sorted once; a resample with
 * replacement is a multiplicity per sorted row, which only changes the weight of each tie group,
 * so the resample's cut needs no sort, just passes over the counts (solve). The intervals are
 * the 2.5th and 97.5th percentiles over resamples. Resamples whose PGR is n/a (cloud = local by
 * chance) or that never reach the target are left out (the report's notes say how many); if none
 * is left, an interval is the point estimate alone.
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
  /** Per sorted position: 1 where the cloud is right and local wrong (delta = 1), else 0. */
  up: Uint8Array;
  /**
   * Blocks of whole tie groups, at least BLOCK rows each (but the last): block b covers groups
   * blockGroup[b] … blockGroup[b + 1] − 1.
   */
  blockGroup: Uint32Array;
  /** Per block, filled by each solve: weight, Σ weight·delta, Σ weight·up. */
  blockW: Int32Array;
  blockD: Int32Array;
  blockUp: Int32Array;
}

/** Rows per block: solve sums blocks in a tight loop and walks groups only where the cut may fall. */
const BLOCK = 64;

export function solver(rows: GroupedRows): Solver {
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
  const blocks = starts.length - 1;
  const up = new Uint8Array(rows.delta.length);
  for (let i = 0; i < up.length; i++) up[i] = rows.delta[i]! > 0 ? 1 : 0;
  return { rows, up, blockGroup: Uint32Array.from(starts), blockW: new Int32Array(blocks), blockD: new Int32Array(blocks), blockUp: new Int32Array(blocks) };
}

/**
 * The recommendation's cut when sorted position i carries counts[i] copies of its row: pct, the
 * share of the weight escalated (0…100), and the threshold. Null when PGR is n/a or no cut
 * reaches the target.
 *
 * Pass 1 sums each block; that gives the total gain PGR divides by. Pass 2 walks the blocks in
 * score order and looks inside one only when the cut could fall there: the gain at any group
 * boundary inside a block is at most the gain before it plus the block's rows that gain (or, when
 * the cloud is worse overall, that lose), so most blocks are passed whole.
 */
export function solve(sv: Solver, counts: Int32Array, target: number): { pct: number; threshold: number } | null {
  const { delta, groupEnd, groupScore } = sv.rows;
  const { up, blockGroup, blockW, blockD, blockUp } = sv;
  const blocks = blockGroup.length - 1;
  let total = 0;
  let d = 0;
  for (let b = 0; b < blocks; b++) {
    const start = blockGroup[b]! > 0 ? groupEnd[blockGroup[b]! - 1]! : 0;
    const end = groupEnd[blockGroup[b + 1]! - 1]!;
    // Two chains of 32-bit sums: the loop runs resamples × n times.
    let w1 = 0;
    let w2 = 0;
    let d1 = 0;
    let d2 = 0;
    let u1 = 0;
    let u2 = 0;
    let i = start;
    for (; i + 1 < end; i += 2) {
      const c1 = counts[i]!;
      const c2 = counts[i + 1]!;
      w1 = (w1 + c1) | 0;
      w2 = (w2 + c2) | 0;
      d1 = (d1 + Math.imul(c1, delta[i]!)) | 0;
      d2 = (d2 + Math.imul(c2, delta[i + 1]!)) | 0;
      u1 = (u1 + Math.imul(c1, up[i]!)) | 0;
      u2 = (u2 + Math.imul(c2, up[i + 1]!)) | 0;
    }
    if (i < end) {
      w1 = (w1 + counts[i]!) | 0;
      d1 = (d1 + Math.imul(counts[i]!, delta[i]!)) | 0;
      u1 = (u1 + Math.imul(counts[i]!, up[i]!)) | 0;
    }
    blockW[b] = w1 + w2;
    blockD[b] = d1 + d2;
    blockUp[b] = u1 + u2;
    total += w1 + w2;
    d += d1 + d2;
  }
  if (total === 0 || Math.abs(d) <= PGR_NA_TOLERANCE * total) return null;
  // PGR = gain / d ≥ level, for either sign of d: sign·gain ≥ level·|d|.
  const sign = d > 0 ? 1 : -1;
  const need = (target - CPT_TOLERANCE) * Math.abs(d);
  if (need <= 0) return { pct: 0, threshold: firstWeightedScore(sv, counts, 0)! };
  let before = 0;
  let gain = 0;
  for (let b = 0; b < blocks; b++) {
    const bw = blockW[b]!;
    if (bw === 0) continue;
    // The most sign·gain can rise inside this block: its rows that move PGR towards the target.
    const rise = sign > 0 ? blockUp[b]! : blockUp[b]! - blockD[b]!;
    if (sign * gain + rise < need) {
      before += bw;
      gain += blockD[b]!;
      continue;
    }
    let i = blockGroup[b]! > 0 ? groupEnd[blockGroup[b]! - 1]! : 0;
    for (let g = blockGroup[b]!; g < blockGroup[b + 1]!; g++) {
      const ge = groupEnd[g]!;
      let gw = 0;
      let gd = 0;
      for (; i < ge; i++) {
        gw += counts[i]!;
        gd += counts[i]! * delta[i]!;
      }
      if (gw === 0) continue;
      before += gw;
      gain += gd;
      if (sign * gain >= need) {
        return { pct: (100 * before) / total, threshold: firstWeightedScore(sv, counts, ge) ?? nextUp(groupScore[g]!) };
      }
    }
  }
  return null;
}

/** The score of the first row at or after sorted position `from` that carries weight; null if none does. */
function firstWeightedScore(sv: Solver, counts: Int32Array, from: number): number | null {
  const { groupEnd, groupScore, delta } = sv.rows;
  let i = from;
  while (i < delta.length && counts[i] === 0) i++;
  if (i >= delta.length) return null;
  // The group holding position i (groupEnd ascends).
  let lo = 0;
  let hi = groupEnd.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (groupEnd[mid]! > i) hi = mid;
    else lo = mid + 1;
  }
  return groupScore[lo]!;
}

/** The recommendation's rule on every row once (no resampling): pct and threshold, or null. */
export function operatingPoint(t: ResultsTable, scores: Float64Array, order: Uint32Array, target: number): { pct: number; threshold: number } | null {
  return solve(solver(groupRows(t, scores, order)), new Int32Array(order.length).fill(1), target);
}

export interface RecommendOptions {
  target: number;
  signal: string;
  resamples?: number;
  seed?: number;
}

export type RecommendResult = { recommendation: Recommendation; note: string | null } | { recommendation: null; note: string };

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
    xs[m] = r.pct;
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
      escalation_pct: point.pct,
      escalation_pct_ci: interval(xs, point.pct),
      resamples,
      seed,
    },
    // Intervals over only the resamples that reach the target are narrower than the truth; say so.
    note:
      m < resamples
        ? `${(resamples - m).toLocaleString('en-US')} of ${resamples.toLocaleString('en-US')} bootstrap resamples never reach PGR ${opts.target} (or have cloud = local), so the intervals come from the other ${m.toLocaleString('en-US')}${m === 0 ? ' (none: they are the point estimate alone)' : ''}.`
        : null,
  };
}
