import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calls } from '../../app/contract/index.js';
import type { Storage, UsageEventInput } from '../../app/storage/index.js';
import { migrate, schemaVersion } from '../../app/storage/migrate.js';
import { DB_FILE, openDatabase } from '../../app/storage/open.js';
import { csvField } from '../../app/storage/usage-summary.js';
import { useTempDirs } from '../helpers/storage-fixtures.js';

const { tmpDir, open } = useTempDirs('modest-usage-summary-');

/** Local wall-clock time, so day names do not depend on the zone the tests run in. */
const at = (y: number, mo: number, d: number, h = 12, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();

function setup(): { s: Storage; log: (e: Partial<UsageEventInput>) => number } {
  const s = open();
  const conversationId = s.conversations.create('Usage').id;
  const log = (e: Partial<UsageEventInput>) =>
    s.usage.insert({
      time: at(2026, 11, 10),
      conversationId,
      messageId: null,
      route: 'local',
      model: 'qwen2.5-0.5b',
      promptTokens: 0,
      completionTokens: 0,
      ttftMs: null,
      durationMs: 100,
      tokensPerSecond: null,
      minP: null,
      p10: null,
      meanLogp: null,
      margin1: null,
      tokenCount: 0,
      sampler: null,
      costUsd: 0,
      outcome: 'ok',
      error: null,
      reason: null,
      usageEstimated: false,
      provider: null,
      ...e,
    });
  return { s, log };
}

const cloud = (e: Partial<UsageEventInput>): Partial<UsageEventInput> => ({ route: 'cloud', model: 'gpt-4.1-mini', provider: 'openai', ...e });

/** Nearest rank: the smallest value with at least p of the values at or below it. */
function nearestRank(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(p * s.length)) - 1]!;
}

const NOV = at(2026, 11, 1, 0);
const DEC = at(2026, 12, 1, 0);

describe('usage summary', () => {
  it('an empty period has zeros, no share, no latency, no reasons and no days', () => {
    const { s, log } = setup();
    log({ time: at(2026, 10, 31, 23, 59) }); // outside the period
    const sum = s.usageSummary(NOV, DEC, { input: 2, output: 8 }, 'gpt-4.1-mini');
    expect(sum).toEqual({
      from: NOV,
      to: DEC,
      calls: { local: 0, cloud: 0 },
      tokens: { local: { input: 0, output: 0 }, cloud: { input: 0, output: 0 } },
      localShare: null,
      spendUsd: 0,
      counterfactualUsd: 0,
      savingUsd: 0,
      counterfactualModel: 'gpt-4.1-mini',
      latency: { local: null, cloud: null },
      reasons: [],
      daily: [],
    });
    expect(s.usageSummary(0, 1, null, 'x').calls).toEqual({ local: 0, cloud: 0 });
  });

  it('counts an escalated message as a cloud answer, priced once; a failed cloud call leaves the local answer', () => {
    const { s, log } = setup();
    log({ time: at(2026, 11, 3), promptTokens: 1000, completionTokens: 100 }); // kept local
    const replaced = log({ time: at(2026, 11, 4), promptTokens: 900, completionTokens: 2, outcome: 'aborted' });
    s.usage.markEscalated(replaced);
    log(cloud({ time: at(2026, 11, 4, 12, 1), promptTokens: 900, completionTokens: 300, costUsd: 0.01, reason: 'x' }));
    log({ time: at(2026, 11, 5), promptTokens: 500, completionTokens: 50 }); // kept: its cloud call failed
    log(cloud({ time: at(2026, 11, 5, 12, 1), promptTokens: 500, completionTokens: 0, costUsd: 0, outcome: 'error', reason: 'y' }));
    const sum = s.usageSummary(NOV, DEC, { input: 1, output: 10 }, 'm');
    expect(sum.calls).toEqual({ local: 3, cloud: 2 });
    expect(sum.localShare).toBe(2 / 3);
    // Kept local answers at the cloud price: (1500 × 1 + 150 × 10) / 1e6; the escalated one is in the spend.
    expect(sum.counterfactualUsd).toBeCloseTo(0.01 + 0.003, 12);
    expect(s.usage.list().find((u) => u.id === replaced)).toBeDefined();
  });

  it('counts calls, tokens, spend and the all-cloud counterfactual exactly, over [from, to)', () => {
    const { s, log } = setup();
    // In the period: three local calls, two cloud calls.
    log({ time: NOV, promptTokens: 1000, completionTokens: 200, durationMs: 300 }); // exactly `from`: in
    log({ time: at(2026, 11, 2, 9), promptTokens: 2000, completionTokens: 300, durationMs: 100 });
    log({ time: at(2026, 11, 2, 18), promptTokens: 500, completionTokens: 0, durationMs: 200, outcome: 'aborted' });
    log(cloud({ time: at(2026, 11, 2, 19), promptTokens: 4000, completionTokens: 1000, durationMs: 2000, costUsd: 0.0032, reason: 'you asked' }));
    log(cloud({ time: DEC - 1, promptTokens: 100, completionTokens: 50, durationMs: 1000, costUsd: 0.0001, reason: 'you asked' }));
    // Outside: just before `from`, exactly `to`.
    log({ time: NOV - 1, promptTokens: 99_999, completionTokens: 99_999 });
    log(cloud({ time: DEC, promptTokens: 99_999, completionTokens: 99_999, costUsd: 9 }));

    const price = { input: 2, output: 8 }; // USD per million tokens
    const sum = s.usageSummary(NOV, DEC, price, 'gpt-4.1');
    expect(sum.calls).toEqual({ local: 3, cloud: 2 });
    expect(sum.tokens).toEqual({ local: { input: 3500, output: 500 }, cloud: { input: 4100, output: 1050 } });
    expect(sum.localShare).toBe(3 / 5);
    expect(sum.spendUsd).toBeCloseTo(0.0033, 12);
    // The local calls at the cloud price: (3500 × 2 + 500 × 8) / 1e6 = 0.011.
    expect(sum.counterfactualUsd).toBeCloseTo(0.0033 + 0.011, 12);
    expect(sum.savingUsd).toBeCloseTo(0.011, 12);
    expect(sum.counterfactualModel).toBe('gpt-4.1');
    expect(sum.latency.local).toEqual({ p50: 200, p90: 300, p99: 300 });
    expect(sum.latency.cloud).toEqual({ p50: 1000, p90: 2000, p99: 2000 });
    expect(sum.reasons).toEqual([{ reason: 'you asked', count: 2 }]);
    expect(sum.daily.map((d) => ({ ...d, spendUsd: Number(d.spendUsd.toFixed(10)) }))).toEqual([
      { day: '2026-11-01', localCalls: 1, cloudCalls: 0, spendUsd: 0 },
      { day: '2026-11-02', localCalls: 2, cloudCalls: 1, spendUsd: 0.0032 },
      { day: '2026-11-30', localCalls: 0, cloudCalls: 1, spendUsd: 0.0001 },
    ]);

    // Without a price for the cloud model the counterfactual is only what was spent.
    const unpriced = s.usageSummary(NOV, DEC, null, 'some-model');
    expect(unpriced.counterfactualUsd).toBe(unpriced.spendUsd);
    expect(unpriced.savingUsd).toBe(0);
    expect(unpriced.counterfactualModel).toBe('some-model');

    // A narrower period cuts at its own bounds, also inside a day.
    const day2 = s.usageSummary(at(2026, 11, 2, 12), at(2026, 11, 2, 19), price, 'gpt-4.1');
    expect(day2.calls).toEqual({ local: 1, cloud: 0 });
    expect(day2.daily).toEqual([{ day: '2026-11-02', localCalls: 1, cloudCalls: 0, spendUsd: 0 }]);
    expect(day2.localShare).toBe(1);
  });

  it('latency percentiles are nearest-rank, per route, ties included', () => {
    const { s, log } = setup();
    const local = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const d of local) log({ durationMs: d });
    // 1..100: p50 is the 50th value, p90 the 90th, p99 the 99th.
    expect(s.usageSummary(NOV, DEC, null, 'm').latency.local).toEqual({ p50: 50, p90: 90, p99: 99 });

    // An uneven, tied, fractional set, checked against a plain sort.
    let x = 7;
    const rnd = () => (x = (x * 48271) % 2147483647) / 2147483647;
    const durations = Array.from({ length: 537 }, () => (rnd() < 0.3 ? 250 : Math.round(rnd() * 5000) / 4));
    for (const d of durations) log(cloud({ durationMs: d, time: at(2026, 11, 20) }));
    const sum = s.usageSummary(NOV, DEC, null, 'm');
    expect(sum.latency.cloud).toEqual({ p50: nearestRank(durations, 0.5), p90: nearestRank(durations, 0.9), p99: nearestRank(durations, 0.99) });
    expect(sum.latency.local).toEqual({ p50: 50, p90: 90, p99: 99 });

    // One call: every percentile is that call; a route without calls has none.
    log(cloud({ durationMs: 42, time: at(2026, 11, 25) }));
    const one = s.usageSummary(at(2026, 11, 25), at(2026, 11, 25) + 1, null, 'm');
    expect(one.latency).toEqual({ local: null, cloud: { p50: 42, p90: 42, p99: 42 } });
  });

  it('reasons are those of cloud calls, most frequent first, at most 20', () => {
    const { s, log } = setup();
    log({ reason: 'local first' }); // local: not an escalation reason
    log(cloud({ reason: null }));
    for (let i = 0; i < 25; i++) for (let n = 0; n <= (i === 3 ? 5 : i % 3); n++) log(cloud({ reason: `reason ${String(i).padStart(2, '0')}` }));
    const { reasons } = s.usageSummary(NOV, DEC, null, 'm');
    expect(reasons).toHaveLength(20);
    expect(reasons[0]).toEqual({ reason: 'reason 03', count: 6 });
    // Then count descending, ties by text.
    expect(reasons.slice(1, 4)).toEqual([
      { reason: 'reason 02', count: 3 },
      { reason: 'reason 05', count: 3 },
      { reason: 'reason 08', count: 3 },
    ]);
    const counts = reasons.map((r) => r.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(reasons.some((r) => r.reason === 'local first')).toBe(false);
  });

  it('days are local calendar days, also across a daylight-saving change', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const { s, log } = setup();
      // 2026-03-08 has 23 hours in New York (clocks go from 02:00 to 03:00).
      log({ time: Date.parse('2026-03-08T05:30:00Z') }); // 00:30 EST
      log({ time: Date.parse('2026-03-09T03:59:00Z') }); // 23:59 EDT, same day
      log({ time: Date.parse('2026-03-09T04:00:00Z') }); // 00:00 EDT, next day
      log(cloud({ time: Date.parse('2026-03-09T04:01:00Z'), costUsd: 0.5 }));
      const sum = s.usageSummary(Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-01T00:00:00Z'), null, 'm');
      expect(sum.daily).toEqual([
        { day: '2026-03-08', localCalls: 2, cloudCalls: 0, spendUsd: 0 },
        { day: '2026-03-09', localCalls: 1, cloudCalls: 1, spendUsd: 0.5 },
      ]);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('"All time" (from 0) covers every row', () => {
    const { s, log } = setup();
    log({ time: at(2024, 1, 1) });
    log({ time: at(2026, 11, 10) });
    const sum = s.usageSummary(0, DEC, null, 'm');
    expect(sum.calls.local).toBe(2);
    expect(sum.daily.map((d) => d.day)).toEqual(['2024-01-01', '2026-11-10']);
  });

  it('rejects a period that does not end after it starts, at the contract boundary', () => {
    for (const call of [calls.usageSummary, calls.exportUsage]) {
      expect(call.input.safeParse({ from: 10, to: 10 }).success).toBe(false);
      expect(call.input.safeParse({ from: 10, to: 5 }).success).toBe(false);
      expect(call.input.safeParse({ from: -1, to: 5 }).success).toBe(false);
      expect(call.input.safeParse({ from: 1.5, to: 5 }).success).toBe(false);
      expect(call.input.safeParse({ from: 0, to: 5, extra: 1 }).success).toBe(false);
      expect(call.input.safeParse({ from: 0, to: 1 }).success).toBe(true);
      const bad = call.input.safeParse({ from: 5, to: 5 });
      expect(bad.error?.issues[0]?.message).toBe('The period must end after it starts.');
    }
  });
});

/** RFC 4180, enough to read back what the export writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

describe('usage CSV', () => {
  it('writes every row of the period oldest first, every column, ISO times, and quotes per RFC 4180', () => {
    const { s, log } = setup();
    log(cloud({ time: Date.UTC(2026, 10, 5, 8, 0, 0, 123), promptTokens: 10, completionTokens: 2, costUsd: 0.25, reason: 'prompt 5,000 tokens > local context 4,096', error: 'He said "no"\r\nthen left', meanLogp: -0.5 }));
    log({ time: Date.UTC(2026, 10, 4), usageEstimated: true });
    log({ time: NOV - 1 }); // outside
    const file = s.usageCsv(NOV, DEC);
    expect(file.mimeType).toBe('text/csv; charset=utf-8');
    expect(file.filename).toBe('modest-usage-2026-11-01_2026-11-30.csv');
    expect(file.content.endsWith('\r\n')).toBe(true);

    const [header, ...rows] = parseCsv(file.content);
    expect(header).toEqual([
      'id', 'time', 'conversation_id', 'message_id', 'route', 'model', 'prompt_tokens', 'completion_tokens', 'ttft_ms', 'duration_ms',
      'tokens_per_second', 'min_p', 'p10', 'mean_logp', 'margin1', 'token_count', 'sampler_json', 'cost_usd', 'outcome', 'error',
      'reason', 'usage_estimated', 'provider', 'escalated',
    ]);
    expect(rows).toHaveLength(2);
    const col = (r: string[], name: string) => r[header!.indexOf(name)];
    expect(rows.map((r) => col(r, 'time'))).toEqual(['2026-11-04T00:00:00.000Z', '2026-11-05T08:00:00.123Z']);
    const c = rows[1]!;
    expect(col(c, 'route')).toBe('cloud');
    expect(col(c, 'error')).toBe('He said "no"\r\nthen left');
    expect(col(c, 'reason')).toBe('prompt 5,000 tokens > local context 4,096');
    expect(col(c, 'cost_usd')).toBe('0.25');
    expect(col(c, 'mean_logp')).toBe('-0.5'); // a number, not text: no apostrophe
    expect(col(c, 'message_id')).toBe(''); // null
    expect(col(rows[0]!, 'usage_estimated')).toBe('1');
    expect(file.content).toContain('"He said ""no""\r\nthen left"');
  });

  it('neutralises spreadsheet formulas in text', () => {
    const { s, log } = setup();
    log({ model: '=HYPERLINK("http://x.invalid","click")', error: '+1+1', reason: '-2', provider: '@SUM(A1)' });
    const [header, row] = parseCsv(s.usageCsv(NOV, DEC).content);
    const col = (name: string) => row![header!.indexOf(name)];
    expect(col('model')).toBe(`'=HYPERLINK("http://x.invalid","click")`);
    expect(col('error')).toBe("'+1+1");
    expect(col('reason')).toBe("'-2");
    expect(col('provider')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField(-3)).toBe('-3');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(null)).toBe('');
  });

  it('an empty period is just the header; "All time" is named from its first row', () => {
    const { s, log } = setup();
    expect(parseCsv(s.usageCsv(NOV, DEC).content)).toHaveLength(1);
    log({ time: at(2026, 3, 4) });
    expect(s.usageCsv(0, DEC).filename).toBe('modest-usage-2026-03-04_2026-11-30.csv');
  });
});

describe('usage summary on an upgraded database', () => {
  it('works on usage written before migration 004', () => {
    const dir = tmpDir();
    const db = openDatabase(path.join(dir, DB_FILE));
    migrate(db, { target: 3 });
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'Old', 1, 1)").run();
    const row = db.prepare(
      `INSERT INTO usage_events (time, conversation_id, route, model, prompt_tokens, completion_tokens, duration_ms, token_count, cost_usd, outcome, reason, provider)
       VALUES (?, 'c1', ?, 'm', 100, 10, ?, 10, ?, 'ok', ?, ?)`,
    );
    row.run(at(2026, 11, 3), 'cloud', 900, 0.002, 'you asked', 'openai');
    row.run(at(2026, 11, 3), 'local', 300, 0, 'local first', null);
    db.close();

    const s = open(dir);
    const check = openDatabase(s.dbPath);
    expect(schemaVersion(check)).toBeGreaterThanOrEqual(4);
    check.close();
    const sum = s.usageSummary(NOV, DEC, { input: 1, output: 1 }, 'm');
    expect(sum.calls).toEqual({ local: 1, cloud: 1 });
    expect(sum.reasons).toEqual([{ reason: 'you asked', count: 1 }]);
    expect(sum.latency.cloud).toEqual({ p50: 900, p90: 900, p99: 900 });
    expect(sum.counterfactualUsd).toBeCloseTo(0.002 + 110 / 1e6, 12);
    expect(s.usage.cloudSpendSince(0)).toBeCloseTo(0.002, 12);
  });
});
