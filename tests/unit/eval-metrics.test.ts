import { describe, expect, it } from 'vitest';
import { formatReport } from '../../app/eval/format.js';
import { AppError, EvalReportSchema, type EvalReport } from '../../app/contract/index.js';
import {
  APGR_GRID,
  apgrOf,
  argsortAscending,
  auroc,
  buildReport,
  chartGeometry,
  escalationCurve,
  filterOrder,
  foldApgrs,
  groupRows,
  learnedRouter,
  mulberry32,
  nextUp,
  predictLearned,
  promptFeatures,
  quantile,
  recommend,
  reportSvg,
  solve,
  solver,
  type ResultsTable,
} from '../../app/eval/index.js';

interface Row {
  score: number;
  local: 0 | 1;
  cloud: 0 | 1;
  localCost?: number;
  cloudCost?: number;
  prompt?: string;
  signals?: Record<string, number>;
}

/** A results table straight from rows: local_confidence is `score`. */
function table(rows: Row[]): ResultsTable {
  const signals = new Map<string, Float64Array>([['local_confidence', Float64Array.from(rows, (r) => r.score)]]);
  for (const name of Object.keys(rows[0]?.signals ?? {})) signals.set(name, Float64Array.from(rows, (r) => r.signals![name]!));
  return {
    ids: rows.map((_, i) => `t${i}`),
    localCorrect: Uint8Array.from(rows, (r) => r.local),
    cloudCorrect: Uint8Array.from(rows, (r) => r.cloud),
    localCost: Float64Array.from(rows, (r) => r.localCost ?? 0),
    cloudCost: Float64Array.from(rows, (r) => r.cloudCost ?? 0),
    signals,
    prompts: rows.some((r) => r.prompt !== undefined) ? rows.map((r) => r.prompt ?? '') : null,
  };
}

const at = (report: EvalReport, x: number) => report.curve.find((p) => p.x === x)!;

/*
 * The worked example. Four tasks, sorted by score; two tie at 0.5:
 *
 *   score  local  cloud  Δ = cloud − local  local $  cloud $
 *   0.1    0      1      +1                 0.001    0.01
 *   0.5    0      1      +1                 0.001    0.02
 *   0.5    1      1       0                 0.001    0.03
 *   0.9    1      0      −1                 0.001    0.04
 *
 * local = 2/4 = 0.5, cloud = 3/4 = 0.75, oracle = 4/4 = 1 (every row has a right answer).
 * PGR(x) = gain(k) / (cloud − local in rows = 1), k = x·4/100 rows escalated.
 */
const worked = table([
  { score: 0.9, local: 1, cloud: 0, localCost: 0.001, cloudCost: 0.04 },
  { score: 0.5, local: 0, cloud: 1, localCost: 0.001, cloudCost: 0.02 },
  { score: 0.1, local: 0, cloud: 1, localCost: 0.001, cloudCost: 0.01 },
  { score: 0.5, local: 1, cloud: 1, localCost: 0.001, cloudCost: 0.03 },
]);

describe('accuracy, AUROC and the curve on a worked example', () => {
  const report = buildReport(worked, { target: 0.95, resamples: 200, seed: 1 });

  it('produces a report the contract accepts, with 101 curve points', () => {
    expect(() => EvalReportSchema.parse(report)).not.toThrow();
    expect(report.curve.map((p) => p.x)).toEqual(Array.from({ length: 101 }, (_, x) => x));
    expect(report.rows).toBe(4);
    expect(report.signal).toBe('local_confidence');
  });

  it('computes local, cloud and oracle accuracy', () => {
    expect(report.local_accuracy).toBe(0.5);
    expect(report.cloud_accuracy).toBe(0.75);
    expect(report.oracle_accuracy).toBe(1);
    expect(report.all_local_cost_usd).toBeCloseTo(0.004, 12);
    expect(report.all_cloud_cost_usd).toBeCloseTo(0.1, 12);
  });

  it('gives a tie half credit in AUROC', () => {
    // Correct rows score 0.5 and 0.9, wrong ones 0.1 and 0.5. Pairs (correct, wrong):
    // (0.5, 0.1) 1, (0.5, 0.5) ½, (0.9, 0.1) 1, (0.9, 0.5) 1 → 3.5 / 4.
    expect(report.auroc.local_confidence).toBe(0.875);
  });

  it('spreads a tie group straddling the cut evenly (expected value under random tie-breaking)', () => {
    // x = 50: k = 2. Row 0.1 goes (gain +1); the 0.5 group (2 rows, Δ +1 and 0) holds the cut
    // with 2 − 1 = 1 of its 2 rows escalated, ½ each: gain 1 + ½·(1 + 0) = 1.5.
    expect(at(report, 50).accuracy).toBe((2 + 1.5) / 4);
    expect(at(report, 50).pgr).toBe(1.5);
    // Cost: all local 0.004 + cloud 0.01 + ½·(0.02 + 0.03) = 0.039 → 0.39 of all-cloud 0.1.
    expect(at(report, 50).cost_share).toBeCloseTo(0.39, 12);
  });

  it('escalates a fractional boundary row with probability frac(k)', () => {
    // x = 10: k = 0.4, 0.4 of row 0.1 (Δ +1): accuracy (2 + 0.4)/4 = 0.6.
    expect(at(report, 10).accuracy).toBeCloseTo(0.6, 12);
    // x = 37: k = 1.48: row 0.1 whole, then 0.48 of the tie group, 0.24 each: 1 + 0.24 = 1.24.
    expect(at(report, 37).pgr).toBeCloseTo(1.24, 12);
  });

  it('follows a curve that goes up and then down', () => {
    // x = 75: k = 3, all but 0.9: gain 2 → accuracy 1. x = 100: Δ −1 too → gain 1 = cloud.
    expect(at(report, 0).accuracy).toBe(0.5);
    expect(at(report, 75).accuracy).toBe(1);
    expect(at(report, 100).accuracy).toBe(0.75);
    expect(at(report, 100).pgr).toBe(1);
    // x = 80: k = 3.2, 0.2 of the Δ −1 row: gain 1.8.
    expect(at(report, 80).pgr).toBeCloseTo(1.8, 12);
  });

  it('computes APGR, CPT(50%), CPT(80%) and the cost at CPT(80%)', () => {
    // PGR at x = 0, 10, …, 100 (k = 0, 0.4, …, 4):
    // 0, 0.4, 0.8, 1.1, 1.3, 1.5, 1.7, 1.9, 1.8, 1.4, 1 → sum 12.9 → APGR 12.9 / 11.
    expect(report.apgr).toBeCloseTo(12.9 / 11, 12);
    // PGR = k below k = 1: 0.5 needs k ≥ 0.5, x ≥ 12.5 → 13; 0.8 needs x ≥ 20 → 20 (exactly 0.8).
    expect(report.cpt50).toBe(13);
    expect(report.cpt80).toBe(20);
    // At x = 20: 0.004 + 0.8 · 0.01 = 0.012 → 0.12 of 0.1.
    expect(report.cost_at_cpt80).toBeCloseTo(0.12, 12);
    expect(report.signals.local_confidence).toEqual({ apgr: report.apgr, cpt50: 13, cpt80: 20, cost_at_cpt80: report.cost_at_cpt80 });
  });

  it('gives the random router its exact expectation', () => {
    // PGR(x) = x/100: APGR 0.5, CPT 50 and 80; cost at 80: (0.004 + 0.8 · 0.1) / 0.1 = 0.84.
    expect(report.random.apgr).toBeCloseTo(0.5, 12);
    expect(report.random.cpt50).toBe(50);
    expect(report.random.cpt80).toBe(80);
    expect(report.random.cost_at_cpt80).toBeCloseTo(0.84, 12);
  });
});

describe('the recommended threshold', () => {
  const order = argsortAscending(worked.signals.get('local_confidence')!);
  const rec = (target: number) => recommend(worked, worked.signals.get('local_confidence')!, order, { target, signal: 'local_confidence', resamples: 50, seed: 3 }).recommendation!;

  it('is the first cut between tie groups that reaches the target, with the exact share below it', () => {
    // Cuts (Δ by score: 0.1 +1 | 0.5 +1, 0 | 0.9 −1; cloud − local = 1 row):
    //   escalate {0.1}: PGR 1, 1 of 4 = 25%, threshold 0.5 ("score < 0.5" sends the 0.1 row only);
    //   escalate {0.1, both 0.5s}: PGR 2, 75%, threshold 0.9; everything: PGR 1, 100%.
    expect(rec(0.95)).toMatchObject({ escalation_pct: 25, threshold: 0.5, target_pgr: 0.95, signal: 'local_confidence', resamples: 50, seed: 3 });
    // PGR 1.5 lies inside the 0.5 tie, which a threshold cannot split: the whole tie goes.
    expect(rec(1.5)).toMatchObject({ escalation_pct: 75, threshold: 0.9 });
    expect(rec(2)).toMatchObject({ escalation_pct: 75, threshold: 0.9 });
    const none = recommend(worked, worked.signals.get('local_confidence')!, order, { target: 2.5, signal: 'local_confidence', resamples: 5 });
    expect(none.recommendation).toBeNull();
    expect(none.note).toMatch(/no escalation share reaches PGR 2.5/);
  });

  it('says how many resamples never reach the target, as its intervals leave them out', () => {
    // PGR 2 needs both +1 rows escalated and the 0 row with them: many resamples of 4 rows cannot.
    const r = recommend(worked, worked.signals.get('local_confidence')!, order, { target: 2, signal: 'local_confidence', resamples: 50, seed: 3 });
    const m = /^(\d+) of 50 bootstrap resamples never reach PGR 2 \(or have cloud = local\), so the intervals come from the other (\d+)\.$/.exec(r.note ?? '');
    expect(m).not.toBeNull();
    expect(Number(m![1]) + Number(m![2])).toBe(50);
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(rec(0.95).resamples).toBe(50);
  });

  it('is just above the largest score when only escalating everything reaches the target', () => {
    // Δ = 0, 0, +1 by score: gain = k − 2 past k = 2, so PGR 1 needs every row (x = 100).
    const t = table([
      { score: 1, local: 1, cloud: 1 },
      { score: 2, local: 1, cloud: 1 },
      { score: 3, local: 0, cloud: 1 },
    ]);
    const r = recommend(t, t.signals.get('local_confidence')!, argsortAscending(t.signals.get('local_confidence')!), { target: 1, signal: 'local_confidence', resamples: 10 }).recommendation!;
    expect(r.escalation_pct).toBe(100);
    expect(r.threshold).toBe(nextUp(3));
    expect(r.threshold).toBeGreaterThan(3);
    expect(r.threshold).toBeLessThan(3 + 1e-12);
  });

  it('gives the same interval for the same seed, containing the point estimate on a clean case', () => {
    // 2,000 tasks: the local model is right when a hidden ease is high, the score is that ease plus noise.
    const rand = mulberry32(11);
    const u = () => rand() / 4294967296;
    const rows: Row[] = Array.from({ length: 2000 }, () => {
      const ease = u();
      return { score: Math.round((ease + 0.2 * u()) * 1000) / 1000, local: u() < ease ? 1 : 0, cloud: u() < 0.9 ? 1 : 0 };
    });
    const t = table(rows);
    const s = t.signals.get('local_confidence')!;
    const o = argsortAscending(s);
    const run = (seed: number) => recommend(t, s, o, { target: 0.8, signal: 'local_confidence', resamples: 300, seed }).recommendation!;
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(a.escalation_pct_ci[0]).toBeLessThanOrEqual(a.escalation_pct);
    expect(a.escalation_pct_ci[1]).toBeGreaterThanOrEqual(a.escalation_pct);
    expect(a.threshold_ci[0]).toBeLessThanOrEqual(a.threshold);
    expect(a.threshold_ci[1]).toBeGreaterThanOrEqual(a.threshold);
    expect(a.escalation_pct_ci[1] - a.escalation_pct_ci[0]).toBeGreaterThan(0);
    expect(a.escalation_pct_ci[1] - a.escalation_pct_ci[0]).toBeLessThan(30);
  });

  it('interpolates quantiles between order statistics', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    // (5 − 1) · 0.025 = 0.1 → 1 + 0.1 · (2 − 1)
    expect(quantile([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12);
  });
});

describe('a signal worse than random', () => {
  // Correct local answers get the lowest scores: Δ by score = 0, 0, +1, +1.
  const t = table([
    { score: 1, local: 1, cloud: 1, cloudCost: 1 },
    { score: 2, local: 1, cloud: 1, cloudCost: 1 },
    { score: 3, local: 0, cloud: 1, cloudCost: 1 },
    { score: 4, local: 0, cloud: 1, cloudCost: 1 },
  ]);
  const report = buildReport(t, { target: 0.95, resamples: 20 });

  it('has AUROC below 0.5 and APGR below the random router', () => {
    expect(report.auroc.local_confidence).toBe(0);
    // gain = max(0, k − 2), PGR = gain / 2: at x = 60…100, k = 2.4…4 → 0.2, 0.4, 0.6, 0.8, 1 → 3 / 11.
    expect(report.apgr).toBeCloseTo(3 / 11, 12);
    expect(report.apgr!).toBeLessThan(report.random.apgr!);
    // PGR 0.5 needs k ≥ 3 (x = 75); 0.8 needs k ≥ 3.6 (x = 90).
    expect(report.cpt50).toBe(75);
    expect(report.cpt80).toBe(90);
  });

  it('says so in the notes, and a barely-better signal is called that too', () => {
    expect(report.notes).toContain('local_confidence ranks backwards: its AUROC is 0.000, below chance (0.5), so escalating its lowest scores sends right local answers first. Its APGR is 0.273 against a random router\'s 0.500.');
    // Right answers at scores 2, 4, 5, wrong at 1, 3, 6: 5 of the 9 right–wrong pairs in order, AUROC 5/9.
    const weak = table([
      { score: 1, local: 0, cloud: 1 },
      { score: 2, local: 1, cloud: 1 },
      { score: 3, local: 0, cloud: 1 },
      { score: 4, local: 1, cloud: 1 },
      { score: 5, local: 1, cloud: 1 },
      { score: 6, local: 0, cloud: 1 },
    ]);
    const w = buildReport(weak, { target: 0.95, resamples: 5 });
    expect(w.auroc.local_confidence).toBeCloseTo(5 / 9, 12);
    expect(w.apgr!).toBeLessThan(0.55);
    expect(w.notes.some((n) => n.startsWith('local_confidence routes barely better than a random router: APGR'))).toBe(true);
    expect(buildReport(worked, { target: 0.95, resamples: 5 }).notes.join(' ')).not.toMatch(/random router|backwards/);
  });
});

describe('when the cloud is no better than local', () => {
  const t = table([
    { score: 0.2, local: 1, cloud: 0, cloudCost: 0.01 },
    { score: 0.8, local: 0, cloud: 1, cloudCost: 0.01 },
  ]);
  const report = buildReport(t, { target: 0.95 });

  it('reports PGR as n/a and no recommendation, and says why', () => {
    expect(() => EvalReportSchema.parse(report)).not.toThrow();
    expect(report.curve.every((p) => p.pgr === null)).toBe(true);
    expect([report.apgr, report.cpt50, report.cpt80, report.cost_at_cpt80]).toEqual([null, null, null, null]);
    expect(report.random).toEqual({ apgr: null, cpt50: null, cpt80: null, cost_at_cpt80: null });
    expect(report.recommendation).toBeNull();
    expect(report.notes.some((n) => /PGR is n\/a/.test(n))).toBe(true);
    // Too few rows for the learned router, said in the notes too.
    expect(report.learned).toBeNull();
    expect(report.notes.some((n) => /learned router/.test(n))).toBe(true);
    // Accuracy is still meaningful: local 0.5; escalating the lower-scoring row trades it for the cloud's miss.
    expect(at(report, 50).accuracy).toBe(0);
  });

  it('prints CPT as n/a, not "never", when PGR itself is n/a', () => {
    const text = formatReport(report, { source: 'same.csv' });
    expect(text).toMatch(/^\s+CPT50\s+n\/a\s+n\/a$/m);
    expect(text).not.toMatch(/never/);
  });

  it('leaves the cost share out when all-cloud costs nothing', () => {
    const free = buildReport(table([{ score: 1, local: 0, cloud: 1 }, { score: 2, local: 1, cloud: 1 }]), { target: 0.5 });
    expect(free.curve.every((p) => p.cost_share === null)).toBe(true);
    expect(free.cost_at_cpt80).toBeNull();
    expect(free.random.cost_at_cpt80).toBeNull();
  });
});

describe('signals and errors', () => {
  it('reports every signal, and rejects an unknown one naming the available ones', () => {
    const t = table([
      { score: 0.1, local: 0, cloud: 1, signals: { min_p: 0.9 } },
      { score: 0.9, local: 1, cloud: 1, signals: { min_p: 0.1 } },
    ]);
    const r = buildReport(t, { target: 0.95, signal: 'min_p', resamples: 10 });
    expect(Object.keys(r.auroc)).toEqual(['local_confidence', 'min_p']);
    expect(Object.keys(r.signals)).toEqual(['local_confidence', 'min_p']);
    expect(r.auroc).toEqual({ local_confidence: 1, min_p: 0 });
    expect(r.signal).toBe('min_p');
    expect(r.recommendation?.signal).toBe('min_p');
    try {
      buildReport(t, { target: 0.95, signal: 'p10' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('EVAL_SIGNAL_UNKNOWN');
      expect((e as AppError).message).toContain('local_confidence, min_p');
    }
  });

  it('computes AUROC from scores and labels alone', () => {
    expect(auroc(Float64Array.from([0.1, 0.5, 0.5, 0.9]), Uint8Array.from([0, 0, 1, 1]))).toBe(0.875);
    expect(auroc(Float64Array.from([1, 2]), Uint8Array.from([1, 1]))).toBeNull();
  });
});

describe('the fast paths agree with the plain ones', () => {
  const rand = mulberry32(99);
  const n = 6000;
  // Coarse scores (many ties), negative and positive, with −0 and +0.
  const scores = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? (i % 2 ? -0 : 0) : Math.round(((rand() / 4294967296) * 2 - 1) * 300) / 100));
  const t: ResultsTable = {
    ids: Array.from({ length: n }, (_, i) => `t${i}`),
    localCorrect: Uint8Array.from({ length: n }, (_, i) => (scores[i]! + (rand() / 4294967296) * 3 > 1 ? 1 : 0)),
    cloudCorrect: Uint8Array.from({ length: n }, () => (rand() / 4294967296 < 0.8 ? 1 : 0)),
    localCost: new Float64Array(n),
    cloudCost: new Float64Array(n).fill(0.001),
    signals: new Map([['local_confidence', scores]]),
    prompts: null,
  };

  it('sorts by radix exactly as a comparator sort does, ties in row order', () => {
    const plain = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
    expect(argsortAscending(scores)).toEqual(plain);
    const subset = Uint32Array.from({ length: n }, (_, i) => n - 1 - i).filter((i) => i % 3 !== 0);
    const plainSubset = Uint32Array.from(subset).sort((a, b) => scores[a]! - scores[b]! || a - b);
    expect(argsortAscending(scores, subset)).toEqual(plainSubset);
  });

  it('gives per-fold APGR equal to a curve over each part alone', () => {
    const order = argsortAscending(scores);
    const folds = 4;
    const fold = Uint8Array.from({ length: n }, (_, i) => (i * 7) % folds);
    const fast = foldApgrs(t, scores, order, fold, folds);
    for (let f = 0; f < folds; f++) {
      const train = Uint8Array.from(fold, (v) => (v === f ? 0 : 1));
      const held = Uint8Array.from(fold, (v) => (v === f ? 1 : 0));
      expect(fast.train[f]).toBeCloseTo(apgrOf(escalationCurve(t, scores, filterOrder(order, train), APGR_GRID))!, 12);
      expect(fast.held[f]).toBeCloseTo(apgrOf(escalationCurve(t, scores, filterOrder(order, held), APGR_GRID))!, 12);
    }
  });

  it('solves a resample (counts per sorted row) as a search over the rows it drew would', () => {
    const order = argsortAscending(scores);
    const sv = solver(groupRows(t, scores, order));
    const draw = mulberry32(4);
    for (let rep = 0; rep < 4; rep++) {
      const counts = new Int32Array(n);
      for (let i = 0; i < n; i++) counts[Math.floor((draw() / 4294967296) * n)]!++;
      // The resample as a table of its own: counts[i] copies of the row at sorted position i.
      const picked: number[] = [];
      order.forEach((r, i) => {
        for (let c = 0; c < counts[i]!; c++) picked.push(r);
      });
      const drawn: ResultsTable = {
        ids: picked.map((_, j) => `d${j}`),
        localCorrect: Uint8Array.from(picked, (r) => t.localCorrect[r]!),
        cloudCorrect: Uint8Array.from(picked, (r) => t.cloudCorrect[r]!),
        localCost: new Float64Array(picked.length),
        cloudCost: new Float64Array(picked.length),
        signals: new Map([['local_confidence', Float64Array.from(picked, (r) => scores[r]!)]]),
        prompts: null,
      };
      for (const target of [0.5, 0.9, 1]) expect(solve(sv, counts, target)).toEqual(searchEveryThreshold(drawn, drawn.signals.get('local_confidence')!, target));
    }
  });

  it('finds what trying every threshold finds, and escalates exactly its share', () => {
    const order = argsortAscending(scores);
    for (const target of [0.3, 0.8, 0.95, 1]) {
      const r = recommend(t, scores, order, { target, signal: 'local_confidence', resamples: 5 }).recommendation!;
      expect({ pct: r.escalation_pct, threshold: r.threshold }).toEqual(searchEveryThreshold(t, scores, target));
      expect(r.escalation_pct).toBe((100 * scores.filter((s) => s < r.threshold).length) / n);
    }
  });
});

/**
 * The recommendation by brute force: every distinct score (and one above the largest) as the
 * threshold, in ascending order; the first whose escalated rows (score < threshold) reach the target.
 */
function searchEveryThreshold(t: ResultsTable, s: Float64Array, target: number): { pct: number; threshold: number } | null {
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) d += t.cloudCorrect[i]! - t.localCorrect[i]!;
  if (d === 0) return null;
  const distinct = [...new Set(s)].sort((a, b) => a - b);
  for (const threshold of [...distinct.slice(1), nextUp(distinct.at(-1)!)]) {
    let gain = 0;
    let below = 0;
    for (let i = 0; i < n; i++) {
      if (s[i]! >= threshold) continue;
      gain += t.cloudCorrect[i]! - t.localCorrect[i]!;
      below++;
    }
    if (gain / d >= target - 1e-9) return { pct: (100 * below) / n, threshold };
  }
  return null;
}

describe('the learned router', () => {
  // 400 tasks; `sep` separates right from wrong local answers cleanly, `noise` carries nothing.
  const rand = mulberry32(2024);
  const u = () => rand() / 4294967296;
  const rows: Row[] = Array.from({ length: 400 }, (_, i) => {
    const local = i % 3 === 0 ? 0 : 1;
    return {
      score: u(),
      local,
      cloud: u() < 0.9 ? 1 : 0,
      prompt: i % 5 === 0 ? 'def f(x):\n    return x' : `What is ${i} squared`,
      signals: { sep: (local ? 1 : -1) + (u() - 0.5), noise: u() },
    } as Row;
  });
  const t = table(rows);
  const orders = new Map([...t.signals].map(([k, v]) => [k, argsortAscending(v)]));
  const result = learnedRouter(t, { seed: 7, orders, target: 0.95 });

  it('recovers a clearly separable signal', () => {
    const l = result.learned!;
    expect(l.features).toEqual(['local_confidence', 'sep', 'noise', 'prompt_log_chars', 'prompt_has_number', 'prompt_has_code']);
    const w = Object.fromEntries(l.features.map((f, j) => [f, l.model.weights[j]!]));
    expect(w.sep).toBeGreaterThan(3);
    expect(Math.abs(w.noise!)).toBeLessThan(w.sep! / 5);
    expect(Math.abs(w.local_confidence!)).toBeLessThan(w.sep! / 5);
    const row = (sep: number) => [0.5, sep, 0.5, Math.log1p(20), 1, 0];
    expect(predictLearned(l.model, row(1))).toBeGreaterThan(0.95);
    expect(predictLearned(l.model, row(-1))).toBeLessThan(0.05);
    expect(l.best_single_signal).toBe('sep');
    // Escalating the wrong third first reaches the cloud's accuracy almost at once.
    expect(l.apgr!).toBeGreaterThan(0.85);
    expect(l.best_single_apgr!).toBeGreaterThan(0.85);
  });

  it('reports the cross-validation in the contract shape', () => {
    const l = result.learned!;
    expect(l.folds).toBe(5);
    expect(l.model.features).toEqual(l.features);
    for (const a of [l.model.means, l.model.scales, l.model.weights]) expect(a).toHaveLength(l.features.length);
    expect(l.model.scales.every((s) => s > 0)).toBe(true);
    expect(typeof l.wins).toBe('boolean');
    expect(l.wins).toBe(l.apgr! > l.best_single_apgr!);
    expect(l.escalation_pct).not.toBeNull();
    expect(l.threshold!).toBeGreaterThan(0);
    expect(l.threshold!).toBeLessThanOrEqual(1);
    // Deterministic: the same seed, the same numbers.
    expect(learnedRouter(t, { seed: 7, orders, target: 0.95 })).toEqual(result);
  });

  it('computes the prompt features the app reuses', () => {
    expect(promptFeatures('')).toEqual({ prompt_log_chars: 0, prompt_has_number: 0, prompt_has_code: 0 });
    expect(promptFeatures('Add 2 and 3')).toEqual({ prompt_log_chars: Math.log(12), prompt_has_number: 1, prompt_has_code: 0 });
    for (const code of ['```js\nx\n```', 'see:\n    indented', 'a;b', 'if (a) { b }', 'def f', 'function g', 'x => x', 'line\n\ttabbed']) {
      expect(promptFeatures(code).prompt_has_code, code).toBe(1);
    }
    expect(promptFeatures('A plain question, about cats.').prompt_has_code).toBe(0);
  });

  it('is left out, with a note, for one class', () => {
    const one = table(rows.map((r) => ({ ...r, local: 1 as const })));
    const r = learnedRouter(one, { seed: 1, orders, target: 0.95 });
    expect(r.learned).toBeNull();
    expect(r.note).toMatch(/right on every row/);
  });
});

/** Tags open and close in order (comments, declarations and text aside): enough to catch a broken SVG. */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

describe('the chart', () => {
  const t = table([
    { score: 0.1, local: 0, cloud: 1, cloudCost: 0.01, signals: { 'a<b&"c"': 0.1 } },
    { score: 0.4, local: 1, cloud: 1, cloudCost: 0.01, signals: { 'a<b&"c"': 0.4 } },
    { score: 0.6, local: 0, cloud: 1, cloudCost: 0.01, signals: { 'a<b&"c"': 0.6 } },
    { score: 0.9, local: 1, cloud: 0, cloudCost: 0.01, signals: { 'a<b&"c"': 0.9 } },
  ]);
  const report = buildReport(t, { target: 0.95, signal: 'a<b&"c"', resamples: 20 });
  const svg = reportSvg(report);

  it('is a well-formed standalone SVG with the curve, the random line, the levels and markers', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(balanced(svg)).toBe(true);
    const geometry = chartGeometry(report, 760, 440);
    const curve = geometry.series.find((s) => s.key === 'signal')!;
    expect(curve.points).toHaveLength(101);
    expect(svg).toContain(`d="${curve.path}"`);
    expect(svg).toContain('class="series-random"');
    for (const k of ['local', 'cloud', 'oracle']) expect(svg).toContain(`class="level-${k}"`);
    expect(svg).toContain('class="marker-cpt80"');
    expect(svg).toContain('class="marker-recommendation"');
    expect(svg).toContain('% escalated to the cloud');
  });

  it('escapes text', () => {
    expect(svg).toContain('a&lt;b&amp;&quot;c&quot;');
    expect(svg).not.toContain('a<b');
  });

  it('places points inside the plot, x by percent and y by accuracy', () => {
    const g = chartGeometry(report, 600, 300);
    const [lo, hi] = g.yDomain;
    expect(lo).toBeLessThanOrEqual(Math.min(report.local_accuracy, ...report.curve.map((p) => p.accuracy)));
    expect(hi).toBeGreaterThanOrEqual(report.oracle_accuracy);
    const curve = g.series[0]!.points;
    expect(curve[0]!.x).toBe(g.plot.left);
    expect(curve[100]!.x).toBe(g.plot.right);
    for (const p of curve) {
      expect(p.y).toBeGreaterThanOrEqual(g.plot.top - 1e-9);
      expect(p.y).toBeLessThanOrEqual(g.plot.bottom + 1e-9);
    }
    const rec = g.markers.find((m) => m.key === 'recommendation')!;
    expect(rec.pct).toBe(report.recommendation!.escalation_pct);
  });
});
