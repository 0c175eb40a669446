import type { EvalReport } from '../contract/index.js';

/*
 * The router-curve chart: accuracy against the share of tasks escalated, for the report's signal,
 * beside a random router and the local / cloud / oracle accuracies. `chartGeometry` is the chart
 * as data (pixel coordinates, SVG path strings, labels) so the app can draw the same chart in
 * React; `reportSvg` renders that data as a standalone SVG file for `eval report --chart`.
 * No DOM and no Node APIs: it runs anywhere.
 */

export interface Point {
  x: number;
  y: number;
}

export interface ChartGeometry {
  width: number;
  height: number;
  /** The plotting area, in pixels. */
  plot: { left: number; top: number; right: number; bottom: number };
  title: string;
  xLabel: string;
  yLabel: string;
  /** Accuracy range of the y axis (0…1). */
  yDomain: [number, number];
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  /** The signal's curve and the random router's line; `path` is SVG path data through `points`. */
  series: { key: 'signal' | 'random'; label: string; color: string; dash: string | null; points: Point[]; path: string }[];
  /** Horizontal reference lines. */
  levels: { key: 'local' | 'cloud' | 'oracle'; label: string; color: string; value: number; y: number; path: string }[];
  /** Points on the signal's curve; pct is the x in percent, accuracy the y as a share. */
  markers: { key: 'cpt50' | 'cpt80' | 'recommendation'; label: string; color: string; pct: number; accuracy: number; x: number; y: number }[];
  legend: { label: string; color: string; dash: string | null; kind: 'line' | 'marker'; x: number; y: number }[];
}

const COLORS = {
  signal: '#2563eb',
  random: '#6b7280',
  local: '#d97706',
  cloud: '#059669',
  oracle: '#7c3aed',
  cpt50: '#0891b2',
  cpt80: '#0e7490',
  recommendation: '#dc2626',
} as const;

const MARGIN = { left: 64, right: 256, top: 44, bottom: 52 };

/** 2 decimals are plenty at chart scale, and keep the SVG small. */
const px = (v: number) => Math.round(v * 100) / 100;
const pathThrough = (pts: Point[]) => pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x)},${px(p.y)}`).join(' ');

/** A tick step of 1, 2, 2.5 or 5 × 10^k giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

function percentLabel(share: number, step: number): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step * 100) - 1e-9));
  return `${(share * 100).toFixed(Math.min(decimals, 2))}%`;
}

export function chartGeometry(report: EvalReport, width = 760, height = 440): ChartGeometry {
  const plot = { left: MARGIN.left, top: MARGIN.top, right: width - MARGIN.right, bottom: height - MARGIN.bottom };
  const accuracies = [report.local_accuracy, report.cloud_accuracy, report.oracle_accuracy, ...report.curve.map((p) => p.accuracy)];
  let lo = Math.min(...accuracies);
  let hi = Math.max(...accuracies);
  const pad = Math.max(0.01, (hi - lo) * 0.08);
  lo = Math.max(0, lo - pad);
  hi = Math.min(1, hi + pad);
  if (hi - lo < 1e-9) [lo, hi] = [Math.max(0, lo - 0.05), Math.min(1, hi + 0.05)];
  const step = niceStep(hi - lo, 5);
  lo = Math.max(0, Math.floor(lo / step + 1e-9) * step);
  hi = Math.min(1, Math.ceil(hi / step - 1e-9) * step);

  const sx = (pct: number) => plot.left + (pct / 100) * (plot.right - plot.left);
  const sy = (acc: number) => plot.bottom - ((acc - lo) / (hi - lo)) * (plot.bottom - plot.top);

  const xTicks = Array.from({ length: 11 }, (_, i) => ({ x: px(sx(i * 10)), label: `${i * 10}%` }));
  const yTicks: ChartGeometry['yTicks'] = [];
  for (let v = lo, i = 0; v <= hi + step * 1e-6 && i < 50; i++, v = lo + i * step) yTicks.push({ y: px(sy(v)), label: percentLabel(v, step) });

  const curvePoints = report.curve.map((p) => ({ x: px(sx(p.x)), y: px(sy(p.accuracy)) }));
  const randomPoints = [
    { x: px(sx(0)), y: px(sy(report.local_accuracy)) },
    { x: px(sx(100)), y: px(sy(report.cloud_accuracy)) },
  ];
  const series: ChartGeometry['series'] = [
    { key: 'signal', label: `Router: ${report.signal}`, color: COLORS.signal, dash: null, points: curvePoints, path: pathThrough(curvePoints) },
    { key: 'random', label: 'Random router', color: COLORS.random, dash: '6 4', points: randomPoints, path: pathThrough(randomPoints) },
  ];

  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const levels: ChartGeometry['levels'] = (
    [
      ['local', 'All local', report.local_accuracy],
      ['cloud', 'All cloud', report.cloud_accuracy],
      ['oracle', 'Oracle', report.oracle_accuracy],
    ] as const
  ).map(([key, name, value]) => {
    const y = px(sy(value));
    return { key, label: `${name} ${pct(value)}`, color: COLORS[key], value, y, path: `M${px(plot.left)},${y} L${px(plot.right)},${y}` };
  });

  const accuracyAt = (x: number) => report.curve.find((p) => p.x === x)?.accuracy ?? null;
  const markers: ChartGeometry['markers'] = [];
  const mark = (key: ChartGeometry['markers'][number]['key'], at: number | null, label: string) => {
    if (at === null) return;
    const accuracy = accuracyAt(Math.round(at));
    if (accuracy === null) return;
    markers.push({ key, label, color: COLORS[key], pct: at, accuracy, x: px(sx(at)), y: px(sy(accuracy)) });
  };
  mark('cpt50', report.cpt50, `CPT(50%): ${report.cpt50}%`);
  mark('cpt80', report.cpt80, `CPT(80%): ${report.cpt80}%`);
  const rec = report.recommendation;
  if (rec) mark('recommendation', rec.escalation_pct, `Recommended: ${+rec.escalation_pct.toFixed(1)}% (PGR ${rec.target_pgr})`);

  const legendX = plot.right + 20;
  const entries: Omit<ChartGeometry['legend'][number], 'x' | 'y'>[] = [
    ...series.map((s) => ({ label: s.label, color: s.color, dash: s.dash, kind: 'line' as const })),
    ...levels.map((l) => ({ label: l.label, color: l.color, dash: '2 3', kind: 'line' as const })),
    ...markers.map((m) => ({ label: m.label, color: m.color, dash: null, kind: 'marker' as const })),
  ];
  const legend = entries.map((e, i) => ({ ...e, x: legendX, y: plot.top + 8 + i * 20 }));

  return {
    width,
    height,
    plot,
    title: `Accuracy vs. escalation: ${report.signal}, ${report.rows.toLocaleString('en-US')} tasks`,
    xLabel: '% escalated to the cloud',
    yLabel: 'Accuracy',
    yDomain: [lo, hi],
    xTicks,
    yTicks,
    series,
    levels,
    markers,
    legend,
  };
}

/** Text and attribute values both: the five XML specials. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function reportSvg(report: EvalReport, opts: { width?: number; height?: number } = {}): string {
  const g = chartGeometry(report, opts.width, opts.height);
  const { plot } = g;
  const e = escapeXml;
  const dash = (d: string | null) => (d ? ` stroke-dasharray="${d}"` : '');
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${g.height}" viewBox="0 0 ${g.width} ${g.height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title>${e(g.title)}</title>`,
    `<rect width="${g.width}" height="${g.height}" fill="#ffffff"/>`,
    `<text x="${plot.left}" y="24" font-size="15" font-weight="600" fill="#111827">${e(g.title)}</text>`,
  );
  out.push('<g class="grid" stroke="#e5e7eb" stroke-width="1">');
  for (const t of g.xTicks) out.push(`<line x1="${t.x}" y1="${plot.top}" x2="${t.x}" y2="${plot.bottom}"/>`);
  for (const t of g.yTicks) out.push(`<line x1="${plot.left}" y1="${t.y}" x2="${plot.right}" y2="${t.y}"/>`);
  out.push('</g>');
  out.push(`<rect x="${plot.left}" y="${plot.top}" width="${px(plot.right - plot.left)}" height="${px(plot.bottom - plot.top)}" fill="none" stroke="#9ca3af"/>`);
  out.push('<g class="ticks" fill="#374151">');
  for (const t of g.xTicks) out.push(`<text x="${t.x}" y="${plot.bottom + 16}" text-anchor="middle">${e(t.label)}</text>`);
  for (const t of g.yTicks) out.push(`<text x="${plot.left - 6}" y="${px(t.y + 4)}" text-anchor="end">${e(t.label)}</text>`);
  out.push('</g>');
  out.push(`<text x="${px((plot.left + plot.right) / 2)}" y="${g.height - 14}" text-anchor="middle" fill="#111827">${e(g.xLabel)}</text>`);
  const cy = px((plot.top + plot.bottom) / 2);
  out.push(`<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})" fill="#111827">${e(g.yLabel)}</text>`);
  for (const l of g.levels) out.push(`<path class="level-${l.key}" d="${l.path}" fill="none" stroke="${l.color}" stroke-width="1.5"${dash('2 3')}/>`);
  for (const s of g.series) {
    out.push(`<path class="series-${s.key}" d="${s.path}" fill="none" stroke="${s.color}" stroke-width="${s.key === 'signal' ? 2.5 : 1.5}"${dash(s.dash)}/>`);
  }
  for (const m of g.markers) {
    out.push(`<circle class="marker-${m.key}" cx="${m.x}" cy="${m.y}" r="5" fill="${m.color}" stroke="#ffffff" stroke-width="1.5"><title>${e(m.label)}</title></circle>`);
  }
  out.push('<g class="legend" fill="#111827">');
  for (const item of g.legend) {
    if (item.kind === 'line') {
      out.push(`<line x1="${item.x}" y1="${item.y}" x2="${item.x + 22}" y2="${item.y}" stroke="${item.color}" stroke-width="2"${dash(item.dash)}/>`);
    } else {
      out.push(`<circle cx="${item.x + 11}" cy="${item.y}" r="5" fill="${item.color}"/>`);
    }
    out.push(`<text x="${item.x + 30}" y="${item.y + 4}">${e(item.label)}</text>`);
  }
  out.push('</g>', '</svg>');
  return out.join('\n') + '\n';
}
