import type { LearnedRouter } from '../contract/index.js';
import { mulberry32, operatingPoint } from './bootstrap.js';
import type { ResultsTable } from './csv.js';
import { predictLearned, promptFeatures } from '../routing/learned.js';

// One implementation serves the fit and the live router, so the two cannot drift apart.
export { predictLearned, promptFeatures };
import { APGR_GRID, apgrOf, argsortAscending, escalationCurve, foldApgrs, iota } from './metrics.js';

/*
 * The learned router: logistic regression predicting local_correct from every signal (and cheap
 * prompt features when the CSV has prompts), scored by its predicted P(correct) like any other
 * signal. Cross-validated against the best single signal, so the report says honestly whether
 * combining signals beats picking one.
 *
 * Features are standardised (on the training rows only, in cross-validation) and fitted by
 * Newton's method with a small L2 penalty on the weights (not the intercept): deterministic,
 * a few passes over the rows, and finite weights even when a signal separates the classes.
 */

export interface LogisticModel {
  features: string[];
  means: number[];
  scales: number[];
  weights: number[];
  intercept: number;
}

/** Penalty on the standardised weights, per row of the mean loss. */
export const L2 = 1e-4;
const MAX_PASSES = 100;
/** Take the last step when half the squared Newton decrement (the predicted loss decrease) is below this. */
const TOLERANCE = 1e-4;
export const DEFAULT_FOLDS = 5;
export const MIN_ROWS_FOR_LEARNED = 20;

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Every feature as a column: the signals in table order, then the prompt features. */
export function featureColumns(t: ResultsTable): { names: string[]; columns: Float64Array[] } {
  const names = [...t.signals.keys()];
  const columns = [...t.signals.values()];
  if (t.prompts !== null) {
    const n = t.ids.length;
    const chars = new Float64Array(n);
    const number = new Float64Array(n);
    const code = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const f = promptFeatures(t.prompts[i]!);
      chars[i] = f.prompt_log_chars;
      number[i] = f.prompt_has_number;
      code[i] = f.prompt_has_code;
    }
    names.push('prompt_log_chars', 'prompt_has_number', 'prompt_has_code');
    columns.push(chars, number, code);
  }
  return { names, columns };
}

/** Solves H s = g for a symmetric positive-definite H (D × D, upper triangle filled) by Cholesky. */
function solveSpd(H: Float64Array, g: Float64Array, D: number): Float64Array {
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = H[j * D + i]!; // upper triangle: row j ≤ column i
      for (let k = 0; k < j; k++) sum -= L[i * D + k]! * L[j * D + k]!;
      if (i === j) L[i * D + i] = Math.sqrt(Math.max(sum, 1e-300));
      else L[i * D + j] = sum / L[j * D + j]!;
    }
  }
  const y = new Float64Array(D);
  for (let i = 0; i < D; i++) {
    let sum = g[i]!;
    for (let k = 0; k < i; k++) sum -= L[i * D + k]! * y[k]!;
    y[i] = sum / L[i * D + i]!;
  }
  const s = new Float64Array(D);
  for (let i = D - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < D; k++) sum -= L[k * D + i]! * s[k]!;
    s[i] = sum / L[i * D + i]!;
  }
  return s;
}

/** Scratch arrays for one fit, reused by every pass. */
interface Work {
  z: Float64Array;
  r: Float64Array;
  h: Float64Array;
  hx: Float64Array;
}

/**
 * One pass at beta = [intercept, w1…wd] over standardised Z, column-major (feature j of row i at
 * j·m + i): the objective (mean log-loss plus the penalty), its gradient into g and its Hessian's
 * upper triangle into H, both ÷ m. Column by column, so every inner loop streams through memory
 * and sums in a register.
 */
function pass(Z: Float64Array, y: Uint8Array, m: number, d: number, beta: Float64Array, lambda: number, g: Float64Array, H: Float64Array, w: Work): number {
  const D = d + 1;
  const { z, r, h, hx } = w;
  z.fill(beta[0]!);
  for (let j = 0; j < d; j++) {
    const b = beta[j + 1]!;
    const off = j * m;
    for (let i = 0; i < m; i++) z[i]! += b * Z[off + i]!;
  }
  let loss = 0;
  let g0 = 0;
  let h0 = 0;
  for (let i = 0; i < m; i++) {
    const zi = z[i]!;
    // log(1 + e^z) and the sigmoid from one exp, without overflow
    const e = Math.exp(-Math.abs(zi));
    const p = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
    const yi = y[i]!;
    loss += (zi > 0 ? zi : 0) + Math.log1p(e) - yi * zi;
    r[i] = p - yi;
    h[i] = p * (1 - p);
    g0 += p - yi;
    h0 += p * (1 - p);
  }
  g[0] = g0;
  H[0] = h0;
  // Four partial sums per dot product: one running sum waits on its last addition every step.
  const m4 = m & ~3;
  for (let j = 0; j < d; j++) {
    const off = j * m;
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let g4 = 0;
    let h1 = 0;
    let h2 = 0;
    let h3 = 0;
    let h4 = 0;
    let i = 0;
    for (; i < m4; i += 4) {
      const x1 = Z[off + i]!;
      const x2 = Z[off + i + 1]!;
      const x3 = Z[off + i + 2]!;
      const x4 = Z[off + i + 3]!;
      g1 += r[i]! * x1;
      g2 += r[i + 1]! * x2;
      g3 += r[i + 2]! * x3;
      g4 += r[i + 3]! * x4;
      const v1 = h[i]! * x1;
      const v2 = h[i + 1]! * x2;
      const v3 = h[i + 2]! * x3;
      const v4 = h[i + 3]! * x4;
      hx[i] = v1;
      hx[i + 1] = v2;
      hx[i + 2] = v3;
      hx[i + 3] = v4;
      h1 += v1;
      h2 += v2;
      h3 += v3;
      h4 += v4;
    }
    for (; i < m; i++) {
      const x = Z[off + i]!;
      g1 += r[i]! * x;
      const v = h[i]! * x;
      hx[i] = v;
      h1 += v;
    }
    g[j + 1] = g1 + g2 + g3 + g4;
    H[j + 1] = h1 + h2 + h3 + h4; // row 0, column j + 1
    for (let k = j; k < d; k++) {
      const offk = k * m;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let i = 0;
      for (; i < m4; i += 4) {
        s1 += hx[i]! * Z[offk + i]!;
        s2 += hx[i + 1]! * Z[offk + i + 1]!;
        s3 += hx[i + 2]! * Z[offk + i + 2]!;
        s4 += hx[i + 3]! * Z[offk + i + 3]!;
      }
      for (; i < m; i++) s1 += hx[i]! * Z[offk + i]!;
      H[(j + 1) * D + k + 1] = s1 + s2 + s3 + s4;
    }
  }
  for (let i = 0; i < D * D; i++) H[i]! /= m;
  let reg = 0;
  for (let j = 0; j < D; j++) g[j]! /= m;
  for (let j = 1; j < D; j++) {
    const wj = beta[j]!;
    reg += wj * wj;
    H[j * D + j]! += lambda;
    g[j]! += lambda * wj;
  }
  H[0] += 1e-12; // an intercept-only fit on one class would leave H[0] at zero
  return loss / m + (lambda / 2) * reg;
}

/**
 * Damped Newton. Each pass computes the objective with the gradient and Hessian, so a step is
 * checked (Armijo) by the pass that follows it: a rejected step halves and costs one pass, an
 * accepted one costs nothing extra.
 */
function newton(Z: Float64Array, y: Uint8Array, m: number, d: number, start: Float64Array, lambda: number, work: Work): Float64Array {
  const D = d + 1;
  const H = new Float64Array(D * D);
  const g = new Float64Array(D);
  const accepted = Float64Array.from(start);
  const candidate = Float64Array.from(start);
  let J = Infinity;
  let step: Float64Array = new Float64Array(D);
  let decrement = 0;
  let alpha = 1;
  for (let passes = 0; passes < MAX_PASSES; passes++) {
    const Jc = pass(Z, y, m, d, candidate, lambda, g, H, work);
    if (J === Infinity || Jc <= J - 1e-4 * alpha * decrement) {
      accepted.set(candidate);
      J = Jc;
      step = solveSpd(H, g, D);
      decrement = 0;
      for (let j = 0; j < D; j++) decrement += g[j]! * step[j]!;
      if (!Number.isFinite(decrement)) break;
      if (decrement / 2 <= TOLERANCE) {
        // Close enough that Newton converges quadratically: this last full step leaves the loss
        // within about (decrement/2)² of the optimum, without a pass to confirm it.
        for (let j = 0; j < D; j++) accepted[j] = accepted[j]! - step[j]!;
        break;
      }
      alpha = 1;
    } else {
      alpha /= 2;
      if (alpha < 1e-10) break;
    }
    for (let j = 0; j < D; j++) candidate[j] = accepted[j]! - alpha * step[j]!;
  }
  return accepted;
}

/** Buffers for fits of up to m rows and d features: cross-validation reuses one set. */
export interface FitScratch {
  Z: Float64Array;
  y: Uint8Array;
  z: Float64Array;
  r: Float64Array;
  h: Float64Array;
  hx: Float64Array;
}

export function fitScratch(m: number, d: number): FitScratch {
  return { Z: new Float64Array(m * d), y: new Uint8Array(m), z: new Float64Array(m), r: new Float64Array(m), h: new Float64Array(m), hx: new Float64Array(m) };
}

/**
 * Fits on `rows` (all rows when null). `start`, a model to begin from (any standardisation),
 * only saves iterations: the fit converges to the same optimum.
 */
export function fitLogistic(
  columns: Float64Array[],
  names: string[],
  labels: Uint8Array,
  rows: Uint32Array | null,
  start?: LogisticModel,
  lambda = L2,
  scratch?: FitScratch,
): LogisticModel {
  const d = columns.length;
  const m = rows ? rows.length : labels.length;
  const means: number[] = [];
  const scales: number[] = [];
  const buf = scratch && scratch.y.length >= m && scratch.Z.length >= m * d ? scratch : fitScratch(m, d);
  // Column-major (feature j of training row i at j·m + i), the layout `pass` streams through.
  const Z = buf.Z.subarray(0, m * d);
  for (let j = 0; j < d; j++) {
    const col = columns[j]!;
    const off = j * m;
    // Sums about the first value (the shifted-data algorithm): one pass, and no cancellation
    // when a feature's mean is large next to its spread.
    const shift = m > 0 ? col[rows ? rows[0]! : 0]! : 0;
    let sum = 0;
    let ss = 0;
    if (rows) {
      for (let i = 0; i < m; i++) {
        const v = col[rows[i]!]! - shift;
        Z[off + i] = v;
        sum += v;
        ss += v * v;
      }
    } else {
      for (let i = 0; i < m; i++) {
        const v = col[i]! - shift;
        Z[off + i] = v;
        sum += v;
        ss += v * v;
      }
    }
    const centred = sum / m;
    const sd = Math.sqrt(Math.max(0, ss / m - centred * centred));
    const mean = shift + centred;
    // A constant feature carries nothing; scale 1 keeps it harmless (its weight stays at zero).
    const scale = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
    for (let i = 0; i < m; i++) Z[off + i] = (Z[off + i]! - centred) / scale;
    means.push(mean);
    scales.push(scale);
  }
  const y = buf.y.subarray(0, m);
  for (let i = 0; i < m; i++) y[i] = labels[rows ? rows[i]! : i]!;

  const beta0 = new Float64Array(d + 1);
  if (start) {
    // The same linear function in this standardisation.
    let b = start.intercept;
    for (let j = 0; j < d; j++) {
      const w = start.weights[j]! / start.scales[j]!;
      beta0[j + 1] = w * scales[j]!;
      b += w * (means[j]! - start.means[j]!);
    }
    beta0[0] = b;
  }
  const work: Work = { z: buf.z.subarray(0, m), r: buf.r.subarray(0, m), h: buf.h.subarray(0, m), hx: buf.hx.subarray(0, m) };
  const beta = newton(Z, y, m, d, beta0, lambda, work);
  return { features: [...names], means, scales, weights: Array.from(beta.subarray(1)), intercept: beta[0]! };
}

/** Predicted P(correct) for `rows`, written into a full-length array at those rows. */
function predictRows(model: LogisticModel, columns: Float64Array[], rows: Uint32Array, out: Float64Array): void {
  for (const r of rows) out[r] = model.intercept;
  columns.forEach((col, j) => {
    const w = model.weights[j]! / model.scales[j]!;
    const mean = model.means[j]!;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out[r]! += w * (col[r]! - mean);
    }
  });
  for (const r of rows) out[r] = sigmoid(out[r]!);
}

export interface LearnedOptions {
  folds?: number;
  seed: number;
  /** The PGR the full fit's threshold aims for, as in the recommendation. */
  target: number;
  /** Each signal's rows in ascending order (argsortAscending), keyed like table.signals. */
  orders: Map<string, Uint32Array>;
}

export type LearnedResult = { learned: LearnedRouter; note: null } | { learned: null; note: string };

const mean = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

/**
 * k-fold cross-validation with a seeded shuffle. In each fold: fit on the rest and score the
 * held-out rows by predicted P(correct); pick the signal with the best APGR on the training part
 * and score it on the same held-out rows. Reports the means over folds.
 */
export function learnedRouter(t: ResultsTable, opts: LearnedOptions): LearnedResult {
  const n = t.ids.length;
  const folds = opts.folds ?? DEFAULT_FOLDS;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += t.localCorrect[i]!;
  if (n < MIN_ROWS_FOR_LEARNED) return { learned: null, note: `No learned router: it needs at least ${MIN_ROWS_FOR_LEARNED} rows, and there are ${n}.` };
  if (positives === 0 || positives === n) {
    return { learned: null, note: `No learned router: the local model was ${positives === 0 ? 'wrong' : 'right'} on every row, so there is nothing to predict.` };
  }
  if (!Number.isInteger(folds) || folds < 2 || folds > Math.min(n, 100)) return { learned: null, note: `No learned router: ${folds} folds is not a usable number for ${n} rows.` };

  const { names, columns } = featureColumns(t);
  const scratch = fitScratch(n, columns.length);
  const model = fitLogistic(columns, names, t.localCorrect, null, undefined, L2, scratch);
  // The full fit's own operating point, by the recommendation's rule (bootstrap.ts), in-sample.
  const all = iota(n);
  const probability = new Float64Array(n);
  predictRows(model, columns, all, probability);
  const operating = operatingPoint(t, probability, argsortAscending(probability), opts.target);

  // Fisher–Yates with the seed, then deal rows round-robin: folds differ in size by at most one.
  const perm = iota(n);
  const rand = mulberry32(opts.seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((rand() / 4294967296) * (i + 1));
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  const fold = new Uint8Array(n);
  for (let i = 0; i < n; i++) fold[perm[i]!] = i % folds;

  const signalNames = [...t.signals.keys()];
  const bySignal = new Map(signalNames.map((s) => [s, foldApgrs(t, t.signals.get(s)!, opts.orders.get(s)!, fold, folds)]));
  const learnedApgr: (number | null)[] = [];
  const singleApgr: (number | null)[] = [];
  const picks = new Map<string, number>();
  const predicted = new Float64Array(n);
  for (let f = 0; f < folds; f++) {
    let held = 0;
    for (let i = 0; i < n; i++) if (fold[i] === f) held++;
    const trainRows = new Uint32Array(n - held);
    const heldRows = new Uint32Array(held);
    for (let i = 0, a = 0, b = 0; i < n; i++) {
      if (fold[i] === f) heldRows[b++] = i;
      else trainRows[a++] = i;
    }
    const foldModel = fitLogistic(columns, names, t.localCorrect, trainRows, model, L2, scratch);
    predictRows(foldModel, columns, heldRows, predicted);
    learnedApgr.push(apgrOf(escalationCurve(t, predicted, argsortAscending(predicted, heldRows), APGR_GRID)));

    // The signal a person would pick from the training part, judged on the held-out fold.
    let best = signalNames[0]!;
    let bestApgr = -Infinity;
    for (const s of signalNames) {
      const a = bySignal.get(s)!.train[f] ?? null;
      if (a !== null && a > bestApgr) {
        best = s;
        bestApgr = a;
      }
    }
    picks.set(best, (picks.get(best) ?? 0) + 1);
    singleApgr.push(bySignal.get(best)!.held[f] ?? null);
  }

  let bestSignal = signalNames[0]!;
  for (const s of signalNames) if ((picks.get(s) ?? 0) > (picks.get(bestSignal) ?? 0)) bestSignal = s;
  const apgr = mean(learnedApgr);
  const best_single_apgr = mean(singleApgr);
  return {
    learned: {
      folds,
      features: names,
      apgr,
      best_single_apgr,
      best_single_signal: bestSignal,
      wins: apgr !== null && best_single_apgr !== null && apgr > best_single_apgr,
      threshold: operating?.threshold ?? null,
      escalation_pct: operating?.pct ?? null,
      model,
    },
    note: null,
  };
}
