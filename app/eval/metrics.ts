import type { CurvePoint, RouterSummary } from '../contract/index.js';
import type { ResultsTable } from './csv.js';

/*
 * Router metrics over a results table (definitions in app/contract/eval.ts and the README).
 *
 * A router escalates the lowest-scoring share of tasks to the cloud. Everything here works from
 * one ascending sort of a score: the curve is a single pass over the sorted rows, and AUROC is the
 * rank-sum over the same order. Ties are resolved as the expected value under random
 * tie-breaking, so the figures never depend on the order rows happen to be in.
 */

/** cloud = local within this (as a share of rows): PGR has no denominator. */
export const PGR_NA_TOLERANCE = 1e-12;
/** PGR(x) ≥ level − this counts as reaching the level, so 0.8 computed as 4/5 is not missed by rounding. */
export const CPT_TOLERANCE = 1e-9;
/** Every integer percent, 0…100. */
export const PERCENT_GRID: readonly number[] = Array.from({ length: 101 }, (_, x) => x);
/** The points APGR averages. */
export const APGR_GRID: readonly number[] = Array.from({ length: 11 }, (_, i) => i * 10);

/** 0, 1, …, n − 1. */
export function iota(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Row indices in ascending order of score; `rows` sorts a subset (e.g. one cross-validation fold). */
export function argsortAscending(scores: Float64Array, rows?: Uint32Array): Uint32Array {
  const order = rows ? Uint32Array.from(rows) : iota(scores.length);
  // Index as the tie-break keeps the order independent of the engine's sort.
  if (order.length < RADIX_MIN) return order.sort((a, b) => scores[a]! - scores[b]! || a - b);
  return radixArgsort(scores, order);
}

const RADIX_MIN = 4096;

/**
 * LSD radix sort of rows by their scores' IEEE-754 bits, made order-preserving (negative numbers:
 * every bit flipped; others: the sign bit set), 16 bits per pass. About 10× a comparator sort on
 * 100,000 rows; stable, so ties keep the ascending row order the comparator sort gives them.
 */
function radixArgsort(scores: Float64Array, rows: Uint32Array): Uint32Array {
  const n = rows.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const [L, H] = little ? [0, 1] : [1, 0];
  // Sorted by row first, so equal scores end in row order whatever order `rows` came in.
  let ascending = true;
  for (let i = 1; i < n && ascending; i++) ascending = rows[i - 1]! < rows[i]!;
  if (!ascending) rows.sort();
  for (let i = 0; i < n; i++) {
    const v = scores[rows[i]!]!;
    bits[0] = v === 0 ? 0 : v; // −0 sorts with +0
    const h = words[H]!;
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~words[L]! >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = words[L]!;
    }
  }
  // Each pass moves positions into `idx` (positions into rows/hi/lo), stable by counting.
  let idx: Uint32Array = iota(n);
  let tmp: Uint32Array = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const key = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(key[idx[i]!]! >>> shift) & 0xffff]!++;
    let sum = 0;
    for (let b = 0; b < 65536; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const p = idx[i]!;
      tmp[count[(key[p]! >>> shift) & 0xffff]!++] = p;
    }
    [idx, tmp] = [tmp, idx];
  }
  for (let i = 0; i < n; i++) tmp[i] = rows[idx[i]!]!;
  return tmp;
}

/** The rows of `order` for which `keep` is 1, still sorted: a fold's order without sorting again. */
export function filterOrder(order: Uint32Array, keep: Uint8Array): Uint32Array {
  let m = 0;
  for (let i = 0; i < order.length; i++) m += keep[order[i]!]!;
  const out = new Uint32Array(m);
  let j = 0;
  for (let i = 0; i < order.length; i++) {
    const r = order[i]!;
    if (keep[r]) out[j++] = r;
  }
  return out;
}

export interface Totals {
  rows: number;
  /** Counts of correct answers and sums of costs over the rows. */
  localCorrect: number;
  cloudCorrect: number;
  oracleCorrect: number;
  localCost: number;
  cloudCost: number;
}

export function totals(t: ResultsTable, rows?: Uint32Array): Totals {
  const s: Totals = { rows: 0, localCorrect: 0, cloudCorrect: 0, oracleCorrect: 0, localCost: 0, cloudCost: 0 };
  const n = rows ? rows.length : t.ids.length;
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i]! : i;
    const l = t.localCorrect[r]!;
    const c = t.cloudCorrect[r]!;
    s.localCorrect += l;
    s.cloudCorrect += c;
    s.oracleCorrect += l | c;
    s.localCost += t.localCost[r]!;
    s.cloudCost += t.cloudCost[r]!;
  }
  s.rows = n;
  return s;
}

/** The curve at some escalation percentages, as counts: divide by rows for accuracy. */
export interface Curve {
  totals: Totals;
  xs: readonly number[];
  /** Expected extra correct answers from escalating the lowest x% (cloud − local over those rows). */
  gain: Float64Array;
  /** Expected cloud cost of the escalated rows. */
  cloudSpend: Float64Array;
}

/**
 * One pass over rows sorted by score. At x, k = x·n/100 rows are escalated (k may be fractional).
 * A tie group escalates clamp(k − rows before it, 0, its size) rows in expectation, spread evenly
 * over its members; a fractional k is the same rule applied to the boundary row.
 * `order` may be a subset of the table's rows; the curve is then over that subset alone.
 * `tot`, the subset's totals, saves a pass when the caller has them. `xs` must ascend.
 */
export function escalationCurve(t: ResultsTable, scores: Float64Array, order: Uint32Array, xs: readonly number[] = PERCENT_GRID, tot: Totals = totals(t, order)): Curve {
  const n = order.length;
  const gain = new Float64Array(xs.length);
  const cloudSpend = new Float64Array(xs.length);
  let xi = 0;
  let k = (xs[0]! * n) / 100;
  // Before the first group: x = 0 escalates nothing.
  while (xi < xs.length && k <= 0) {
    xi++;
    k = (xs[xi] ?? 0) * n / 100;
  }
  let before = 0; // rows in the groups already passed
  let gainBefore = 0;
  let spendBefore = 0;
  let i = 0;
  while (i < n && xi < xs.length) {
    const s = scores[order[i]!]!;
    let gw = 0;
    let gd = 0;
    let gc = 0;
    let j = i;
    for (; j < n; j++) {
      const r = order[j]!;
      if (scores[r] !== s) break;
      gw++;
      gd += t.cloudCorrect[r]! - t.localCorrect[r]!;
      gc += t.cloudCost[r]!;
    }
    while (xi < xs.length && k <= before + gw) {
      const share = k - before;
      gain[xi] = gainBefore + (share * gd) / gw;
      cloudSpend[xi] = spendBefore + (share * gc) / gw;
      xi++;
      k = (xs[xi] ?? 0) * n / 100;
    }
    before += gw;
    gainBefore += gd;
    spendBefore += gc;
    i = j;
  }
  // Only reached through rounding, or for x > 100: everything is escalated.
  for (; xi < xs.length; xi++) {
    gain[xi] = gainBefore;
    cloudSpend[xi] = spendBefore;
  }
  return { totals: tot, xs, gain, cloudSpend };
}

/**
 * APGR of one score in every cross-validation fold, on the training part (every other fold) and
 * on the held-out fold, from one pass over the full sorted order: each tie group's rows and gain
 * are split by fold, and the 2 × folds curves advance together. Equal to escalationCurve over
 * each part's own rows (filterOrder), without building them.
 */
export function foldApgrs(t: ResultsTable, scores: Float64Array, order: Uint32Array, fold: Uint8Array, folds: number): { train: (number | null)[]; held: (number | null)[] } {
  const n = order.length;
  const C = 2 * folds; // curve c < folds: training part of fold c; c ≥ folds: held-out fold c − folds
  const rowsF = new Float64Array(folds);
  const gainF = new Float64Array(folds);
  for (let i = 0; i < n; i++) {
    const r = order[i]!;
    const f = fold[r]!;
    rowsF[f]!++;
    gainF[f]! += t.cloudCorrect[r]! - t.localCorrect[r]!;
  }
  const rowsAll = rowsF.reduce((a, b) => a + b, 0);
  const gainAll = gainF.reduce((a, b) => a + b, 0);
  const rowsC = new Float64Array(C);
  const gainC = new Float64Array(C);
  for (let f = 0; f < folds; f++) {
    rowsC[f] = rowsAll - rowsF[f]!;
    gainC[f] = gainAll - gainF[f]!;
    rowsC[folds + f] = rowsF[f]!;
    gainC[folds + f] = gainF[f]!;
  }
  const P = APGR_GRID.length;
  const gain = new Float64Array(C * P);
  const xi = new Int32Array(C);
  const before = new Float64Array(C);
  const gainBefore = new Float64Array(C);
  const gw = new Float64Array(folds);
  const gd = new Float64Array(folds);
  let i = 0;
  while (i < n) {
    const s = scores[order[i]!]!;
    for (let f = 0; f < folds; f++) gw[f] = gd[f] = 0;
    let wAll = 0;
    let dAll = 0;
    for (; i < n; i++) {
      const r = order[i]!;
      if (scores[r] !== s) break;
      const f = fold[r]!;
      const delta = t.cloudCorrect[r]! - t.localCorrect[r]!;
      gw[f]!++;
      gd[f]! += delta;
      wAll++;
      dAll += delta;
    }
    for (let c = 0; c < C; c++) {
      const w = c < folds ? wAll - gw[c]! : gw[c - folds]!;
      if (w === 0) continue;
      const dg = c < folds ? dAll - gd[c]! : gd[c - folds]!;
      const b = before[c]!;
      const N = rowsC[c]!;
      let x = xi[c]!;
      // Same arithmetic as escalationCurve.
      for (let k = (APGR_GRID[x]! * N) / 100; x < P && k <= b + w; k = ((APGR_GRID[++x] ?? 0) * N) / 100) gain[c * P + x] = gainBefore[c]! + ((k - b) * dg) / w;
      xi[c] = x;
      before[c] = b + w;
      gainBefore[c]! += dg;
    }
  }
  const apgr = (c: number) => {
    const N = rowsC[c]!;
    const d = gainC[c]!;
    if (N === 0 || Math.abs(d) <= PGR_NA_TOLERANCE * N) return null;
    let sum = 0;
    for (let x = 0; x < P; x++) sum += (x < xi[c]! ? gain[c * P + x]! : gainBefore[c]!) / d;
    return sum / P;
  };
  return { train: Array.from({ length: folds }, (_, f) => apgr(f)), held: Array.from({ length: folds }, (_, f) => apgr(folds + f)) };
}

/** cloud − local in correct answers; null when PGR is n/a. */
export function pgrDenominator(tot: Totals): number | null {
  const d = tot.cloudCorrect - tot.localCorrect;
  return tot.rows === 0 || Math.abs(d) <= PGR_NA_TOLERANCE * tot.rows ? null : d;
}

/** PGR at each of the curve's xs; null when n/a. */
export function pgrs(c: Curve): (number | null)[] {
  const d = pgrDenominator(c.totals);
  return Array.from(c.gain, (g) => (d === null ? null : g / d));
}

export function curvePoints(c: Curve): CurvePoint[] {
  const { rows, localCorrect, localCost, cloudCost } = c.totals;
  const p = pgrs(c);
  return c.xs.map((x, i) => ({
    x,
    accuracy: (localCorrect + c.gain[i]!) / rows,
    pgr: p[i]!,
    cost_share: cloudCost > 0 ? (localCost + c.cloudSpend[i]!) / cloudCost : null,
  }));
}

/** Mean PGR at 0, 10, …, 100 from a curve that has those xs. */
export function apgrOf(c: Curve): number | null {
  const p = pgrs(c);
  let sum = 0;
  for (const x of APGR_GRID) {
    const i = c.xs.indexOf(x);
    if (i < 0) throw new Error(`The curve has no point at x = ${x}.`);
    const v = p[i];
    if (v === null || v === undefined) return null;
    sum += v;
  }
  return sum / APGR_GRID.length;
}

/** The smallest x (of points sorted by x) whose PGR reaches `level`; null when n/a or never. */
export function firstReaching(points: readonly CurvePoint[], level: number): number | null {
  for (const p of points) if (p.pgr !== null && p.pgr >= level - CPT_TOLERANCE) return p.x;
  return null;
}

/** APGR, CPT(50%), CPT(80%) and the cost share at CPT(80%), from a 1%-grid curve. */
export function summarize(points: readonly CurvePoint[]): RouterSummary {
  if (points.length === 0 || points[0]!.pgr === null) return { apgr: null, cpt50: null, cpt80: null, cost_at_cpt80: null };
  const at = (x: number) => points.find((p) => p.x === x);
  let sum = 0;
  for (const x of APGR_GRID) sum += at(x)!.pgr!;
  const cpt80 = firstReaching(points, 0.8);
  return {
    apgr: sum / APGR_GRID.length,
    cpt50: firstReaching(points, 0.5),
    cpt80,
    cost_at_cpt80: cpt80 === null ? null : (at(cpt80)?.cost_share ?? null),
  };
}

/**
 * A router that escalates tasks at random. Over random orderings each task is escalated with
 * probability x/100, so acc(x) = local + (x/100)(cloud − local) exactly and PGR(x) = x/100:
 * APGR 0.5, CPT(50%) = 50, CPT(80%) = 80, at a cost share of (Σ local + 0.8·Σ cloud) / Σ cloud.
 */
export function randomSummary(tot: Totals): RouterSummary {
  if (pgrDenominator(tot) === null) return { apgr: null, cpt50: null, cpt80: null, cost_at_cpt80: null };
  const points: CurvePoint[] = PERCENT_GRID.map((x) => ({
    x,
    accuracy: (tot.localCorrect + (x / 100) * (tot.cloudCorrect - tot.localCorrect)) / tot.rows,
    pgr: x / 100,
    cost_share: tot.cloudCost > 0 ? (tot.localCost + (x / 100) * tot.cloudCost) / tot.cloudCost : null,
  }));
  return summarize(points);
}

/**
 * AUROC of a score against 0/1 labels (in the report: local_correct, positive = local correct):
 * the chance a random positive row outscores a random negative one, ties counting half.
 * Mann–Whitney U from average ranks over the ascending order (computed when not given).
 * Null when every row is one class.
 */
export function auroc(scores: Float64Array, labels: Uint8Array, order: Uint32Array = argsortAscending(scores)): number | null {
  const n = order.length;
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    const s = scores[order[i]!]!;
    let j = i;
    let pos = 0;
    for (; j < n && scores[order[j]!] === s; j++) pos += labels[order[j]!]!;
    // 1-based ranks i+1 … j share their average.
    rankSum += (pos * (i + 1 + j)) / 2;
    positives += pos;
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
