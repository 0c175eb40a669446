import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient, type Confidence } from '../../app/contract/index.js';
import { startHttpServer, type RunningServer } from '../../app/server/serve.js';
import { createCore, type Core } from '../../app/service/index.js';
import { CloudEscalation } from '../../app/service/cloud-escalation.js';
import { openStorage, type Storage } from '../../app/storage/index.js';
import { createHttpTransport } from '../../renderer/src/transport/http.js';

/**
 * The app's side of router evaluation, over real HTTP on 127.0.0.1 with a real database: the
 * report for an uploaded CSV (in a worker), the labels view from stored thumbs and "Ask cloud",
 * and Adopt, which changes how the next reply is routed.
 */
let dataDir: string;
let storage: Storage;
let core: Core;
let server: RunningServer;
let client: ApiClient;
let base: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-eval-router-'));
  storage = openStorage(dataDir);
  core = createCore(storage);
  server = await startHttpServer({ api: core.api });
  base = `http://127.0.0.1:${server.port}`;
  client = createClient(createHttpTransport({ baseUrl: base, getToken: () => server.token }));
});

afterAll(async () => {
  await server?.close();
  await core?.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected the call to fail');
}

/**
 * Four tasks. Sorted by local_confidence: t1 0.1 (local ✗, cloud ✓), t2 0.2 (✗, ✓), t3 0.7
 * (✓, ✓), t4 0.9 (✓, ✗). local = 2/4 = 0.5, cloud = 3/4 = 0.75, oracle = 4/4 = 1.
 * AUROC of local_confidence: both correct rows (0.7, 0.9) outscore both wrong ones: 4/4 pairs → 1.
 * signal_bad is the reverse order → 0.
 * Escalating the lowest 50% (t1, t2) gives 1 + 1 + 1 + 1 → acc 1, PGR (1 − 0.5)/0.25 = 2.
 */
const CSV = [
  'id,local_confidence,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd,signal_bad',
  't1,0.1,0,1,0,0.01,0.9',
  't2,0.2,0,1,0,0.01,0.7',
  't3,0.7,1,1,0,0.01,0.2',
  't4,0.9,1,0,0,0.01,0.1',
].join('\n');

describe('evaluation report over the contract', () => {
  it('answers the report for an uploaded CSV, with the definitions the CLI uses', async () => {
    const report = await client.evalReport({ csv: CSV, name: 'mine.csv', target: 0.95 });
    expect(report).toMatchObject({ rows: 4, signal: 'local_confidence', local_accuracy: 0.5, cloud_accuracy: 0.75, oracle_accuracy: 1 });
    expect(report.auroc).toEqual({ local_confidence: 1, bad: 0 });
    expect(report.curve).toHaveLength(101);
    expect(report.curve[50]!.accuracy).toBeCloseTo(1, 12);
    expect(report.curve[50]!.pgr).toBeCloseTo(2, 12);
    expect(report.random.apgr).toBeCloseTo(0.5, 12);
    const other = await client.evalReport({ csv: CSV, name: 'mine.csv', target: 0.95, signal: 'bad' });
    expect(other.signal).toBe('bad');
    expect(other.apgr!).toBeLessThan(report.apgr!);
  });

  it('refuses a bad CSV with its specific error, and an unknown signal by name', async () => {
    const missing = await codeOf(client.evalReport({ csv: CSV.replace('cloud_correct', 'cloud_ok'), name: 'x.csv', target: 0.9 }));
    expect(missing.code).toBe('EVAL_CSV_MISSING_COLUMN');
    expect(missing.message).toContain('cloud_correct');
    const nonNumeric = await codeOf(client.evalReport({ csv: CSV.replace('t3,0.7', 't3,high'), name: 'x.csv', target: 0.9 }));
    expect(nonNumeric.code).toBe('EVAL_CSV_BAD_VALUE');
    expect(nonNumeric.message).toMatch(/local_confidence/);
    expect((await codeOf(client.evalReport({ csv: 'id,local_confidence\n', name: 'x.csv', target: 0.9 }))).code).toMatch(/^EVAL_CSV_(EMPTY|MISSING_COLUMN)$/);
    const signal = await codeOf(client.evalReport({ csv: CSV, name: 'x.csv', target: 0.9, signal: 'nope' }));
    expect(signal.code).toBe('EVAL_SIGNAL_UNKNOWN');
    expect((await codeOf(client.evalReport({ csv: CSV, name: 'x.csv', target: 1.5 }))).code).toBe('BAD_REQUEST');
  });

  it('takes a CSV larger than the ordinary 16 MB request cap', async () => {
    // ~20 MB: a long prompt column on 2,000 rows.
    const pad = 'x'.repeat(10_000);
    const lines = ['id,local_confidence,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd,prompt'];
    for (let i = 0; i < 2000; i++) lines.push(`r${i},${(i % 97) / 97},${i % 3 === 0 ? 0 : 1},${i % 5 === 0 ? 0 : 1},0,0.002,${pad}`);
    const csv = lines.join('\n');
    expect(csv.length).toBeGreaterThan(16 * 1024 * 1024);
    const report = await client.evalReport({ csv, name: 'big.csv', target: 0.9 });
    expect(report.rows).toBe(2000);
  }, 60_000);

  it('refuses a CSV over the 64 MB cap, and a body past any CSV, with their reasons', async () => {
    const over = `id,local_confidence,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd\n${'x'.repeat(64 * 1024 * 1024)}`;
    const capped = await codeOf(client.evalReport({ csv: over, name: 'huge.csv', target: 0.9 }));
    expect([capped.code, capped.message]).toEqual(['BAD_REQUEST', expect.stringContaining('That CSV is over 64 MB.')]);
    // Past the 80 MB body limit the server stops reading at once.
    const huge = await codeOf(client.evalReport({ csv: 'x'.repeat(81 * 1024 * 1024), name: 'huger.csv', target: 0.9 }));
    expect(huge.code).toBe('MESSAGE_TOO_LONG');
    // Other calls keep the ordinary 16 MB limit.
    const other = await codeOf(client.getLabelStats({ flagShare: 0.5, pad: 'x'.repeat(17 * 1024 * 1024) } as never));
    expect(other.code).toBe('MESSAGE_TOO_LONG');
  }, 120_000);
});

describe('labels and Adopt', () => {
  /** A local answer with the given p10 and a label, stored as the app stores them. */
  function labelled(p10: number, label: 'up' | 'down' | 'asked', cloudAnswered = false): void {
    const conv = storage.conversations.create('labels');
    storage.messages.insert({ conversationId: conv.id, role: 'user', content: 'q', status: 'complete' });
    const reply = storage.messages.insert({ conversationId: conv.id, role: 'assistant', content: 'a', status: 'complete' });
    const c: Confidence = { minP: p10 / 2, p10, meanLogp: Math.log(p10), margin1: p10, tokenCount: 30 };
    const row = { time: Date.now(), conversationId: conv.id, messageId: reply.id, model: 'tiny', promptTokens: 5, completionTokens: 30 };
    const common = { ...row, ttftMs: 5, durationMs: 50, tokensPerSecond: 600, sampler: null, error: null, reason: null, usageEstimated: false };
    storage.usage.insert({ ...common, route: 'local', ...c, costUsd: 0, outcome: 'ok', provider: null });
    if (cloudAnswered) {
      storage.usage.insert({ ...common, route: 'cloud', minP: null, p10: null, meanLogp: null, margin1: null, tokenCount: 0, costUsd: 0.001, outcome: 'ok', provider: 'openai' });
    }
    if (label === 'asked') storage.labels.add(reply.id, 'asked-cloud');
    else storage.labels.setThumb(reply.id, label === 'up' ? 'thumbs-up' : 'thumbs-down');
  }

  it('says so when there are no labels yet', async () => {
    const stats = await client.getLabelStats({ flagShare: 0.8 });
    expect(stats).toMatchObject({ labels: 0, acceptable: 0, unacceptable: 0 });
    expect(stats.signals.every((s) => s.auroc === null && s.threshold === null)).toBe(true);
  });

  it('ranks signals on thumbs and "Ask cloud", leaving out thumbs on answers the cloud gave', async () => {
    labelled(0.9, 'up');
    labelled(0.8, 'up');
    labelled(0.3, 'up');
    labelled(0.4, 'down');
    labelled(0.2, 'asked');
    labelled(0.1, 'down');
    labelled(0.05, 'up', true); // the thumb rates the cloud's answer: left out
    const stats = await client.getLabelStats({ flagShare: 0.5 });
    expect(stats).toMatchObject({ labels: 6, acceptable: 3, unacceptable: 3, flag_share: 0.5 });
    const p10 = stats.signals.find((s) => s.signal === 'p10')!;
    // Pairs (acceptable, not): 0.9 and 0.8 beat all three bad (6); 0.3 beats 0.2 and 0.1 but not 0.4 (2) → 8/9.
    expect(p10.auroc).toBeCloseTo(8 / 9, 12);
    // Flag half of 3 bad → ⌈1.5⌉ = 2 lowest bad (0.1, 0.2); the cut sits between 0.2 and the next score, 0.3.
    expect(p10.threshold).toBeCloseTo(0.25, 12);
    expect(p10.flagged_acceptable_share).toBe(0);
    const all = await client.getLabelStats({ flagShare: 1 });
    // Flagging every bad answer needs the cut above 0.4 (between 0.4 and 0.8): it also flags 0.3, 1 of 3 acceptable.
    expect(all.signals.find((s) => s.signal === 'p10')!.threshold).toBeCloseTo(0.6, 12);
    expect(all.signals.find((s) => s.signal === 'p10')!.flagged_acceptable_share).toBeCloseTo(1 / 3, 12);
  });

  it('adopts a threshold from thumbs only once enough labels back it, counting them itself', async () => {
    const fromThumbs = { kind: 'threshold', score: 'p10', threshold: 0.25, provenance: { source: 'labels', count: 500, detail: 'flags 50% of thumbs-down answers' } } as const;
    // The six labels of the test above are too few, whatever the request claims.
    const few = await codeOf(client.adoptRouter(fromThumbs));
    expect(few.code).toBe('ROUTER_NOT_ADOPTABLE');
    expect(few.message).toContain('there are 6 (3 thumbs-down)');
    expect((await client.getStatus({})).settings.routerScore).toBe('default');
    for (const p of [0.7, 0.75, 0.85, 0.95]) labelled(p, 'up');
    const adopted = await client.adoptRouter(fromThumbs);
    expect(adopted).toMatchObject({ routerScore: 'p10', confidenceThreshold: 0.25, routerProvenance: { source: 'labels', count: 10 } });
    await client.adoptRouter({ kind: 'reset' });
  });

  it('Adopt puts a signal and threshold in force with where it came from; Reset restores the default', async () => {
    const settings = await client.adoptRouter({
      kind: 'threshold',
      score: 'mean_logp',
      threshold: -1.25,
      provenance: { source: 'eval', count: 400, detail: 'mine.csv, target PGR 0.95' },
    });
    expect(settings).toMatchObject({ routerScore: 'mean_logp', confidenceThreshold: -1.25, routerModel: null, routerProvenance: { source: 'eval', count: 400, detail: 'mine.csv, target PGR 0.95' } });
    expect(settings.routerProvenance!.adoptedAt).toBeGreaterThan(Date.now() - 60_000);
    // The routing policy the next reply is judged by.
    expect(new CloudEscalation(storage, core.keys).policy(storage.settings.get())).toMatchObject({ score: 'mean_logp', threshold: -1.25 });

    const model = { features: ['local_confidence', 'prompt_has_code'] as ('local_confidence' | 'prompt_has_code')[], means: [0.5, 0.1], scales: [0.2, 0.3], weights: [1.5, -0.7], intercept: 0.2 };
    const learned = await client.adoptRouter({ kind: 'learned', model, threshold: 0.62, provenance: { source: 'eval', count: 400, detail: 'mine.csv' } });
    expect(learned).toMatchObject({ routerScore: 'learned', routerModel: model, confidenceThreshold: 0.62 });

    const reset = await client.adoptRouter({ kind: 'reset' });
    expect(reset).toMatchObject({ routerScore: 'default', routerModel: null, routerProvenance: null, confidenceThreshold: 0.3 });
  });

  it('refuses what Modest cannot use: a threshold off the score\'s scale, a signal it does not compute, a broken model', async () => {
    const off = await codeOf(client.adoptRouter({ kind: 'threshold', score: 'p10', threshold: 3.5, provenance: { source: 'eval', count: 4, detail: 'x' } }));
    expect(off.code).toBe('ROUTER_NOT_ADOPTABLE');
    expect(off.message).toContain('3.5');
    // Just above 1 is "escalate everything" on a score whose top is exactly 1: allowed.
    const all = await client.adoptRouter({ kind: 'threshold', score: 'p10', threshold: 1.0000000000000002, provenance: { source: 'eval', count: 4, detail: 'x' } });
    expect(all.confidenceThreshold).toBe(1.0000000000000002);
    await client.adoptRouter({ kind: 'reset' });
    const unknown = await codeOf(client.adoptRouter({ kind: 'threshold', score: 'bad' as 'p10', threshold: 0.2, provenance: { source: 'eval', count: 4, detail: 'x' } }));
    expect(unknown.code).toBe('BAD_REQUEST');
    const broken = await codeOf(
      client.adoptRouter({ kind: 'learned', model: { features: ['p10'], means: [0.5, 1], scales: [1], weights: [1], intercept: 0 }, threshold: 0.5, provenance: { source: 'eval', count: 4, detail: 'x' } }),
    );
    expect(broken.code).toBe('BAD_REQUEST');
    expect((await client.getStatus({})).settings.routerScore).toBe('default');
  });
});
