#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../contract/index.js';
import { buildReport, parseResultsCsv, reportSvg } from '../eval/index.js';
import { formatReport } from '../eval/format.js';
import { loadTasks, readInputFile } from '../eval/tasks.js';
import type { EvalProgress, EvalRunSummary } from '../service/eval-run.js';
import { defaultDataDir } from '../storage/data-dir.js';
import type { Storage } from '../storage/index.js';

/*
 * The `modest` command (package.json "bin"; from a checkout: npm run modest -- …).
 * Exit status: 0 done; 1 an error, its sentence on stderr; 2 bad usage, with the usage text;
 * 130 stopped by Ctrl+C (an evaluation run then resumes where it stopped).
 */

const USAGE = `Usage:
  modest eval report <results.csv> [--json] [--chart <out.svg>] [--target <pgr>] [--signal <name>]
  modest eval run <tasks.jsonl> --out <results.csv> [--model <file.gguf>] [--data-dir <dir>] [--limit <n>]

eval report   the router evaluation report of a results CSV
  --json      print the report as one JSON object instead of text
  --chart     also write the accuracy curve (against random, all-local, all-cloud, oracle) as an SVG file
  --target    the PGR the recommended threshold must reach (default 0.95; above 0, at most 1)
  --signal    the score to route by: local_confidence (default) or a signal_<name> column's <name>

eval run      answer every task with the local and the cloud model, grade both, write the CSV
  --out       the results CSV; rerunning with the same file skips the tasks already in it
  --model     the local GGUF model (default: the model Modest loaded last)
  --data-dir  Modest's data folder, for its settings and usage log (default: ${defaultDataDir()})
  --limit     only the first n tasks of the file

A task file has one JSON object per line: {"id": "q1", "prompt": "…", "reference": "…", "grader": "exact"}
(graders: exact, regex, number, choice). The cloud model and its API key come from Modest's
settings and the environment (OPENAI_API_KEY or ANTHROPIC_API_KEY).
From a checkout: npm run modest -- eval …`;

class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) fail('Say what to do.');
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (argv[0] !== 'eval') fail(`Unknown command "${argv[0]}".`);
  const sub = argv[1];
  if (sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (sub === 'report') return report(argv.slice(2));
  if (sub === 'run') return run(argv.slice(2));
  fail(sub === undefined ? 'Say which eval command: report or run.' : `Unknown eval command "${sub}".`);
}

/** parseArgs' own complaints (an unknown option, a missing value) are usage errors. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    fail((err as Error).message);
  }
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** One positional argument, the file the command works on. */
function onePositional(positionals: string[], what: string): string {
  if (positionals.length === 0) fail(`Give the ${what}.`);
  if (positionals.length > 1) fail(`Give one ${what}, not ${positionals.length} (${positionals.join(', ')}).`);
  return positionals[0]!;
}

async function report(args: string[]): Promise<number> {
  const { values, positionals } = parsed(() =>
    parseArgs({
      args,
      options: { json: { type: 'boolean' }, chart: { type: 'string' }, target: { type: 'string' }, signal: { type: 'string' }, ...HELP },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const file = onePositional(positionals, 'results CSV');
  const target = values.target === undefined ? 0.95 : Number(values.target);
  if (!(target > 0 && target <= 1)) fail(`--target must be a number above 0 and at most 1, not "${values.target}".`);
  if (values.chart !== undefined && values.chart.trim() === '') fail('--chart needs a file name.');

  const table = parseResultsCsv(readInputFile(file, 'EVAL_CSV_UNREADABLE'));
  const result = buildReport(table, { signal: values.signal, target });
  if (values.chart !== undefined) {
    try {
      fs.writeFileSync(values.chart, reportSvg(result));
    } catch (err) {
      throw new AppError('BAD_REQUEST', { message: `The chart could not be written to ${values.chart}: ${(err as Error).message}`, cause: err });
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(formatReport(result, { source: path.basename(file) }));
  if (values.chart !== undefined) console.error(`Chart written to ${values.chart}`);
  return 0;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parsed(() =>
    parseArgs({
      args,
      options: { out: { type: 'string' }, model: { type: 'string' }, 'data-dir': { type: 'string' }, limit: { type: 'string' }, ...HELP },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const tasksFile = onePositional(positionals, 'task file (JSON Lines)');
  if (values.out === undefined || values.out.trim() === '') fail('Give the results file: --out results.csv.');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) fail(`--limit must be a whole number of at least 1, not "${values.limit}".`);
  const out = path.resolve(values.out);

  // Loaded here, not at the top: llama.cpp, SQLite and the SDKs take most of a second to load,
  // and `eval report` needs none of them.
  const [{ assertCloudReady, runEval }, { createEnvKeyStore }, { ModelHost }, { ModelManager }, { openStorage }] = await Promise.all([
    import('../service/eval-run.js'),
    import('../secrets/index.js'),
    import('../service/model-host.js'),
    import('../service/model-manager.js'),
    import('../storage/index.js'),
  ]);

  // Everything that can be checked before the model loads is checked first.
  const tasksName = path.basename(tasksFile);
  const tasks = loadTasks(tasksFile, tasksName);
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  let storage: Storage;
  try {
    storage = openStorage(dataDir);
  } catch (err) {
    const e = AppError.from(err);
    throw new AppError(e.code, { message: `Modest could not open its data folder ${dataDir}: ${e.message}`, cause: err });
  }
  const host = new ModelHost(undefined, storage.models);
  const progress = new ProgressPrinter(out);
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort(new Error('Stopped by Ctrl+C.'));
    progress.endLine();
    process.stderr.write('Stopping after the current call… (Ctrl+C again to quit at once; rerun the same command to resume)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const settings = storage.settings.get();
    const keys = createEnvKeyStore('the command line cannot reach the operating system’s secret store');
    assertCloudReady(settings, keys);
    const modelPath = values.model
      ? path.resolve(values.model)
      : await new ModelManager(storage, keys, () => settings.gpu, () => null).lastLoadedPath();
    if (!modelPath) {
      throw new AppError('NO_MODEL', { message: 'There is no local model to evaluate: give one with --model <file.gguf>, or load one in Modest first (the model loaded last is used).' });
    }
    process.stderr.write(`Loading ${modelPath}…\n`);
    await host.load(modelPath, settings);
    const engine = host.require();
    process.stderr.write(`Local: ${engine.info.name} (${engine.info.backend}, ${engine.info.threads} thread(s)). Cloud: ${settings.cloudModel} (${settings.cloudProvider}${settings.cloudBaseUrl ? ` at ${settings.cloudBaseUrl}` : ''}).\n`);

    let summary: EvalRunSummary;
    try {
      summary = await runEval({ tasks, tasksName, out, limit, storage, engine, keys, signal: stop.signal, onProgress: (e) => progress.on(e) });
    } finally {
      progress.endLine();
    }
    printSummary(summary, out, settings.cloudModel);
    return summary.stopped ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await host.dispose();
    storage.close();
  }
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');

/** Progress on stderr: "[12/100] q12 … local ✓ 0.83 · cloud ✓", the line begun before the calls. */
class ProgressPrinter {
  private midLine = false;

  constructor(private readonly out: string) {}

  on(e: EvalProgress): void {
    const w = (s: string) => process.stderr.write(s);
    if (e.type === 'start') {
      if (e.truncated) w(`${path.basename(this.out)} ended with a partly written row (the last run stopped while writing it); it was removed and that task runs again.\n`);
      if (e.already > 0) w(`Resuming ${path.basename(this.out)}: ${e.already} of ${e.total} tasks are already done, ${e.toRun} to run.\n`);
      else w(`Running ${e.total} task${e.total === 1 ? '' : 's'}.\n`);
      return;
    }
    if (e.type === 'task') {
      w(`[${e.index}/${e.total}] ${e.id} … `);
      this.midLine = true;
      return;
    }
    const r = e.row;
    const local = e.localRan ? `local ${mark(r.localCorrect)} ${r.localConfidence.toFixed(2)}` : 'local – (prompt too long for the local context)';
    w(`${local} · cloud ${mark(r.cloudCorrect)}\n`);
    this.midLine = false;
  }

  /** Ends a line cut short by an error or Ctrl+C, so what follows starts on its own line. */
  endLine(): void {
    if (this.midLine) process.stderr.write('\n');
    this.midLine = false;
  }
}

function printSummary(s: EvalRunSummary, out: string, cloudModel: string): void {
  const share = (n: number) => (s.rows === 0 ? '' : ` (${((100 * n) / s.rows).toFixed(1)}%)`);
  const lines: string[] = [];
  if (s.stopped) lines.push(`Stopped: ${s.rows} of ${s.total} tasks are in ${out}. Run the same command again to continue.`);
  else lines.push(`Done: ${s.rows} of ${s.total} tasks are in ${out} (${s.ran} run now, ${s.already} from before).`);
  if (s.rows > 0) lines.push(`Correct: local ${s.localCorrect}/${s.rows}${share(s.localCorrect)}, cloud ${s.cloudCorrect}/${s.rows}${share(s.cloudCorrect)}.`);
  lines.push(`Cloud cost of this run: $${s.cloudCostUsd.toFixed(6)}.`);
  if (!s.priceKnown) lines.push(`No price is known for ${cloudModel}, so its calls cost $0 in the CSV and the report cannot weigh costs: add its price in Settings.`);
  const shown = path.relative(process.cwd(), out);
  if (!s.stopped) lines.push(`Next: modest eval report ${shown && !shown.startsWith('..') ? shown : out}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    const e = AppError.from(err);
    console.error(e.code === 'INTERNAL' ? `${e.message}\n${e.detail ?? ''}` : e.message);
    process.exitCode = 1;
  },
);
