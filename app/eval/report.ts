import { AppError, type EvalReport, type RouterSummary } from '../contract/index.js';
import { DEFAULT_RESAMPLES, DEFAULT_SEED, recommend } from './bootstrap.js';
import type { ResultsTable } from './csv.js';
import { DEFAULT_FOLDS, learnedRouter } from './logistic.js';
import { argsortAscending, auroc, curvePoints, escalationCurve, PERCENT_GRID, randomSummary, summarize, totals } from './metrics.js';

export const DEFAULT_SIGNAL = 'local_confidence';
const RANDOM_APGR = 0.5;
/** APGR within this of random's counts as "barely better" in the notes. */
const BARELY = 0.05;

export interface ReportOptions {
  /** The signal the curve, summary and recommendation use; 'local_confidence' by default. */
  signal?: string;
  /** The PGR the recommendation aims for, e.g. 0.95. */
  target: number;
  resamples?: number;
  seed?: number;
  folds?: number;
  /** Filled with milliseconds per phase, for the bench. */
  timings?: Record<string, number>;
}

/** Everything `modest eval report` shows, from a parsed results table. */
export function buildReport(table: ResultsTable, opts: ReportOptions): EvalReport {
  const signal = opts.signal ?? DEFAULT_SIGNAL;
  const signals = [...table.signals.keys()];
  if (!table.signals.has(signal)) {
    throw new AppError('EVAL_SIGNAL_UNKNOWN', {
      message: `That CSV has no signal ${JSON.stringify(signal)}. Available: ${signals.join(', ')}.`,
    });
  }
  if (!Number.isFinite(opts.target)) throw new AppError('BAD_REQUEST', { message: 'The target PGR must be a number, e.g. 0.95.' });
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1) throw new AppError('BAD_REQUEST', { message: 'The number of resamples must be a whole number of at least 1.' });
  const n = table.ids.length;
  if (n === 0) throw new AppError('EVAL_CSV_EMPTY');
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed)) throw new AppError('BAD_REQUEST', { message: 'The seed must be a whole number.' });

  let t0 = performance.now();
  const lap = (phase: string) => {
    const now = performance.now();
    if (opts.timings) opts.timings[phase] = now - t0;
    t0 = now;
  };

  const orders = new Map<string, Uint32Array>();
  for (const [name, scores] of table.signals) orders.set(name, argsortAscending(scores));
  lap('sort');

  const tot = totals(table);
  const aurocs: Record<string, number | null> = {};
  const summaries: Record<string, RouterSummary> = {};
  let chosen = null as ReturnType<typeof curvePoints> | null;
  for (const [name, scores] of table.signals) {
    const order = orders.get(name)!;
    const points = curvePoints(escalationCurve(table, scores, order, PERCENT_GRID, tot));
    aurocs[name] = auroc(scores, table.localCorrect, order);
    summaries[name] = summarize(points);
    if (name === signal) chosen = points;
  }
  const curve = chosen!;
  const summary = summaries[signal]!;
  lap('curves');

  const notes: string[] = [];
  // The honest headline: a naive confidence threshold is often little better than chance.
  const rank = aurocs[signal];
  if (summary.apgr !== null && rank !== null && rank !== undefined) {
    if (rank < 0.5) {
      notes.push(
        `${signal} ranks backwards: its AUROC is ${rank.toFixed(3)}, below chance (0.5), so escalating its lowest scores sends right local answers first. Its APGR is ${summary.apgr.toFixed(3)} against a random router's 0.500.`,
      );
    } else if (summary.apgr < RANDOM_APGR + BARELY) {
      notes.push(`${signal} routes barely better than a random router: APGR ${summary.apgr.toFixed(3)} against 0.500 (AUROC ${rank.toFixed(3)}).`);
    }
  }
  const rec = recommend(table, table.signals.get(signal)!, orders.get(signal)!, { target: opts.target, signal, resamples, seed });
  if (rec.note) notes.push(rec.note);
  lap('bootstrap');

  const learned = learnedRouter(table, { folds: opts.folds ?? DEFAULT_FOLDS, seed, orders, target: opts.target });
  if (learned.note) notes.push(learned.note);
  lap('learned');

  return {
    rows: n,
    signal,
    local_accuracy: tot.localCorrect / n,
    cloud_accuracy: tot.cloudCorrect / n,
    oracle_accuracy: tot.oracleCorrect / n,
    apgr: summary.apgr,
    cpt50: summary.cpt50,
    cpt80: summary.cpt80,
    cost_at_cpt80: summary.cost_at_cpt80,
    random: randomSummary(tot),
    auroc: aurocs,
    signals: summaries,
    curve,
    all_local_cost_usd: tot.localCost,
    all_cloud_cost_usd: tot.cloudCost,
    recommendation: rec.recommendation,
    learned: learned.learned,
    notes,
  };
}
