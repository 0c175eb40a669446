/**
 * EV  `modest eval report` on 100,000 rows: parse the results CSV (4 signal columns and a prompt
 *     column), then the whole report — every signal's curve and AUROC, the recommendation with
 *     1,000 bootstrap resamples, and the 5-fold cross-validated learned router. Goal ≤ 2 s.
 *
 * Run alone: npx tsx -e "import('./tests/bench/eval.ts').then(m=>m.benchEval(console.log))"
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../app/eval/bootstrap.js';
import { buildReport, parseResultsCsv } from '../../app/eval/index.js';

const ROWS = Number(process.env.BENCH_EVAL_ROWS ?? 100_000);
const GOAL_S = 2;

const PROMPTS = [
  'What is the capital of {n}-land?',
  'Summarise this paragraph in one sentence: the committee met on Tuesday, and, after a long debate, agreed to "postpone" the vote.',
  'Fix the bug:\n```js\nfunction add(a, b) { return a - b; }\n```',
  'Translate into French: good morning, how are you?',
  'Write a haiku about autumn leaves.',
  'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nWhat does fib({n}) return?',
  'How many days are there between March {n} and June 3?',
];

/** Rows whose signals carry real information about local correctness, so the report has work to do. */
export function syntheticCsv(rows: number, seed = 7): string {
  const rand = mulberry32(seed);
  const u = () => (rand() + 0.5) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const lines = ['id,local_confidence,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd,signal_min_p,signal_p10,signal_mean_logp,signal_margin1,prompt,grader'];
  for (let i = 0; i < rows; i++) {
    const difficulty = normal();
    const prompt = PROMPTS[i % PROMPTS.length]!.replace('{n}', String(i % 97));
    const codeBonus = prompt.includes('```') || prompt.includes('def ') ? -0.6 : 0;
    const local = u() < sigmoid(0.6 - 1.4 * difficulty + codeBonus) ? 1 : 0;
    const cloud = u() < sigmoid(2.2 - 0.7 * difficulty) ? 1 : 0;
    const minP = sigmoid(-1.5 - difficulty + 1.2 * normal());
    const p10 = sigmoid(0.5 - difficulty + 0.8 * normal());
    const meanLogp = -Math.exp(-1 + 0.5 * difficulty + 0.6 * normal());
    const margin1 = sigmoid(1 - 0.7 * difficulty + 1.0 * normal());
    const short = i % 5 === 0;
    const confidence = short ? margin1 : p10;
    const localCost = (prompt.length * 2e-8).toFixed(8);
    const cloudCost = (prompt.length * 6e-6 + 0.0004).toFixed(6);
    lines.push(
      [
        `task-${i}`,
        confidence.toFixed(4),
        local,
        cloud,
        localCost,
        cloudCost,
        minP.toFixed(5),
        p10.toFixed(4),
        meanLogp.toFixed(4),
        margin1.toFixed(4),
        `"${prompt.replace(/"/g, '""')}"`,
        'exact',
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export async function benchEval(log: (line: string) => void): Promise<void> {
  const text = syntheticCsv(ROWS);
  log(`EV eval report: ${ROWS.toLocaleString('en-US')} rows, ${(text.length / 1e6).toFixed(1)} MB of CSV`);
  const t0 = performance.now();
  const table = parseResultsCsv(text);
  const t1 = performance.now();
  const timings: Record<string, number> = {};
  const report = buildReport(table, { target: 0.95, resamples: 1000, seed: 1, folds: 5, timings });
  const t2 = performance.now();
  const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;
  log(`EV   parse CSV                       ${ms(t1 - t0)}`);
  log(`EV   sort signals                    ${ms(timings.sort ?? 0)}`);
  log(`EV   curves, AUROC, summaries        ${ms(timings.curves ?? 0)}`);
  log(`EV   recommendation (1,000 resamples) ${ms(timings.bootstrap ?? 0)}`);
  log(`EV   learned router (5-fold CV + fit) ${ms(timings.learned ?? 0)}`);
  const r = report.recommendation;
  log(
    `EV   apgr ${report.apgr?.toFixed(3)} (random ${report.random.apgr?.toFixed(3)}), learned ${report.learned?.apgr?.toFixed(3)} vs ${report.learned?.best_single_signal} ${report.learned?.best_single_apgr?.toFixed(3)}` +
      (r ? `, escalate ${r.escalation_pct}% [${r.escalation_pct_ci.join('–')}] below ${r.threshold.toFixed(4)}` : ''),
  );
  const total = (t2 - t0) / 1000;
  log(`EV eval report on ${ROWS.toLocaleString('en-US')} rows: ${total.toFixed(2)} s  goal ≤ ${GOAL_S} s  ${total <= GOAL_S ? 'MET' : 'NOT MET'}`);

  // What a user waits for: the built command, process start and file read included.
  const cli = path.resolve('dist/app/cli/modest.js');
  if (!fs.existsSync(cli)) {
    log('EV   the command end to end: skipped (run `npm run build` first)');
    return;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'modest-bench-eval-')), 'results.csv');
  fs.writeFileSync(file, text);
  const t3 = performance.now();
  const run = spawnSync(process.execPath, [cli, 'eval', 'report', file, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const cliS = (performance.now() - t3) / 1000;
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`modest eval report failed: ${run.stderr}`);
  log(`EV   \`modest eval report --json\` end to end: ${cliS.toFixed(2)} s  goal ≤ ${GOAL_S} s  ${cliS <= GOAL_S ? 'MET' : 'NOT MET'}`);
}
