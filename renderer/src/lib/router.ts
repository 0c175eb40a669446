import { APP_SIGNALS, PROMPT_FEATURES, type CallInput, type LearnedModel, type Settings } from '../../../app/contract/index.js';

/*
 * The router evaluation's words and numbers, as pure functions: what Settings says is in force,
 * which report signals Modest can adopt, and how the figures are written.
 */

export type AdoptInput = CallInput<'adoptRouter'>;
type ThresholdScore = Extract<AdoptInput, { kind: 'threshold' }>['score'];

/** A report's signal name as Modest's own: `signal_p10` and `p10` are the same signal. */
function bare(name: string): string {
  return name.startsWith('signal_') ? name.slice('signal_'.length) : name;
}

/**
 * The score a report signal becomes when adopted: `local_confidence` is the default score (p10,
 * or the first token's margin for short replies); Modest's own signals keep their names.
 */
export function adoptableScore(signal: string): ThresholdScore | null {
  const name = bare(signal);
  if (name === 'local_confidence' || name === 'default') return 'default';
  return (APP_SIGNALS as readonly string[]).includes(name) ? (name as ThresholdScore) : null;
}

/** Why a signal cannot be adopted, in words; null when it can. */
export function notAdoptableReason(signal: string): string | null {
  return adoptableScore(signal) === null ? `Modest does not compute ${bare(signal)} for its replies` : null;
}

const LEARNED_FEATURES: readonly string[] = ['local_confidence', ...APP_SIGNALS, ...PROMPT_FEATURES];

/** The learned model with its feature names as Modest stores them, or the features it cannot compute. */
export function adoptableModel(model: { features: string[]; means: number[]; scales: number[]; weights: number[]; intercept: number }):
  | { ok: true; model: LearnedModel }
  | { ok: false; missing: string[] } {
  const features = model.features.map(bare);
  const missing = features.filter((f) => !LEARNED_FEATURES.includes(f));
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, model: { ...model, features: features as LearnedModel['features'] } };
}

/* ---------- numbers ---------- */

/** A share (0…1) as a percentage with at most one decimal: 0.6 → "60%", 0.625 → "62.5%"; null → "n/a". */
export function pct(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return 'n/a';
  return `${trim1(share * 100)}%`;
}

/** A value already in percent (0…100), like the curve's x or a CPT: 37 → "37%". */
export function pctX(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return `${trim1(x)}%`;
}

/** AUROC, APGR: three decimals; null → "n/a". */
export function dec3(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v.toFixed(3);
}

/** A threshold: at least two decimals, at most three ("0.30", "0.412", "-1.25"). */
export function thresholdText(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  const s = v.toFixed(3);
  return s.endsWith('0') ? s.slice(0, -1) : s;
}

function trim1(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/* ---------- the router in force ---------- */

export const DEFAULT_SCORE_TEXT = 'p10 (or the first token’s margin for short replies)';

export function scoreName(score: Settings['routerScore']): string {
  return score === 'default' ? DEFAULT_SCORE_TEXT : score;
}

/** "p10 below 0.412, adopted from results.csv, target PGR 0.95 (120 rows) on 3 Jun 2025", and the like. */
export function routerInForce(s: Pick<Settings, 'routerScore' | 'routerModel' | 'routerProvenance' | 'confidenceThreshold'>): string {
  const threshold = thresholdText(s.confidenceThreshold);
  const p = s.routerProvenance;
  const what =
    s.routerScore === 'learned'
      ? `Learned router (${(s.routerModel?.features ?? []).join(', ')}) below ${threshold}`
      : `${scoreName(s.routerScore)} below ${threshold}`;
  if (!p) return s.routerScore === 'default' ? `${what} — the default` : what;
  const from = p.source === 'labels' ? `your thumbs, ${p.detail}` : p.detail;
  const count = p.source === 'labels' ? plural(p.count, 'label', 'labels') : plural(p.count, 'row', 'rows');
  const on = new Date(p.adoptedAt).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
  return `${what}, adopted from ${from} (${count}) on ${on}`;
}

/** True when something other than the shipped default is in force (so Reset has work to do). */
export function isCustomRouter(s: Pick<Settings, 'routerScore' | 'routerProvenance'>): boolean {
  return s.routerScore !== 'default' || s.routerProvenance !== null;
}
