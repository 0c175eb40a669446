import type { EvalReport, RouterSummary } from '../contract/index.js';

/*
 * `modest eval report` without --json: the EvalReport as text for a terminal. Every figure is the
 * report's own, only rounded: accuracies and shares as percentages, PGR and APGR as decimals,
 * CPT as the percent of tasks sent to the cloud.
 */

const pct = (v: number | null, digits = 1) => (v === null ? 'n/a' : `${(v * 100).toFixed(digits)}%`);
const dec = (v: number | null, digits = 3) => (v === null ? 'n/a' : v.toFixed(digits));
/** CPT values are already percents of tasks (x on the 0–100 grid). */
/** A CPT: "never" when PGR exists but no share reaches the level, "n/a" when PGR itself is (cloud = local). */
const cpt = (v: number | null, s: { apgr: number | null }) => (v !== null ? `${v}%` : s.apgr === null ? 'n/a' : 'never');
const money = (v: number) => (v === 0 ? '$0' : v < 0.01 ? `$${v.toPrecision(3)}` : `$${v.toFixed(2)}`);
/** A threshold in the signal's own units: probabilities read well with 3 decimals, log-probabilities too. */
const score = (v: number) => (Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.001) ? v.toPrecision(3) : v.toFixed(3));

function table(rows: string[][], align: ('l' | 'r')[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    `  ${r
      .map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd()}`,
  );
}

function summaryCells(s: RouterSummary): string[] {
  return [dec(s.apgr), cpt(s.cpt50, s), cpt(s.cpt80, s), pct(s.cost_at_cpt80)];
}

export function formatReport(r: EvalReport, opts: { source?: string } = {}): string {
  const out: string[] = [];
  out.push(`Router evaluation${opts.source ? ` of ${opts.source}` : ''}: ${r.rows} task${r.rows === 1 ? '' : 's'}, routed by ${r.signal}`);
  out.push('');
  out.push(`Accuracy   local ${pct(r.local_accuracy)} · cloud ${pct(r.cloud_accuracy)} · oracle ${pct(r.oracle_accuracy)} (the better of the two on each task)`);
  out.push(`Cost       all local ${money(r.all_local_cost_usd)} · all cloud ${money(r.all_cloud_cost_usd)}`);
  out.push('');

  out.push('Signals (AUROC: how well the score tells right local answers from wrong ones; 0.5 is chance)');
  const names = Object.keys(r.auroc);
  out.push(
    ...table(
      [
        ['signal', 'AUROC', 'APGR', 'CPT50', 'CPT80', 'cost at CPT80'],
        ...names.map((n) => {
          const s = r.signals[n];
          return [n + (n === r.signal ? ' *' : ''), dec(r.auroc[n] ?? null), ...(s ? summaryCells(s) : ['', '', '', ''])];
        }),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(`  * the signal this report routes by (--signal)`);
  out.push('');

  out.push(`Router on ${r.signal} vs a random router`);
  out.push(
    ...table(
      [
        ['', r.signal, 'random'],
        ['APGR', dec(r.apgr), dec(r.random.apgr)],
        ['CPT50', cpt(r.cpt50, r), cpt(r.random.cpt50, r.random)],
        ['CPT80', cpt(r.cpt80, r), cpt(r.random.cpt80, r.random)],
        ['cost at CPT80', pct(r.cost_at_cpt80), pct(r.random.cost_at_cpt80)],
      ],
      ['l', 'r', 'r'],
    ),
  );
  out.push('  APGR: mean PGR at 0, 10, …, 100% sent to the cloud. CPTn: the least share sent to the cloud that');
  out.push('  reaches PGR n%. Cost: local plus escalated cloud calls, as a share of sending everything to the cloud.');
  out.push('');

  out.push(`Curve (the lowest-scoring x% of tasks go to the cloud)`);
  const grid = r.curve.filter((p) => p.x % 10 === 0);
  out.push(
    ...table(
      [['x', 'accuracy', 'PGR', 'cost'], ...grid.map((p) => [`${p.x}%`, pct(p.accuracy), dec(p.pgr, 2), pct(p.cost_share)])],
      ['r', 'r', 'r', 'r'],
    ),
  );
  out.push('');

  const rec = r.recommendation;
  if (rec) {
    out.push(`Recommendation for PGR ≥ ${rec.target_pgr}`);
    out.push(`  escalate when ${rec.signal} < ${score(rec.threshold)}   (95% interval ${score(rec.threshold_ci[0])} to ${score(rec.threshold_ci[1])})`);
    out.push(`  that sends ${pct(rec.escalation_pct / 100)} of tasks to the cloud   (95% interval ${pct(rec.escalation_pct_ci[0] / 100)} to ${pct(rec.escalation_pct_ci[1] / 100)})`);
    out.push(`  intervals from ${rec.resamples} bootstrap resamples, seed ${rec.seed}`);
  } else {
    out.push('Recommendation: none (see the notes)');
  }
  out.push('');

  const l = r.learned;
  if (l) {
    out.push(`Learned router (logistic regression on ${l.features.join(', ')}; ${l.folds}-fold cross-validated)`);
    out.push(
      ...table(
        [
          ['held-out APGR', dec(l.apgr)],
          [`best single signal (${l.best_single_signal})`, dec(l.best_single_apgr)],
        ],
        ['l', 'r'],
      ),
    );
    out.push(`  ${l.wins ? 'The learned router beats the best single signal.' : 'The learned router does not beat the best single signal.'}`);
    if (l.threshold !== null && l.escalation_pct !== null) {
      out.push(`  fitted on every row: escalate when its probability of a right local answer < ${score(l.threshold)}, which sends ${pct(l.escalation_pct / 100)} of tasks to the cloud`);
    }
  } else {
    out.push('Learned router: not fitted (see the notes)');
  }

  if (r.notes.length > 0) {
    out.push('');
    out.push('Notes');
    for (const n of r.notes) out.push(`  - ${n}`);
  }
  return `${out.join('\n')}\n`;
}
