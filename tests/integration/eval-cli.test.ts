import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../../app/contract/index.js';
import { openStorage } from '../../app/storage/index.js';
import { startFakeCloud, type FakeCloud } from '../helpers/fake-cloud.js';
import { tinyModel } from '../helpers/models.js';

/**
 * The `modest` command as a person runs it: a child process (from source, through tsx), real
 * files, a real data folder, real llama.cpp on generated models and the stand-in cloud provider
 * reached through the official SDK.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'app/cli/modest.ts');
const KEY = 'sk-test-eval-7c1d9e2a';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `modest …`; the environment holds no API keys unless `env` adds them. */
function start(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.OPENAI_API_KEY;
  delete base.ANTHROPIC_API_KEY;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const ran: Ran = { code: null, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (ran.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (ran.stderr += d));
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...ran, code }));
  });
  return { child, ran, done };
}

function modest(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return start(args, env).done;
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-eval-cli-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/*
 * Five tasks, sorted by local_confidence: the two least confident are wrong locally and right in
 * the cloud, the third is right locally and wrong in the cloud, the last two right on both.
 * By hand (n = 5, every cloud call $0.01, local calls free):
 *   local 3/5 = 0.6, cloud 4/5 = 0.8, oracle 5/5 = 1.
 *   Escalating the lowest x% (k = x/20 rows) gains 1 per row for a and b, −1 for c:
 *   PGR(x) = gain / (5 · 0.2) = 0, .5, 1, 1.5, 2, 1.5, 1, 1, 1, 1, 1 at x = 0, 10, …, 100,
 *   so APGR = 11.5 / 11; PGR ≥ 0.5 first at x = 10, ≥ 0.8 at x = 16, where 0.8 rows are
 *   escalated: cost (0 + 0.8 · 0.01) / 0.05 = 0.16.
 *   Random router: PGR(x) = x / 100, so APGR 0.5, CPT50 50, CPT80 80, cost at CPT80 0.8.
 *   AUROC: local_confidence puts every right answer above every wrong one (1); min_p is the
 *   reverse (0); p10 is one value for all rows (0.5, ties count half).
 */
const HEADER = 'id,prompt,local_confidence,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd,signal_min_p,signal_p10';
const GOOD_CSV = [
  HEADER,
  'a,"What is 2,000 + 1?",0.1,0,1,0,0.01,0.9,0.5',
  'b,"Say ""hi""",0.2,0,1,0,0.01,0.8,0.5',
  'c,"two\nlines",0.3,1,0,0,0.01,0.7,0.5',
  'd,plain,0.4,1,1,0,0.01,0.6,0.5',
  'e,plain,0.5,1,1,0,0.01,0.5,0.5',
  '',
].join('\n');

describe('modest eval report', () => {
  it('--json prints the EvalReport with the figures computed by hand', async () => {
    const csv = write('good.csv', GOOD_CSV);
    const r = await modest(['eval', 'report', csv, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EvalReport;
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['rows', 'signal', 'local_accuracy', 'cloud_accuracy', 'oracle_accuracy', 'apgr', 'cpt50', 'cpt80', 'cost_at_cpt80', 'random', 'auroc', 'curve', 'recommendation', 'learned', 'notes']),
    );
    expect([report.rows, report.signal]).toEqual([5, 'local_confidence']);
    expect(report.local_accuracy).toBeCloseTo(0.6, 12);
    expect(report.cloud_accuracy).toBeCloseTo(0.8, 12);
    expect(report.oracle_accuracy).toBeCloseTo(1, 12);
    expect(report.apgr).toBeCloseTo(11.5 / 11, 9);
    expect([report.cpt50, report.cpt80]).toEqual([10, 16]);
    expect(report.cost_at_cpt80).toBeCloseTo(0.16, 9);
    expect(report.random.apgr).toBeCloseTo(0.5, 9);
    expect([report.random.cpt50, report.random.cpt80]).toEqual([50, 80]);
    expect(report.random.cost_at_cpt80).toBeCloseTo(0.8, 9);
    expect(report.auroc).toEqual({ local_confidence: 1, min_p: 0, p10: 0.5 });
    expect(report.all_cloud_cost_usd).toBeCloseTo(0.05, 12);
    expect(report.all_local_cost_usd).toBe(0);
    const at = (x: number) => report.curve.find((p) => p.x === x)!;
    expect([at(0).accuracy, at(20).accuracy, at(40).accuracy, at(60).accuracy, at(100).accuracy].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0.6, 0.8, 1, 0.8, 0.8]);
    expect(at(30).pgr).toBeCloseTo(1.5, 9);
  });

  it('--signal routes by another column, and an unknown one is an error', async () => {
    const csv = path.join(dir, 'good.csv');
    const r = await modest(['eval', 'report', csv, '--json', '--signal', 'min_p']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EvalReport;
    // min_p escalates e, d, c first: nothing gained until c, which loses one; b brings it back to 0 and a to 1 (PGR 0.5 at x = 90).
    expect(report.signal).toBe('min_p');
    expect(report.cpt50).toBe(90);
    const bad = await modest(['eval', 'report', csv, '--signal', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('That CSV has no signal "nope". Available: local_confidence, min_p, p10.');
  });

  it('prints a readable report without --json, and writes the chart with --chart', async () => {
    const csv = path.join(dir, 'good.csv');
    const svg = path.join(dir, 'chart.svg');
    const r = await modest(['eval', 'report', csv, '--chart', svg, '--target', '0.9']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Router evaluation of good.csv: 5 tasks, routed by local_confidence');
    expect(r.stdout).toContain('local 60.0% · cloud 80.0% · oracle 100.0%');
    expect(lines.find((l) => /^\s+local_confidence \*/.test(l))).toMatch(/local_confidence \*\s+1\.000\s+1\.045\s+10%\s+16%\s+16\.0%$/);
    expect(lines.find((l) => /^\s+APGR\s/.test(l))).toMatch(/APGR\s+1\.045\s+0\.500$/);
    expect(lines.find((l) => /^\s+CPT80\s/.test(l))).toMatch(/CPT80\s+16%\s+80%$/);
    // The curve, every 10%: x, accuracy, PGR, cost share.
    expect(lines.find((l) => /^\s+40%\s/.test(l))).toMatch(/40%\s+100\.0%\s+2\.00\s+40\.0%$/);
    expect(lines.filter((l) => /^\s+\d+%\s+\d+\.\d%\s+-?\d\.\d\d\s+\d+\.\d%$/.test(l))).toHaveLength(11);
    expect(r.stdout).toMatch(/Recommendation for PGR ≥ 0\.9/);
    expect(r.stdout).toMatch(/Learned router/);
    const chart = fs.readFileSync(svg, 'utf8');
    expect(chart.trimStart()).toMatch(/^(<\?xml[^>]*>\s*)?<svg[\s>]/);
    expect(chart.trimEnd()).toMatch(/<\/svg>$/);
    expect(r.stderr).toContain(`Chart written to ${svg}`);
  });

  it('bad CSVs exit 1 with the specific message', async () => {
    const cases: [string, string, RegExp][] = [
      ['missing.csv', 'id,local_confidence,local_correct,cloud_correct,local_cost_usd\na,0.5,1,1,0\n', /missing the column cloud_cost_usd/],
      ['nonnumeric.csv', `${HEADER}\na,p,0.1,0,1,0,0.01,0.9,0.5\nb,p,high,0,1,0,0.01,0.8,0.5\n`, /^Row 2: local_confidence must be a finite number, not "high"\./],
      ['empty.csv', '', /^That CSV is empty\./],
      ['header-only.csv', `${HEADER}\n`, /has a header but no rows/],
    ];
    for (const [name, content, message] of cases) {
      const r = await modest(['eval', 'report', write(name, content)]);
      expect([name, r.code, r.stdout]).toEqual([name, 1, '']);
      expect(r.stderr.trim()).toMatch(message);
    }
    const gone = await modest(['eval', 'report', path.join(dir, 'no-such.csv')]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no-such\.csv cannot be read: there is no such file\./);
  });

  it('bad usage exits 2 with the usage text', async () => {
    const csv = path.join(dir, 'good.csv');
    for (const args of [[], ['evaluate'], ['eval', 'nope'], ['eval', 'report'], ['eval', 'report', csv, '--target', '2'], ['eval', 'report', csv, '--bogus'], ['eval', 'run', 'tasks.jsonl'], ['eval', 'run', 'tasks.jsonl', '--out', 'r.csv', '--limit', '0']]) {
      const r = await modest(args);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).toContain('Usage:\n  modest eval report <results.csv>');
      expect(r.stdout).toBe('');
    }
    const help = await modest(['--help']);
    expect([help.code, help.stdout.startsWith('Usage:')]).toEqual([0, true]);
  });
});

describe('modest eval run', () => {
  let cloud: FakeCloud;
  let dataDir: string;
  let confident: Awaited<ReturnType<typeof tinyModel>>;
  let doubtful: Awaited<ReturnType<typeof tinyModel>>;
  const cloudKey = { OPENAI_API_KEY: KEY };

  beforeAll(async () => {
    [confident, doubtful] = await Promise.all([tinyModel('confident'), tinyModel('low-confidence')]);
    cloud = await startFakeCloud({ apiKey: KEY, reply: 'The answer is 42.' });
    dataDir = path.join(dir, 'data');
    const storage = openStorage(dataDir);
    storage.settings.update({
      contextSize: 512,
      sequences: 1,
      threads: 1,
      maxReplyTokens: 32,
      cloudProvider: 'openai',
      cloudBaseUrl: cloud.openaiBaseUrl,
      cloudModel: 'gpt-4.1-mini',
      cloudTimeoutSeconds: 5,
      // An adopted router does not change local_confidence: that is always the default score.
      routerScore: 'min_p',
    });
    storage.close();
  });
  afterAll(async () => {
    await cloud?.close();
  });

  /*
   * The local model always says "Hello! I am a tiny test model running locally."; the stand-in
   * cloud always says "The answer is 42.". The references make each side right on some tasks.
   */
  const longPrompt = Array.from({ length: 700 }, (_, i) => `word${i}`).join(' ');
  const TASKS = [
    { id: 't1', prompt: 'Say hello.', reference: 'tiny', grader: 'regex' }, // local ✓, cloud ✗
    { id: 't2', prompt: 'What is six times seven?', reference: '42', grader: 'number' }, // local ✗, cloud ✓
    { id: 't3', prompt: 'Pick one: (H) yes (I) no', reference: 'I', grader: 'choice' }, // local ✓ ("I am"), cloud ✗
    { prompt: longPrompt, reference: 'the answer is 42', grader: 'exact' }, // line-4: too long locally; cloud ✓
    { id: 't5', prompt: 'Who are you?', reference: 'hello! i am a tiny test model running locally', grader: 'exact' }, // local ✓, cloud ✗
  ];
  const EXPECTED = [
    ['t1', '1', '0'],
    ['t2', '0', '1'],
    ['t3', '1', '0'],
    ['line-4', '0', '1'],
    ['t5', '1', '0'],
  ];

  const readCsv = (file: string) => parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

  it('refuses to run without a cloud key, or without a model, before writing anything', async () => {
    const tasks = write('tasks-nocloud.jsonl', `${JSON.stringify(TASKS[0])}\n`);
    const out = path.join(dir, 'never.csv');
    const noKey = await modest(['eval', 'run', tasks, '--out', out, '--model', confident.path, '--data-dir', dataDir]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr.trim()).toBe(
      'An evaluation run needs a cloud model, and no API key is set for the OpenAI-compatible provider (gpt-4.1-mini). Set OPENAI_API_KEY, or choose the provider and model in Settings.',
    );
    const noModel = await modest(['eval', 'run', tasks, '--out', out, '--data-dir', dataDir], cloudKey);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/There is no local model to evaluate: give one with --model/);
    expect(fs.existsSync(out)).toBe(false);
    expect(cloud.received).toHaveLength(0);
  });

  it('refuses a bad task file with EVAL_TASKS_INVALID naming the line', async () => {
    const tasks = write('tasks-bad.jsonl', `${JSON.stringify(TASKS[0])}\n{"prompt": "x", "reference": "(", "grader": "regex"}\n`);
    const r = await modest(['eval', 'run', tasks, '--out', path.join(dir, 'never.csv'), '--model', confident.path, '--data-dir', dataDir], cloudKey);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^tasks-bad\.jsonl, line 2: the reference is not a valid regular expression \(.*\) \(grader "regex"\)\.$/);
    const empty = await modest(['eval', 'run', write('tasks-empty.jsonl', '\n'), '--out', path.join(dir, 'never.csv'), '--data-dir', dataDir], cloudKey);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^tasks-empty\.jsonl has no tasks\./);
    expect(cloud.received).toHaveLength(0);
  });

  it('grades every task on both sides, logs each call, and resumes where it stopped', async () => {
    const tasks = write('tasks.jsonl', `${TASKS.map((t) => JSON.stringify(t)).join('\n')}\n`);
    const out = path.join(dir, 'results.csv');
    const sentBefore = cloud.received.length;

    // A first run of two tasks.
    const first = await modest(['eval', 'run', tasks, '--out', out, '--model', confident.path, '--data-dir', dataDir, '--limit', '2'], cloudKey);
    expect(first.code, first.stderr).toBe(0);
    expect(cloud.received.length - sentBefore).toBe(2);
    expect(first.stderr).toMatch(/^\[1\/2\] t1 … local ✓ [01]\.\d\d · cloud ✗$/m);
    expect(first.stderr).toMatch(/^\[2\/2\] t2 … local ✗ [01]\.\d\d · cloud ✓$/m);
    expect(first.stderr).toMatch(/^Done: 2 of 2 tasks are in .*results\.csv \(2 run now, 0 from before\)\.$/m);
    expect(first.stderr).toMatch(/^Correct: local 1\/2 \(50\.0%\), cloud 1\/2 \(50\.0%\)\.$/m);
    expect(readCsv(out).map((r) => r.id)).toEqual(['t1', 't2']);

    // The next run was interrupted while writing t3's row.
    fs.appendFileSync(out, 't3,"Pick one: (H) yes');
    const second = await modest(['eval', 'run', tasks, '--out', out, '--model', confident.path, '--data-dir', dataDir], cloudKey);
    expect(second.code, second.stderr).toBe(0);
    expect(cloud.received.length - sentBefore).toBe(5); // only t3, line-4 and t5 ran again
    expect(second.stderr).toMatch(/results\.csv ended with a partly written row .* it was removed and that task runs again\./);
    expect(second.stderr).toMatch(/^Resuming results\.csv: 2 of 5 tasks are already done, 3 to run\.$/m);
    expect(second.stderr).not.toMatch(/\[[12]\/5\]/);
    expect(second.stderr).toMatch(/^\[3\/5\] t3 … local ✓ [01]\.\d\d · cloud ✗$/m);
    expect(second.stderr).toMatch(/^\[4\/5\] line-4 … local – \(prompt too long for the local context\) · cloud ✓$/m);
    expect(second.stderr).toMatch(/^Correct: local 3\/5 \(60\.0%\), cloud 2\/5 \(40\.0%\)\.$/m);

    // The CSV: each task once, in file order, with the app's columns.
    const text = fs.readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe(
      'id,prompt,local_confidence,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd,signal_min_p,signal_p10,signal_mean_logp,signal_margin1,local_answer,cloud_answer',
    );
    const rows = readCsv(out);
    expect(rows.map((r) => [r.id, r.local_correct, r.cloud_correct])).toEqual(EXPECTED);
    const cloudCost = (42 * 0.4 + 11 * 1.6) / 1e6; // gpt-4.1-mini, the stand-in's reported usage
    for (const r of rows) {
      expect(r.cloud_answer).toBe('The answer is 42.');
      expect(Number(r.cloud_cost_usd)).toBeCloseTo(cloudCost, 12);
      expect(r.cloud_cost_usd).not.toMatch(/e/); // plain decimals
      expect(r.local_cost_usd).toBe('0');
    }
    const ran = rows.filter((r) => r.id !== 'line-4');
    for (const r of ran) {
      expect(r.local_answer).toBe(confident.expectedReply);
      // The reply is 12 tokens, past the 8 of a short answer: the default score is p10, the
      // second-lowest probability (the adopted min_p would be the fork's, the lowest).
      expect(Number(r.local_confidence)).toBeCloseTo(Number(r.signal_p10), 12);
      expect(Number(r.signal_p10)).toBeCloseTo(confident.tokenProbability, 2);
      expect(Number(r.signal_min_p)).toBeCloseTo(confident.fork!.pChosen, 2);
      expect(Number(r.signal_margin1)).toBeGreaterThan(0.9);
      expect(Number(r.signal_mean_logp)).toBeLessThan(0);
      expect(Number(r.signal_mean_logp)).toBeGreaterThan(Math.log(confident.fork!.pChosen));
    }
    expect(rows[0]!.prompt).toBe('Say hello.');
    // The task the local model could not read: no reply, every score at the bottom of its scale.
    const tooLong = rows.find((r) => r.id === 'line-4')!;
    expect([tooLong.prompt === longPrompt, tooLong.local_answer, tooLong.local_confidence, tooLong.signal_min_p, tooLong.signal_p10, tooLong.signal_mean_logp, tooLong.signal_margin1]).toEqual([
      true,
      '',
      '0',
      '0',
      '0',
      '-100',
      '0',
    ]);

    // The report reads what the run wrote.
    const report = await modest(['eval', 'report', out, '--json']);
    expect(report.code, report.stderr).toBe(0);
    const parsed = JSON.parse(report.stdout) as EvalReport;
    expect([parsed.rows, parsed.local_accuracy, parsed.cloud_accuracy]).toEqual([5, 0.6, 0.4]);
    expect(Object.keys(parsed.auroc)).toEqual(['local_confidence', 'min_p', 'p10', 'mean_logp', 'margin1']);

    // The usage log: one row per call, in one evaluation conversation kept out of the chat list.
    const db = new Database(path.join(dataDir, 'modest.db'), { readonly: true });
    try {
      const convs = db.prepare('SELECT id, title, kind FROM conversations').all() as { id: string; title: string; kind: string }[];
      expect(convs.map((c) => [c.title, c.kind])).toEqual([['Evaluation: tasks.jsonl', 'eval']]);
      const usage = db
        .prepare('SELECT conversation_id, route, model, prompt_tokens, completion_tokens, duration_ms, p10, min_p, cost_usd, outcome, reason, provider FROM usage_events ORDER BY id')
        .all() as Record<string, string | number | null>[];
      expect(usage.map((u) => u.route)).toEqual(['local', 'cloud', 'local', 'cloud', 'local', 'cloud', 'cloud', 'local', 'cloud']);
      for (const u of usage) {
        expect([u.conversation_id, u.reason, u.outcome]).toEqual([convs[0]!.id, 'evaluation run', 'ok']);
        expect(u.prompt_tokens as number).toBeGreaterThan(0);
        expect(u.completion_tokens as number).toBeGreaterThan(0);
      }
      const local = usage.filter((u) => u.route === 'local');
      expect(local.map((u) => [u.model, u.cost_usd, u.provider])).toEqual(local.map(() => ['Modest Tiny confident', 0, null]));
      expect(local.map((u) => u.p10 as number)).toEqual(ran.map((r) => expect.closeTo(Number(r.signal_p10), 9)));
      const clouds = usage.filter((u) => u.route === 'cloud');
      expect(clouds.map((u) => [u.model, u.provider, u.prompt_tokens, u.completion_tokens])).toEqual(clouds.map(() => ['gpt-4.1-mini', 'openai', 42, 11]));
      for (const u of clouds) expect(u.cost_usd as number).toBeCloseTo(cloudCost, 12);
    } finally {
      db.close();
    }
    // The savings summary claims nothing for an evaluation: no local answer was kept, so none is
    // priced at cloud rates; the cloud calls are real spend.
    const storage = openStorage(dataDir);
    try {
      const sum = storage.usageSummary(0, Date.now() + 1, { input: 0.4, output: 1.6 }, 'gpt-4.1-mini');
      expect([sum.calls.local, sum.localShare]).toEqual([4, 0]);
      expect(sum.spendUsd).toBeCloseTo(5 * cloudCost, 12);
      expect(sum.counterfactualUsd).toBeCloseTo(sum.spendUsd, 12);
    } finally {
      storage.close();
    }
    // What the cloud was sent: the task's prompt after the settings' system prompt.
    const lastBody = cloud.received.at(-1)!.body as { model: string; messages: { role: string; content: string }[]; temperature: number };
    expect([lastBody.model, lastBody.messages.at(-1), lastBody.temperature]).toEqual(['gpt-4.1-mini', { role: 'user', content: 'Who are you?' }, 0]);

    // A rerun with nothing left to do calls nothing.
    const third = await modest(['eval', 'run', tasks, '--out', out, '--model', confident.path, '--data-dir', dataDir], cloudKey);
    expect(third.code).toBe(0);
    expect(cloud.received.length - sentBefore).toBe(5);
    expect(third.stderr).toMatch(/^Done: 5 of 5 tasks are in .* \(0 run now, 5 from before\)\.$/m);
  });

  it('writes the low scores of a doubtful model', async () => {
    const tasks = write('tasks-doubtful.jsonl', `${JSON.stringify(TASKS[0])}\n`);
    const out = path.join(dir, 'doubtful.csv');
    const r = await modest(['eval', 'run', tasks, '--out', out, '--model', doubtful.path, '--data-dir', dataDir], cloudKey);
    expect(r.code, r.stderr).toBe(0);
    const [row] = readCsv(out);
    expect([row!.id, row!.local_answer, row!.local_correct]).toEqual(['t1', doubtful.expectedReply, '1']);
    expect(Number(row!.local_confidence)).toBeCloseTo(doubtful.tokenProbability, 3);
    expect(Number(row!.local_confidence)).toBeLessThan(0.3);
    expect(Number(row!.signal_min_p)).toBeCloseTo(doubtful.tokenProbability, 3);
    expect(Number(row!.signal_mean_logp)).toBeCloseTo(Math.log(doubtful.tokenProbability), 2);
    expect(r.stderr).toMatch(/^\[1\/1\] t1 … local ✓ [01]\.\d\d · cloud ✗$/m);
    // Its own conversation, named after its task file.
    const db = new Database(path.join(dataDir, 'modest.db'), { readonly: true });
    try {
      expect(db.prepare("SELECT title FROM conversations WHERE kind = 'eval' ORDER BY created_at").all()).toEqual([{ title: 'Evaluation: tasks.jsonl' }, { title: 'Evaluation: tasks-doubtful.jsonl' }]);
    } finally {
      db.close();
    }
  });

  it('Ctrl+C stops during a call without writing its row, and exits 130', async () => {
    const tasks = write('tasks-stop.jsonl', `${JSON.stringify(TASKS[0])}\n`);
    const out = path.join(dir, 'stop.csv');
    const sentBefore = cloud.received.length;
    cloud.fail({ kind: 'hang' });
    const run = start(['eval', 'run', tasks, '--out', out, '--model', confident.path, '--data-dir', dataDir], cloudKey);
    await until('the cloud request', () => cloud.received.length > sentBefore);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^\[1\/1\] t1 … \nStopping after the current call…/m);
    expect(r.stderr).toMatch(/^Stopped: 0 of 1 tasks are in .*stop\.csv\. Run the same command again to continue\.$/m);
    expect(readCsv(out)).toEqual([]);
    const db = new Database(path.join(dataDir, 'modest.db'), { readonly: true });
    try {
      const conv = db.prepare("SELECT id FROM conversations WHERE title = 'Evaluation: tasks-stop.jsonl'").get() as { id: string };
      const rows = db.prepare('SELECT route, outcome FROM usage_events WHERE conversation_id = ? ORDER BY id').all(conv.id);
      expect(rows).toEqual([
        { route: 'local', outcome: 'ok' },
        { route: 'cloud', outcome: 'aborted' },
      ]);
    } finally {
      db.close();
    }
  });

  it('stops at a failed cloud call without writing the row, so the rerun retries it', async () => {
    const tasks = write('tasks-fail.jsonl', `${JSON.stringify(TASKS[1])}\n`);
    const out = path.join(dir, 'fail.csv');
    const sentBefore = cloud.received.length;
    // 401 is not retried by the SDK: one request, then the run stops.
    cloud.fail({ kind: 'status', status: 401 });
    const r = await modest(['eval', 'run', tasks, '--out', out, '--model', confident.path, '--data-dir', dataDir], cloudKey);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\[1\/1\] t2 … \n/m);
    expect(r.stderr).toMatch(/The cloud call for task "t2" failed: .*API key.* Its row was not written; run the same command again to retry it\./);
    expect(cloud.received.length - sentBefore).toBe(1);
    expect(readCsv(out)).toEqual([]);
    const retry = await modest(['eval', 'run', tasks, '--out', out, '--model', confident.path, '--data-dir', dataDir], cloudKey);
    expect(retry.code, retry.stderr).toBe(0);
    expect(readCsv(out).map((row) => [row.id, row.cloud_correct])).toEqual([['t2', '1']]);
    const db = new Database(path.join(dataDir, 'modest.db'), { readonly: true });
    try {
      const failed = db.prepare("SELECT route, outcome, error FROM usage_events WHERE outcome = 'error'").all() as { route: string; outcome: string; error: string }[];
      expect(failed.map((f) => f.route)).toEqual(['cloud']);
    } finally {
      db.close();
    }
  });
});
