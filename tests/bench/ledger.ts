/**
 * The usage ledger and its savings dashboard.
 *
 * LEDGER  one `storage.usage.insert` (what every model call adds to the end of a reply): median of
 *         single inserts, each its own transaction as in the app. Goal ≤ 0.5 ms.
 * DASH    one `storage.usageSummary` over 1,000,000 rows spread over 90 days (three in four local,
 *         escalation reasons on the cloud ones), for the whole period ("All time") and for the
 *         last 30 days: median of a few runs. Goal ≤ 200 ms.
 *
 * Run alone: npx tsx -e "import('./tests/bench/ledger.ts').then(m=>m.ledgerBench())"
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage } from '../../app/storage/index.js';
import { openDatabase } from '../../app/storage/open.js';
import type { UsageEventInput } from '../../app/storage/index.js';

const ROWS = Number(process.env.BENCH_LEDGER_ROWS ?? 1_000_000);
const DAYS = 90;
const INSERTS = 2000;
const SUMMARY_RUNS = 5;
const PRICE = { input: 0.4, output: 1.6 };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A small deterministic generator, so every run measures the same rows. */
function lcg(seed = 42): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

export async function ledgerBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-ledger-bench-'));
  try {
    const now = Date.now();
    const storage = openStorage(dir);
    const conversationId = storage.conversations.create('Ledger bench').id;

    // LEDGER: single inserts, as the chat service writes them (one transaction each).
    const event = (i: number): UsageEventInput => ({
      time: now - INSERTS + i,
      conversationId,
      messageId: null,
      route: i % 4 === 0 ? 'cloud' : 'local',
      model: i % 4 === 0 ? 'gpt-4.1-mini' : 'qwen2.5-0.5b-instruct',
      promptTokens: 900,
      completionTokens: 200,
      ttftMs: 120,
      durationMs: 2400,
      tokensPerSecond: 80,
      minP: 0.05,
      p10: 0.4,
      meanLogp: -0.3,
      margin1: 0.2,
      tokenCount: 200,
      sampler: { temperature: 0.7, topK: 40, topP: 0.9, seed: i },
      costUsd: i % 4 === 0 ? 0.0007 : 0,
      outcome: 'ok',
      error: null,
      reason: i % 4 === 0 ? 'local confidence 0.21 < 0.30 (p10)' : 'local first',
      usageEstimated: false,
      provider: i % 4 === 0 ? 'openai' : null,
    });
    const times: number[] = [];
    for (let i = 0; i < INSERTS; i++) {
      const e = event(i);
      const t0 = performance.now();
      storage.usage.insert(e);
      times.push(performance.now() - t0);
    }
    console.log(`LEDGER insert median ${median(times).toFixed(3)} ms (goal ≤ 0.5), over ${INSERTS} inserts`);
    const dbPath = storage.dbPath;
    storage.close();

    // The synthetic ledger, written fast on the raw file: one transaction, one prepared statement.
    const t0 = performance.now();
    const db = openDatabase(dbPath);
    try {
      db.prepare('DELETE FROM usage_events').run();
      const insert = db.prepare(
        `INSERT INTO usage_events (time, conversation_id, route, model, prompt_tokens, completion_tokens, ttft_ms, duration_ms,
           token_count, cost_usd, outcome, reason, provider)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const rnd = lcg();
      const span = DAYS * 86_400_000;
      // Reasons carry numbers, as the router writes them: a few hundred distinct texts.
      const reason = () => {
        const r = rnd();
        if (r < 0.45) return `local confidence 0.${String(Math.floor(rnd() * 30)).padStart(2, '0')} < 0.30 (p10)`;
        if (r < 0.7) return `a local token had probability 0.00${Math.floor(rnd() * 10)} < 0.02`;
        if (r < 0.85) return 'you asked';
        return `prompt ${1000 + Math.floor(rnd() * 200) * 10} tokens > local context 4,096`;
      };
      db.transaction(() => {
        for (let i = 0; i < ROWS; i++) {
          const cloud = rnd() < 0.25;
          const input = 50 + Math.floor(rnd() * 2000);
          const output = 10 + Math.floor(rnd() * 500);
          const duration = Math.round(100 + rnd() * rnd() * 20_000);
          insert.run(
            now - span + Math.floor((i / ROWS) * span),
            conversationId,
            cloud ? 'cloud' : 'local',
            cloud ? 'gpt-4.1-mini' : 'qwen2.5-0.5b-instruct',
            input,
            output,
            Math.round(duration / 10),
            duration,
            output,
            cloud ? (input * PRICE.input + output * PRICE.output) / 1e6 : 0,
            'ok',
            cloud ? reason() : 'local first',
            cloud ? 'openai' : null,
          );
        }
      })();
    } finally {
      db.close();
    }
    console.log(`DASH wrote ${ROWS.toLocaleString('en-US')} synthetic rows over ${DAYS} days in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // DASH: the summary as the dashboard asks for it, on a freshly opened storage.
    const s = openStorage(dir);
    try {
      const periods: [string, number][] = [
        ['all time', 0],
        ['last 30 days', now - 30 * 86_400_000],
      ];
      for (const [name, from] of periods) {
        const runs: number[] = [];
        let calls = 0;
        for (let i = 0; i <= SUMMARY_RUNS; i++) {
          const t = performance.now();
          const sum = s.usageSummary(from, now + 1, PRICE, 'gpt-4.1-mini');
          const ms = performance.now() - t;
          if (i > 0) runs.push(ms); // the first run warms the page cache
          calls = sum.calls.local + sum.calls.cloud;
        }
        const label = name === 'all time' ? `DASH summary over ${calls.toLocaleString('en-US')} rows` : `DASH summary, ${name} (${calls.toLocaleString('en-US')} rows)`;
        console.log(`${label}: ${median(runs).toFixed(0)} ms (goal ≤ 200; min ${Math.min(...runs).toFixed(0)} / max ${Math.max(...runs).toFixed(0)})`);
      }
    } finally {
      s.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
