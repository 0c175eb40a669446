import type { EvalReport } from '../../../app/contract/index.js';
import { pct, pctX } from '../lib/router.js';

/*
 * Accuracy by share escalated, as inline SVG: the router's curve, the random router's straight
 * line from local to cloud, the local / cloud / oracle accuracies as dashed lines, and markers at
 * CPT(80%) and at the recommended escalation. Colours come from classes in evaluation.css (the
 * window's CSP allows no style attributes), so light and dark follow the theme variables.
 */

const W = 720;
const H = 300;
const M = { top: 14, right: 18, bottom: 42, left: 54 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

/** The accuracy at x (percent) on the curve, interpolating between its points. */
export function accuracyAt(curve: EvalReport['curve'], x: number): number | null {
  if (curve.length === 0) return null;
  let prev = curve[0]!;
  if (x <= prev.x) return prev.accuracy;
  for (const p of curve) {
    if (p.x >= x) {
      if (p.x === prev.x) return p.accuracy;
      return prev.accuracy + ((p.accuracy - prev.accuracy) * (x - prev.x)) / (p.x - prev.x);
    }
    prev = p;
  }
  return prev.accuracy;
}

/** A y range in whole steps that holds every value, with a little room, within 0…1. */
function yRange(values: number[]): { lo: number; hi: number; step: number } {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = Math.max(max - min, 0.05);
  const step = span > 0.5 ? 0.1 : span > 0.2 ? 0.05 : span > 0.08 ? 0.02 : 0.01;
  const lo = Math.max(0, Math.floor((min - span * 0.08) / step) * step);
  const hi = Math.min(1, Math.ceil((max + span * 0.08) / step) * step);
  return { lo, hi: hi > lo ? hi : lo + step, step };
}

export function EvalChart({ report }: { report: EvalReport }) {
  const { curve, local_accuracy: local, cloud_accuracy: cloud, oracle_accuracy: oracle } = report;
  const rec = report.recommendation;
  const { lo, hi, step } = yRange([local, cloud, oracle, ...curve.map((p) => p.accuracy)]);
  const sx = (x: number) => M.left + (x / 100) * PW;
  const sy = (a: number) => M.top + (1 - (a - lo) / (hi - lo)) * PH;
  const f = (n: number) => n.toFixed(1);

  const path = curve.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(sx(p.x))},${f(sy(p.accuracy))}`).join('');
  const yTicks: number[] = [];
  for (let v = lo; v <= hi + 1e-9; v += step) yTicks.push(Math.round(v * 1000) / 1000);
  const xTicks = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

  const markers: { key: string; x: number; label: string; cls: string }[] = [];
  if (report.cpt80 !== null) markers.push({ key: 'cpt80', x: report.cpt80, label: `CPT(80%) ${pctX(report.cpt80)}`, cls: 'eval-mark-cpt' });
  if (rec) markers.push({ key: 'rec', x: rec.escalation_pct, label: `Recommended ${pctX(rec.escalation_pct)}`, cls: 'eval-mark-rec' });
  // Two markers close together: put the second label lower, so they do not overlap.
  const close = markers.length === 2 && Math.abs(markers[0]!.x - markers[1]!.x) < 18;

  const refs = [
    { key: 'oracle', value: oracle, cls: 'eval-ref-oracle', name: 'Oracle' },
    { key: 'cloud', value: cloud, cls: 'eval-ref-cloud', name: 'Cloud' },
    { key: 'local', value: local, cls: 'eval-ref-local', name: 'Local' },
  ];

  const summary =
    `Line chart: accuracy from ${pct(local)} with nothing escalated to ${pct(cloud)} with everything escalated, ` +
    `using ${report.signal}; the oracle reaches ${pct(oracle)}.` +
    (report.cpt80 !== null ? ` 80% of the cloud's gain at ${pctX(report.cpt80)} escalated.` : '');

  return (
    <figure className="eval-chart">
      <figcaption>
        Accuracy by share of tasks escalated, escalating the lowest <strong>{report.signal}</strong> first
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Accuracy by share escalated" className="eval-svg">
        <title>{summary}</title>
        <g className="eval-grid" aria-hidden="true">
          {yTicks.map((v) => (
            <line key={`y${v}`} x1={M.left} x2={W - M.right} y1={sy(v)} y2={sy(v)} />
          ))}
          {xTicks.map((x) => (
            <line key={`x${x}`} x1={sx(x)} x2={sx(x)} y1={M.top} y2={M.top + PH} />
          ))}
        </g>
        <g className="eval-axis" aria-hidden="true">
          <line x1={M.left} x2={W - M.right} y1={M.top + PH} y2={M.top + PH} />
          <line x1={M.left} x2={M.left} y1={M.top} y2={M.top + PH} />
          {yTicks.map((v) => (
            <text key={`yt${v}`} x={M.left - 8} y={sy(v)} className="eval-tick eval-tick-y">
              {pct(v)}
            </text>
          ))}
          {xTicks.map((x) => (
            <text key={`xt${x}`} x={sx(x)} y={M.top + PH + 16} className="eval-tick eval-tick-x">
              {x}%
            </text>
          ))}
          <text x={M.left + PW / 2} y={H - 6} className="eval-axis-title">
            Tasks escalated to the cloud
          </text>
          <text x={14} y={M.top + PH / 2} className="eval-axis-title" transform={`rotate(-90 14 ${M.top + PH / 2})`}>
            Accuracy
          </text>
        </g>
        <g aria-hidden="true">
          {refs.map((r) => (
            <line key={r.key} className={`eval-ref ${r.cls}`} x1={M.left} x2={W - M.right} y1={sy(r.value)} y2={sy(r.value)} />
          ))}
          <line className="eval-random" x1={sx(0)} y1={sy(local)} x2={sx(100)} y2={sy(cloud)} />
          {markers.map((m, i) => {
            const a = accuracyAt(curve, m.x);
            const x = sx(m.x);
            const right = m.x < 70;
            return (
              <g key={m.key} className={`eval-mark ${m.cls}`}>
                <line x1={x} x2={x} y1={M.top} y2={M.top + PH} />
                {a !== null && <circle cx={x} cy={sy(a)} r={4.5} />}
                <text x={right ? x + 6 : x - 6} y={M.top + 12 + (close && i === 1 ? 16 : 0)} className={right ? 'eval-mark-label' : 'eval-mark-label end'}>
                  {m.label}
                </text>
              </g>
            );
          })}
          <path className="eval-curve" d={path} />
        </g>
      </svg>
      <ul className="eval-legend" aria-label="Legend">
        <LegendItem cls="eval-curve" label={`This router (${report.signal})`} />
        <LegendItem cls="eval-random" label="Random router" />
        <LegendItem cls="eval-ref eval-ref-local" label={`Local ${pct(local)}`} />
        <LegendItem cls="eval-ref eval-ref-cloud" label={`Cloud ${pct(cloud)}`} />
        <LegendItem cls="eval-ref eval-ref-oracle" label={`Oracle ${pct(oracle)}`} />
        {report.cpt80 !== null && <LegendItem cls="eval-mark eval-mark-cpt" label="CPT(80%)" marker />}
        {rec && <LegendItem cls="eval-mark eval-mark-rec" label="Recommended" marker />}
      </ul>
      <CurveTable report={report} />
    </figure>
  );
}

function LegendItem({ cls, label, marker = false }: { cls: string; label: string; marker?: boolean }) {
  return (
    <li>
      <svg viewBox="0 0 24 12" className="eval-swatch" aria-hidden="true">
        {marker ? (
          <g className={cls}>
            <line x1={12} x2={12} y1={0} y2={12} />
            <circle cx={12} cy={6} r={3.5} />
          </g>
        ) : (
          <line className={cls} x1={1} x2={23} y1={6} y2={6} />
        )}
      </svg>
      {label}
    </li>
  );
}

/** The curve's numbers every 10%, for anyone who cannot see the chart (or wants them exactly). */
function CurveTable({ report }: { report: EvalReport }) {
  const rows = report.curve.filter((p) => p.x % 10 === 0);
  return (
    <details className="eval-curve-table">
      <summary>Show the curve as a table</summary>
      <table className="dash-table">
        <caption className="visually-hidden">Accuracy, PGR and cost by share escalated</caption>
        <thead>
          <tr>
            <th scope="col">Escalated</th>
            <th scope="col">Accuracy</th>
            <th scope="col">PGR</th>
            <th scope="col">Cost vs all-cloud</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.x}>
              <th scope="row">{pctX(p.x)}</th>
              <td>{pct(p.accuracy)}</td>
              <td>{p.pgr === null ? 'n/a' : p.pgr.toFixed(3)}</td>
              <td>{pct(p.cost_share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
