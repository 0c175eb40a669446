/**
 * The savings dashboard: how much ran locally, what the cloud cost, what it would have cost had
 * the cloud model answered everything, latency by route, why calls escalated, and two daily charts.
 *
 * Charts: uPlot (MIT, ~50 KB minified, no dependencies, maintained since 2019, no `engines`
 * constraint, so Node 20 installs it). It fits the window's strict CSP (`script-src 'self';
 * style-src 'self'`): it never evaluates code and never injects a <style> element or a style
 * attribute; it sizes its elements through the CSSOM (`el.style.width = ...`), which the CSP
 * allows, and its stylesheet is a plain CSS file bundled by Vite like ours. It draws on a canvas,
 * so it is fast with a year of days, and colours come from our CSS variables, read when a chart
 * is drawn (redrawn when the system switches light/dark). Chart.js is larger and ECharts far
 * larger; SVG-in-React libraries (Recharts) pull in d3 and are slower to draw. A canvas is not
 * readable by a screen reader, so each chart has a text summary and its numbers as a table.
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsageSummary } from '../../../app/contract/index.js';
import { api, errorMessage } from '../api.js';
import { downloadText } from '../lib/download.js';
import { duration, percent, usd } from '../lib/format.js';
import { Dialog } from './Dialog.js';
import { DownloadIcon } from './icons.js';
import '../dashboard.css';

type PeriodId = 'month' | '30d' | 'all';

const PERIODS: { id: PeriodId; label: string }[] = [
  { id: 'month', label: 'This month' },
  { id: '30d', label: 'Last 30 days' },
  { id: 'all', label: 'All time' },
];

const DAY_MS = 86_400_000;

/** [from, to) in ms for a period, as of `now` (local time: "this month" is the calendar month here). */
export function periodRange(id: PeriodId, now = Date.now()): { from: number; to: number } {
  const d = new Date(now);
  switch (id) {
    case 'month':
      return { from: new Date(d.getFullYear(), d.getMonth(), 1).getTime(), to: new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime() };
    case '30d':
      return { from: Math.max(0, now - 30 * DAY_MS), to: now + 1 };
    case 'all':
      return { from: 0, to: now + 1 };
  }
}

type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; summary: UsageSummary };

/** The dashboard, as a modal: mount it while it should show; `onClose` runs on Esc, the Close button or the backdrop. */
export function Dashboard({ onClose }: { onClose: () => void }) {
  const [period, setPeriod] = useState<PeriodId>('month');
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [exporting, setExporting] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const groupName = useId();

  useEffect(() => {
    let live = true;
    setLoad({ state: 'loading' });
    api
      .usageSummary(periodRange(period))
      .then((summary) => live && setLoad({ state: 'ready', summary }))
      .catch((err: unknown) => live && setLoad({ state: 'error', message: errorMessage(err) }));
    return () => {
      live = false;
    };
  }, [period, attempt]);

  const exportCsv = async () => {
    // The period as shown: "Last 30 days" and "All time" end now, as the summary did.
    const range = load.state === 'ready' ? { from: load.summary.from, to: load.summary.to } : periodRange(period);
    setExporting({ busy: true, error: null });
    try {
      const file = await api.exportUsage(range);
      downloadText(file.filename, file.mimeType, file.content);
      setExporting({ busy: false, error: null });
    } catch (err) {
      setExporting({ busy: false, error: `The CSV could not be exported: ${errorMessage(err)}` });
    }
  };

  const summary = load.state === 'ready' ? load.summary : null;
  const empty = summary !== null && summary.calls.local + summary.calls.cloud === 0;

  return (
    <Dialog open onClose={onClose} title="Usage and savings" className="dashboard-dialog">
      <div className="dash-toolbar">
        <fieldset className="dash-periods">
          <legend className="visually-hidden">Period</legend>
          {PERIODS.map((p) => (
            <label key={p.id} className={period === p.id ? 'selected' : ''}>
              <input type="radio" name={groupName} value={p.id} checked={period === p.id} onChange={() => setPeriod(p.id)} />
              {p.label}
            </label>
          ))}
        </fieldset>
        <button type="button" className="secondary" onClick={() => void exportCsv()} disabled={!summary || empty || exporting.busy}>
          <DownloadIcon /> {exporting.busy ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      {exporting.error && (
        <p className="form-error" role="alert">
          {exporting.error}
        </p>
      )}

      <div className="dash-body" aria-busy={load.state === 'loading'}>
        {load.state === 'loading' && (
          <p className="hint dash-status" role="status">
            Loading usage…
          </p>
        )}
        {load.state === 'error' && (
          <div className="dash-status" role="alert">
            <p className="form-error">Usage could not be loaded: {load.message}</p>
            <button type="button" className="secondary" onClick={() => setAttempt((n) => n + 1)}>
              Retry
            </button>
          </div>
        )}
        {empty && (
          <p className="dash-status dash-empty" role="status">
            No calls in this period yet
          </p>
        )}
        {summary && !empty && <SummaryView summary={summary} />}
      </div>
    </Dialog>
  );
}

function SummaryView({ summary: s }: { summary: UsageSummary }) {
  const total = s.calls.local + s.calls.cloud;
  return (
    <>
      <section className="dash-cards" aria-label="Totals">
        <Card
          label="Handled locally"
          value={percent(s.localShare)}
          detail={`of the answers you kept; ${count(s.calls.local)} local and ${count(s.calls.cloud)} cloud ${total === 1 ? 'call' : 'calls'}`}
        />
        <Card label="Spent on the cloud" value={usd(s.spendUsd)} detail={`${count(s.calls.cloud)} cloud ${s.calls.cloud === 1 ? 'call' : 'calls'}`} />
        <Card label="All-cloud cost" value={usd(s.counterfactualUsd)} detail={`had ${s.counterfactualModel} answered every call`} />
        <Card label="Saved" value={usd(s.savingUsd)} detail="by answering locally" accent />
      </section>
      {s.counterfactualUsd === s.spendUsd && s.calls.local > 0 && (
        <p className="hint">No price is known for {s.counterfactualModel}, so local calls count as free here. Set its price in Settings.</p>
      )}

      <div className="dash-grid">
        <section aria-labelledby="dash-calls">
          <h3 id="dash-calls">Calls and tokens</h3>
          <table className="dash-table">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Calls</th>
                <th scope="col">Input tokens</th>
                <th scope="col">Output tokens</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">Local</th>
                <td>{count(s.calls.local)}</td>
                <td>{count(s.tokens.local.input)}</td>
                <td>{count(s.tokens.local.output)}</td>
              </tr>
              <tr>
                <th scope="row">Cloud</th>
                <td>{count(s.calls.cloud)}</td>
                <td>{count(s.tokens.cloud.input)}</td>
                <td>{count(s.tokens.cloud.output)}</td>
              </tr>
            </tbody>
          </table>
        </section>

        <section aria-labelledby="dash-latency">
          <h3 id="dash-latency">Latency</h3>
          <table className="dash-table">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">p50</th>
                <th scope="col">p90</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              {(['local', 'cloud'] as const).map((route) => {
                const l = s.latency[route];
                return (
                  <tr key={route}>
                    <th scope="row">{route === 'local' ? 'Local' : 'Cloud'}</th>
                    <td>{duration(l?.p50)}</td>
                    <td>{duration(l?.p90)}</td>
                    <td>{duration(l?.p99)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="hint">Whole call, from the request to the last token. p90: nine calls in ten were at least this fast.</p>
        </section>
      </div>

      <DailyCharts summary={s} />

      <section aria-labelledby="dash-reasons">
        <h3 id="dash-reasons">Why calls went to the cloud</h3>
        {s.reasons.length === 0 ? (
          <p className="hint">No call went to the cloud in this period.</p>
        ) : (
          <table className="dash-table dash-reasons">
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col">Calls</th>
              </tr>
            </thead>
            <tbody>
              {s.reasons.map((r) => (
                <tr key={r.reason}>
                  <td>{r.reason}</td>
                  <td>{count(r.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function Card({ label, value, detail, accent = false }: { label: string; value: string; detail: string; accent?: boolean }) {
  return (
    <div className={`dash-card ${accent ? 'accent' : ''}`}>
      <div className="dash-card-label">{label}</div>
      <div className="dash-card-value">{value}</div>
      <div className="dash-card-detail">{detail}</div>
    </div>
  );
}

// ---------- daily charts ----------

interface Day {
  day: string;
  /** Local midnight, in seconds (uPlot's time unit). */
  t: number;
  localCalls: number;
  cloudCalls: number;
  spendUsd: number;
}

/** The summary's days (only those with calls) with the empty days between them filled in, for the period shown. */
export function fillDays(summary: Pick<UsageSummary, 'from' | 'to' | 'daily'>, now = Date.now()): Day[] {
  const have = new Map(summary.daily.map((d) => [d.day, d]));
  const first = summary.daily[0];
  if (!first) return [];
  // "All time" starts at the first day with calls; a bounded period at its own start.
  const start = summary.from === 0 ? parseDay(first.day) : startOfDay(summary.from);
  const lastDay = parseDay(summary.daily.at(-1)!.day);
  const end = new Date(Math.max(lastDay.getTime(), startOfDay(Math.min(summary.to - 1, now)).getTime()));
  const out: Day[] = [];
  for (const d = new Date(start); d <= end && out.length < 20_000; d.setDate(d.getDate() + 1)) {
    const name = dayName(d);
    const x = have.get(name);
    out.push({ day: name, t: d.getTime() / 1000, localCalls: x?.localCalls ?? 0, cloudCalls: x?.cloudCalls ?? 0, spendUsd: x?.spendUsd ?? 0 });
  }
  return out;
}

function parseDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
}

function startOfDay(ms: number): Date {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

function dayName(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function DailyCharts({ summary }: { summary: UsageSummary }) {
  const days = useMemo(() => fillDays(summary), [summary]);
  const colors = useThemeColors();
  const busiest = days.reduce((m, d) => Math.max(m, d.localCalls + d.cloudCalls), 0);
  const costliest = days.reduce((m, d) => Math.max(m, d.spendUsd), 0);
  const span = days.length > 0 ? `${longDay(days[0]!.day)} to ${longDay(days.at(-1)!.day)}` : '';

  const callsOpts = useCallback(
    (width: number): uPlot.Options => {
      const local = days.map((d) => d.localCalls);
      const cloud = days.map((d) => d.cloudCalls);
      return {
        ...baseOptions(width, colors, count),
        series: [
          { label: 'Day', value: (_u, v) => (v == null ? '–' : shortDay(v)) },
          // Stacked by drawing the total first in the cloud colour, then the local part over it.
          { label: 'Cloud', fill: colors.cloud, stroke: colors.cloud, width: 0, paths: bars(), points: { show: false }, value: (_u, _v, _s, i) => (i == null ? '–' : count(cloud[i] ?? 0)) },
          { label: 'Local', fill: colors.local, stroke: colors.local, width: 0, paths: bars(), points: { show: false }, value: (_u, _v, _s, i) => (i == null ? '–' : count(local[i] ?? 0)) },
        ],
      };
    },
    [days, colors],
  );
  const callsData = useMemo<uPlot.AlignedData>(
    () => [days.map((d) => d.t), days.map((d) => d.localCalls + d.cloudCalls), days.map((d) => d.localCalls)],
    [days],
  );

  const spendOpts = useCallback(
    (width: number): uPlot.Options => ({
      ...baseOptions(width, colors, usdAxis),
      series: [
        { label: 'Day', value: (_u, v) => (v == null ? '–' : shortDay(v)) },
        { label: 'Spend', fill: colors.spend, stroke: colors.spend, width: 0, paths: bars(), points: { show: false }, value: (_u, v) => (v == null ? '–' : usd(v)) },
      ],
    }),
    [colors],
  );
  const spendData = useMemo<uPlot.AlignedData>(() => [days.map((d) => d.t), days.map((d) => d.spendUsd)], [days]);

  if (days.length === 0) return null;
  return (
    <div className="dash-charts">
      <figure className="dash-chart">
        <figcaption id="dash-calls-chart">Calls per day, local and cloud</figcaption>
        <Chart
          options={callsOpts}
          data={callsData}
          label={`Bar chart of calls per day, ${span}: ${count(summary.calls.local)} local and ${count(summary.calls.cloud)} cloud calls; the busiest day had ${count(busiest)}.`}
        />
        <DayTable caption="Calls per day" days={days} columns={[['Local calls', (d) => count(d.localCalls)], ['Cloud calls', (d) => count(d.cloudCalls)]]} />
      </figure>
      <figure className="dash-chart">
        <figcaption id="dash-spend-chart">Cloud spend per day</figcaption>
        <Chart
          options={spendOpts}
          data={spendData}
          label={`Bar chart of cloud spend per day, ${span}: ${usd(summary.spendUsd)} in all; the costliest day was ${usd(costliest)}.`}
        />
        <DayTable caption="Cloud spend per day" days={days} columns={[['Spend', (d) => usd(d.spendUsd)]]} />
      </figure>
    </div>
  );
}

/** The chart's numbers for anyone who cannot see the canvas (or wants them exactly); days without calls are left out. */
function DayTable({ caption, days, columns }: { caption: string; days: Day[]; columns: [string, (d: Day) => string][] }) {
  const rows = days.filter((d) => d.localCalls + d.cloudCalls > 0);
  return (
    <details className="dash-day-table">
      <summary>Show as a table</summary>
      <div className="dash-day-scroll">
      <table className="dash-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {columns.map(([name]) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.day}>
              <th scope="row">{longDay(d.day)}</th>
              {columns.map(([name, cell]) => (
                <td key={name}>{cell(d)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </details>
  );
}

interface ThemeColors {
  text: string;
  muted: string;
  grid: string;
  local: string;
  cloud: string;
  spend: string;
}

/** Canvas needs real colours, not var(--x): read ours, again whenever the system switches light/dark. */
function useThemeColors(): ThemeColors {
  const read = (): ThemeColors => {
    const css = getComputedStyle(document.documentElement);
    const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    return {
      text: v('--text-soft', '#4b5060'),
      muted: v('--muted', '#6b7080'),
      grid: v('--border', '#e3e5e9'),
      local: v('--accent', '#4a5fd8'),
      cloud: v('--warn', '#a26200'),
      spend: v('--warn', '#a26200'),
    };
  };
  const [colors, setColors] = useState(read);
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setColors(read());
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);
  return colors;
}

const bars = () => uPlot.paths.bars!({ size: [0.7, 48], gap: 1 });

function baseOptions(width: number, c: ThemeColors, yValue: (n: number) => string): Omit<uPlot.Options, 'series'> {
  const axis = { stroke: c.muted, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 }, font: '11px system-ui, sans-serif' };
  return {
    width,
    height: 180,
    padding: [8, 16, 0, 0],
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    legend: { live: true },
    scales: {
      // Half a day either side, so the first and last bars are whole (and one day still has a width).
      x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      { ...axis, space: 60 },
      { ...axis, size: 56, values: (_u, splits) => splits.map((n) => yValue(n)) },
    ],
  };
}

/** One uPlot chart, as wide as its box: built on mount and when its options change, resized with the box, destroyed on unmount. */
function Chart({ options, data, label }: { options: (width: number) => uPlot.Options; data: uPlot.AlignedData; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const u = new uPlot(options(Math.max(200, el.clientWidth)), data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: u.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [options, data]);
  return <div ref={box} className="dash-plot" role="img" aria-label={label} />;
}

// ---------- formatting ----------

const countFmt = new Intl.NumberFormat('en-US');
function count(n: number): string {
  return countFmt.format(n);
}

/** Dollars: cents for a dollar or more; small amounts with up to four decimals, so $0.0032 is not shown as $0.00. */

function usdAxis(n: number): string {
  if (n === 0) return '$0';
  return n.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 });
}

function shortDay(seconds: number): string {
  return new Date(seconds * 1000).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

function longDay(day: string): string {
  return parseDay(day).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
}
