import type Database from 'better-sqlite3';
import type { Price, UsageSummary } from '../contract/index.js';
import type { ExportFile } from './types.js';

type Route = 'local' | 'cloud';
type Percentiles = NonNullable<UsageSummary['latency']['local']>;

interface RangeTotals {
  calls: number;
  input: number;
  output: number;
  spend: number;
  /** Replies the person kept from this route. */
  answered: number;
  /** Local only: tokens of the calls whose answer was kept (not replaced by the cloud). */
  answeredInput: number;
  answeredOutput: number;
}

const PERCENTILES = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p99', 0.99],
] as const;

const TOP_REASONS = 20;

/**
 * The savings dashboard for [from, to), computed in SQL on the indexes of migration 004, so it
 * stays fast on a million rows (the DASH bench) and never loads the rows themselves:
 * - calls, tokens and spend: one range query per route and local day that has calls, on the
 *   covering index usage_totals. Days are cut at local midnight here (the server's time zone, as
 *   SQLite's 'localtime' would) rather than with date(time, 'localtime') per row, which costs
 *   seconds on a million rows; the period totals are the sums of the days.
 * - latency: nearest-rank percentiles, each one row read at an offset on usage_by_duration,
 *   counted from whichever end is nearer (p99 of n rows is the (n - k + 1)-th largest).
 * - reasons: the partial index usage_cloud_reasons, grouped in index order.
 * It all runs in one read transaction, so the parts agree even while calls are being logged.
 */
export function createUsageSummary(db: Database.Database): (from: number, to: number, price: Price | null, counterfactualModel: string) => UsageSummary {
  const q = {
    // The first call at or after a time: the next local day that has calls (empty days cost nothing).
    nextTime: db.prepare<[number, number], number>('SELECT time FROM usage_events WHERE time >= ? AND time < ? ORDER BY time LIMIT 1').pluck(),
    // "Answered" rows: the reply the person kept. A local call replaced by the cloud (escalated)
    // or that failed is a call but not an answer; its tokens are not priced again below.
    local: db.prepare<[number, number], { calls: number; input: number | null; output: number | null }>(
      `SELECT COUNT(*) AS calls, SUM(prompt_tokens) AS input, SUM(completion_tokens) AS output
       FROM usage_events WHERE route = 'local' AND time >= ? AND time < ?`,
    ),
    // Escalated local calls (always route 'local', never 'error') and failed calls are few, so
    // they are subtracted over the whole period from their own small partial indexes.
    escalated: db.prepare<[number, number], { calls: number; input: number; output: number }>(
      `SELECT COUNT(*) AS calls, TOTAL(prompt_tokens) AS input, TOTAL(completion_tokens) AS output
       FROM usage_events INDEXED BY usage_escalated WHERE escalated = 1 AND time >= ? AND time < ?`,
    ),
    failed: db.prepare<[number, number], { route: Route; calls: number }>(
      `SELECT route, COUNT(*) AS calls FROM usage_events INDEXED BY usage_errors
       WHERE outcome = 'error' AND time >= ? AND time < ? GROUP BY route`,
    ),
    // Only cloud calls cost money (local rows always store 0), so only they are summed for spend.
    cloud: db.prepare<[number, number], { calls: number; input: number | null; output: number | null; spend: number | null }>(
      `SELECT COUNT(*) AS calls, SUM(prompt_tokens) AS input, SUM(completion_tokens) AS output, SUM(cost_usd) AS spend
       FROM usage_events WHERE route = 'cloud' AND time >= ? AND time < ?`,
    ),
    ascending: db
      .prepare<[Route, number, number, number], number>(
        'SELECT duration_ms FROM usage_events WHERE route = ? AND time >= ? AND time < ? ORDER BY duration_ms LIMIT 1 OFFSET ?',
      )
      .pluck(),
    descending: db
      .prepare<[Route, number, number, number], number>(
        'SELECT duration_ms FROM usage_events WHERE route = ? AND time >= ? AND time < ? ORDER BY duration_ms DESC LIMIT 1 OFFSET ?',
      )
      .pluck(),
    // Without the hint the planner takes usage_totals for the time range, then reads every row
    // and sorts them to group (7x slower on the bench's million rows).
    reasons: db.prepare<[number, number, number], { reason: string; count: number }>(
      `SELECT reason, COUNT(*) AS count FROM usage_events INDEXED BY usage_cloud_reasons
       WHERE route = 'cloud' AND reason IS NOT NULL AND time >= ? AND time < ?
       GROUP BY reason ORDER BY count DESC, reason LIMIT ?`,
    ),
  };

  function percentiles(route: Route, from: number, to: number, n: number): Percentiles | null {
    if (n === 0) return null;
    const at = (p: number) => {
      const k = Math.max(1, Math.ceil(p * n)); // nearest rank, 1-based
      const v = k - 1 <= n - k ? q.ascending.get(route, from, to, k - 1) : q.descending.get(route, from, to, n - k);
      return v ?? 0; // only if rows vanished mid-read, which the transaction rules out
    };
    const out = {} as Percentiles;
    for (const [name, p] of PERCENTILES) out[name] = at(p);
    return out;
  }

  const summarize = db.transaction((from: number, to: number, price: Price | null, counterfactualModel: string): UsageSummary => {
    const local: RangeTotals = { calls: 0, input: 0, output: 0, spend: 0, answered: 0, answeredInput: 0, answeredOutput: 0 };
    const cloud: RangeTotals = { calls: 0, input: 0, output: 0, spend: 0, answered: 0, answeredInput: 0, answeredOutput: 0 };
    const daily: UsageSummary['daily'] = [];
    let cursor = from;
    for (;;) {
      const t = cursor < to ? q.nextTime.get(cursor, to) : undefined;
      if (t === undefined) break;
      const { day, start, end } = localDay(t);
      const a = Math.max(start, from);
      const b = Math.min(end, to);
      const l = q.local.get(a, b)!;
      const c = q.cloud.get(a, b)!;
      local.calls += l.calls;
      local.input += l.input ?? 0;
      local.output += l.output ?? 0;
      cloud.calls += c.calls;
      cloud.input += c.input ?? 0;
      cloud.output += c.output ?? 0;
      cloud.spend += c.spend ?? 0;
      daily.push({ day, localCalls: l.calls, cloudCalls: c.calls, spendUsd: c.spend ?? 0 });
      cursor = end;
    }
    const spendUsd = cloud.spend;
    const esc = q.escalated.get(from, to)!;
    const failed = Object.fromEntries(q.failed.all(from, to).map((r) => [r.route, r.calls])) as Partial<Record<Route, number>>;
    local.answered = local.calls - esc.calls - (failed.local ?? 0);
    local.answeredInput = local.input - esc.input;
    local.answeredOutput = local.output - esc.output;
    cloud.answered = cloud.calls - (failed.cloud ?? 0);
    // Escalated messages are already in the spend; only the answers kept from local calls are
    // priced as if the cloud model had written them.
    const localAtCloudPrice = price === null ? 0 : (local.answeredInput * price.input + local.answeredOutput * price.output) / 1e6;
    const counterfactualUsd = spendUsd + localAtCloudPrice;
    const answers = local.answered + cloud.answered;
    return {
      from,
      to,
      calls: { local: local.calls, cloud: cloud.calls },
      tokens: {
        local: { input: local.input, output: local.output },
        cloud: { input: cloud.input, output: cloud.output },
      },
      localShare: answers === 0 ? null : local.answered / answers,
      spendUsd,
      counterfactualUsd,
      savingUsd: counterfactualUsd - spendUsd,
      counterfactualModel,
      latency: {
        local: percentiles('local', from, to, local.calls),
        cloud: percentiles('cloud', from, to, cloud.calls),
      },
      reasons: cloud.calls === 0 ? [] : q.reasons.all(from, to, TOP_REASONS),
      daily,
    };
  });

  return (from, to, price, counterfactualModel) => summarize(from, to, price, counterfactualModel);
}

/** The local calendar day holding `t`: its name and its [start, end) in ms (23 or 25 hours long across a DST change). */
export function localDay(t: number): { day: string; start: number; end: number } {
  const d = new Date(t);
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1);
  return { day: dayName(start), start: start.getTime(), end: end.getTime() };
}

/** YYYY-MM-DD in local time, like SQLite's date(x, 'unixepoch', 'localtime'). */
function dayName(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * Every usage row of [from, to), oldest first, as CSV (RFC 4180: CRLF rows, fields quoted when
 * needed). Every column of usage_events comes out, in table order, so a column a later migration
 * adds is exported too; `time` is written as ISO 8601 UTC.
 *
 * Written by hand rather than with a CSV library: no CSV writer is among the dependencies, and the
 * whole of RFC 4180 quoting is the small `csvField` below (tested), less code than the glue for one.
 */
export function createUsageCsv(db: Database.Database): (from: number, to: number) => ExportFile {
  const rows = db.prepare<[number, number], Record<string, unknown>>('SELECT * FROM usage_events WHERE time >= ? AND time < ? ORDER BY time, id');
  const columns = rows.columns().map((c) => c.name);
  const q = { first: db.prepare<[number], number | null>('SELECT MIN(time) FROM usage_events WHERE time < ?').pluck() };
  return (from, to) => {
    const lines = [columns.map(csvField).join(',')];
    for (const row of rows.iterate(from, to)) {
      lines.push(columns.map((c) => csvField(c === 'time' ? isoTime(row[c]) : row[c])).join(','));
    }
    // "All time" starts at 0: name the file from its first row rather than from 1970.
    const first = from === 0 ? (q.first.get(to) ?? to - 1) : from;
    const last = Math.max(first, to - 1);
    return {
      filename: `modest-usage-${localDay(first).day}_${localDay(last).day}.csv`,
      mimeType: 'text/csv; charset=utf-8',
      content: `${lines.join('\r\n')}\r\n`,
    };
  };
}

function isoTime(v: unknown): unknown {
  return typeof v === 'number' ? new Date(v).toISOString() : v;
}

/** Text a spreadsheet would run as a formula (OWASP "CSV injection"): =, +, -, @, and tab or CR before them. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field. Text that starts like a formula gets a leading apostrophe, so a spreadsheet shows
 * it rather than evaluating it (an error message or a model name is text from outside); numbers
 * are written as they are, so -0.25 stays a number. Then RFC 4180: a field with a comma, a double
 * quote, CR or LF is quoted, and its quotes are doubled.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'number' || typeof v === 'bigint') s = String(v);
  else {
    s = typeof v === 'string' ? v : String(v);
    if (FORMULA_START.test(s)) s = `'${s}`;
  }
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
