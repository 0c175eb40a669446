import fs from 'node:fs';
import Papa from 'papaparse';
import path from 'node:path';
import { callCloud, priceFor, restore, type CloudOutcome } from '../cloud/index.js';
import { AppError, type Confidence, type Settings } from '../contract/index.js';
import type { Engine, GenerateResult, Turn } from '../inference/index.js';
import { scoreReply, signalValue, type RoutingPolicy } from '../routing/index.js';
import { ENV_VARS, type KeyStore } from '../secrets/index.js';
import { CloudEscalation } from './cloud-escalation.js';
import type { Storage, UsageEventInput } from '../storage/index.js';
import { grade } from '../eval/graders.js';
import type { EvalTask } from '../eval/tasks.js';

/*
 * `modest eval run`: every task through the local model (greedy, with Modest's confidence
 * signals) and through the configured cloud model, graded, one CSV row per task — the file
 * `modest eval report` reads.
 *
 * Decisions:
 * - Resuming. Rows are appended one at a time and synced, so an interrupted run loses at most the
 *   task it was on. A rerun with the same --out skips the ids already there; a torn last row (a
 *   crash mid-write) is cut off first. A file whose header is not ours is refused, never appended to.
 * - A failed cloud call (after the SDK's retries) stops the run with the provider's error: the
 *   task's row is not written, so the rerun tries it again. Writing it as "cloud wrong" would
 *   understate the cloud and skew every figure of the report.
 * - A prompt longer than the local context: the local model cannot answer it (the app would send
 *   it to the cloud before generating), so its row says local wrong with every score at the
 *   bottom of its scale, and the cloud still answers it.
 * - The budget: cloud calls reserve against this month's budget as the app's do; a call that
 *   would go over stops the run (raise the budget, rerun to continue).
 * - Usage: each call is a usage_events row (reason "evaluation run") in one conversation of kind
 *   'eval' per task file, "Evaluation: <file name>", found again by that title on a rerun.
 * - Escalation mode and "keep local" do not apply: running an evaluation is the explicit choice to
 *   send these tasks to the cloud. Redaction does, as for any cloud call of the app.
 */

/** The CSV's columns, in order. */
export const RESULT_COLUMNS = [
  'id',
  'prompt',
  'local_confidence',
  'local_correct',
  'cloud_correct',
  'local_cost_usd',
  'cloud_cost_usd',
  'signal_min_p',
  'signal_p10',
  'signal_mean_logp',
  'signal_margin1',
  'local_answer',
  'cloud_answer',
] as const;

/*
 * A missing score is written as the bottom of its scale, so a reply without one sorts with the
 * least confident: 0 for the probabilities and the margin (and local_confidence), −100 for the
 * mean log-probability (which is also clamped there). The signals go through the router's own
 * `signalValue`, so an adopted threshold means live what it meant here.
 */

export const EVAL_REASON = 'evaluation run';

export interface ResultRow {
  id: string;
  prompt: string;
  localConfidence: number;
  localCorrect: boolean;
  cloudCorrect: boolean;
  localCostUsd: number;
  cloudCostUsd: number;
  minP: number;
  p10: number;
  meanLogp: number;
  margin1: number;
  localAnswer: string;
  cloudAnswer: string;
}

export type EvalProgress =
  | { type: 'start'; total: number; already: number; toRun: number; conversationId: string; truncated: boolean }
  | { type: 'task'; index: number; total: number; id: string }
  | { type: 'done'; index: number; total: number; row: ResultRow; localRan: boolean };

export interface EvalRunOptions {
  tasks: readonly EvalTask[];
  /** Names the run's conversation: "Evaluation: <tasksName>". */
  tasksName: string;
  /** The results CSV; created, or resumed. */
  out: string;
  /** Only the first n tasks of the file. */
  limit?: number;
  storage: Storage;
  engine: Engine;
  keys: KeyStore;
  signal?: AbortSignal;
  onProgress?: (e: EvalProgress) => void;
}

export interface EvalRunSummary {
  /** Tasks in scope (the file, or its first --limit). */
  total: number;
  /** Of those, already in the CSV before this run. */
  already: number;
  /** Written by this run. */
  ran: number;
  /** Over every in-scope row now in the CSV. */
  rows: number;
  localCorrect: number;
  cloudCorrect: number;
  /** Spent on cloud calls by this run, failed calls included. */
  cloudCostUsd: number;
  /** False when no price is known for the cloud model: its costs were written as 0. */
  priceKnown: boolean;
  /** Stopped by the signal before every task ran. */
  stopped: boolean;
  conversationId: string;
}

/** Throws EVAL_NO_CLOUD unless the configured provider has a key (saved, or in the environment). */
export function assertCloudReady(settings: Settings, keys: KeyStore): void {
  if (keys.get(settings.cloudProvider)) return;
  const who = settings.cloudProvider === 'anthropic' ? 'Anthropic' : 'the OpenAI-compatible provider';
  throw new AppError('EVAL_NO_CLOUD', {
    message: `An evaluation run needs a cloud model, and no API key is set for ${who} (${settings.cloudModel}). Set ${ENV_VARS[settings.cloudProvider]}, or choose the provider and model in Settings.`,
  });
}

export async function runEval(opts: EvalRunOptions): Promise<EvalRunSummary> {
  const { storage, engine, keys, signal } = opts;
  const settings = storage.settings.get();
  assertCloudReady(settings, keys);
  const cloud = new CloudEscalation(storage, keys);
  // local_confidence is always the default score (p10, or margin1 for short replies, at the
  // settings' short-answer length), whatever router is adopted: it is the baseline evaluated.
  const policy: RoutingPolicy = { ...cloud.policy(settings), score: 'default', model: null };
  const scope = opts.limit === undefined ? opts.tasks : opts.tasks.slice(0, opts.limit);
  const results = openResults(opts.out);
  const conversation = storage.conversations.evalConversation(`Evaluation: ${opts.tasksName}`);
  const inScope = new Set(scope.map((t) => t.id));
  const before = [...results.rows.values()].filter((r) => inScope.has(r.id));
  const todo = scope.filter((t) => !results.rows.has(t.id));
  opts.onProgress?.({ type: 'start', total: scope.length, already: scope.length - todo.length, toRun: todo.length, conversationId: conversation.id, truncated: results.truncated });

  const summary: EvalRunSummary = {
    total: scope.length,
    already: scope.length - todo.length,
    ran: 0,
    rows: before.length,
    localCorrect: before.filter((r) => r.localCorrect).length,
    cloudCorrect: before.filter((r) => r.cloudCorrect).length,
    cloudCostUsd: 0,
    priceKnown: priceFor(settings.cloudModel, settings.prices) !== null,
    stopped: false,
    conversationId: conversation.id,
  };
  const countTokens = (t: string) => engine.countTokens(t);
  const log = (row: Omit<UsageEventInput, 'conversationId' | 'messageId' | 'reason'>) =>
    storage.usage.insert({ ...row, conversationId: conversation.id, messageId: null, reason: EVAL_REASON });

  try {
    for (const [i, task] of scope.entries()) {
      if (results.rows.has(task.id)) continue;
      if (signal?.aborted) break;
      const index = i + 1;
      opts.onProgress?.({ type: 'task', index, total: scope.length, id: task.id });
      const history: Turn[] = [{ role: 'user', content: task.prompt }];

      // The local model, as a chat reply would run it.
      const local = await runLocal(engine, settings, conversation.id, history, signal);
      if (local === 'aborted') break;
      if (local) {
        const id = log({
          time: local.started,
          route: 'local',
          model: engine.info.name,
          promptTokens: local.result.promptTokens,
          completionTokens: local.result.completionTokens,
          ttftMs: local.result.ttftMs,
          durationMs: local.result.durationMs,
          tokensPerSecond: local.result.tokensPerSecond,
          minP: local.result.confidence.minP,
          p10: local.result.confidence.p10,
          meanLogp: local.result.confidence.meanLogp,
          margin1: local.result.confidence.margin1,
          tokenCount: local.result.confidence.tokenCount,
          sampler: local.result.sampler,
          costUsd: LOCAL_COST_USD,
          outcome: 'ok',
          error: null,
          usageEstimated: false,
          provider: null,
        });
        // Nobody kept this answer: left as an answer, the savings summary would price it at the
        // cloud model's rates and claim a saving the run (which paid the cloud too) never made.
        storage.usage.markEscalated(id);
      }

      // The cloud model.
      if (signal?.aborted) break;
      const prepared = await cloud.prepare(settings, history, countTokens);
      let release: () => void;
      try {
        release = cloud.reserve(settings, prepared.maxCostUsd);
      } catch (err) {
        const e = AppError.from(err);
        if (e.code !== 'BUDGET_EXCEEDED') throw e;
        const b = cloud.budget(settings);
        throw new AppError('BUDGET_EXCEEDED', {
          message: `The evaluation stopped before task "${task.id}": its cloud call could cost up to ${usd(prepared.maxCostUsd)}, and ${usd(b.spentUsd)} of this month's ${usd(settings.monthlyBudgetUsd)} cloud budget is spent. Raise the budget in Settings, then run the same command again to continue.`,
        });
      }
      const started = Date.now();
      let outcome: CloudOutcome;
      try {
        outcome = await callCloud(prepared.target, prepared.request, { signal, countTokens });
      } finally {
        release();
      }
      const usage = cloud.usageOf(settings, outcome);
      summary.cloudCostUsd += usage.costUsd;
      log({ time: started, ...usage });
      if (!outcome.ok) {
        throw new AppError(outcome.error.code, {
          message: `The cloud call for task "${task.id}" failed: ${outcome.error.message} Its row was not written; run the same command again to retry it.`,
          detail: outcome.error.detail,
        });
      }
      // Stopped mid-reply: the answer is cut short, so no row. A whole answer is kept even if
      // Ctrl+C came just after it; the loop then stops before the next task.
      if (outcome.stopReason === 'aborted') break;

      const localAnswer = local ? local.result.text : '';
      const cloudAnswer = restore(outcome.text, prepared.redactions);
      const c: Confidence = local ? local.result.confidence : { minP: null, p10: null, meanLogp: null, margin1: null, tokenCount: 0 };
      const row: ResultRow = {
        id: task.id,
        prompt: task.prompt,
        localConfidence: scoreReply(c, policy)?.value ?? 0,
        localCorrect: local !== null && grade(task.grader, localAnswer, task.reference),
        cloudCorrect: grade(task.grader, cloudAnswer, task.reference),
        localCostUsd: local ? LOCAL_COST_USD : 0,
        cloudCostUsd: usage.costUsd,
        minP: signalValue(c, 'min_p'),
        p10: signalValue(c, 'p10'),
        meanLogp: signalValue(c, 'mean_logp'),
        margin1: signalValue(c, 'margin1'),
        localAnswer,
        cloudAnswer,
      };
      results.append(row);
      summary.ran++;
      summary.rows++;
      if (row.localCorrect) summary.localCorrect++;
      if (row.cloudCorrect) summary.cloudCorrect++;
      opts.onProgress?.({ type: 'done', index, total: scope.length, row, localRan: local !== null });
    }
  } finally {
    results.close();
  }
  summary.stopped = summary.rows < summary.total;
  return summary;
}

/** What a local call costs in the ledger: the app logs every local call at $0. */
const LOCAL_COST_USD = 0;

const usd = (n: number) => (n > 0 && n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`);

/**
 * The local reply, greedy; null when the prompt does not fit the local context (nothing ran),
 * 'aborted' when stopped.
 */
async function runLocal(
  engine: Engine,
  settings: Settings,
  conversationId: string,
  history: Turn[],
  signal: AbortSignal | undefined,
): Promise<{ result: GenerateResult; started: number } | null | 'aborted'> {
  try {
    await engine.assertFits(settings.systemPrompt, history.at(-1)!, settings.maxReplyTokens);
  } catch (err) {
    if (AppError.from(err).code === 'PROMPT_TOO_LONG') return null;
    throw err;
  }
  if (signal?.aborted) return 'aborted';
  const started = Date.now();
  // All tasks share the run's conversation id, so the engine keeps the system prompt cached.
  const result = await engine.generate({
    conversationId,
    systemPrompt: settings.systemPrompt,
    turns: history,
    maxTokens: settings.maxReplyTokens,
    temperature: 0,
    signal,
  });
  return result.stopReason === 'aborted' || signal?.aborted ? 'aborted' : { result, started };
}

// ---------------------------------------------------------------------------------------------
// The results file

/** A number in plain decimal notation (never "3.4e-7"), as short as round-trips. */
export function plainNumber(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = lead! + frac;
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${sign}${digits.padEnd(exp + 1, '0')}`;
}

export function rowToCsv(r: ResultRow): string {
  const values = [
    r.id,
    r.prompt,
    plainNumber(r.localConfidence),
    r.localCorrect ? '1' : '0',
    r.cloudCorrect ? '1' : '0',
    plainNumber(r.localCostUsd),
    plainNumber(r.cloudCostUsd),
    plainNumber(r.minP),
    plainNumber(r.p10),
    plainNumber(r.meanLogp),
    plainNumber(r.margin1),
    r.localAnswer,
    r.cloudAnswer,
  ];
  return `${Papa.unparse([values], { newline: '\n' })}\n`;
}

/**
 * Splits CSV text into records, and says where the last complete one ends: a record ends at a
 * line break outside quotes, so a row torn mid-write (no final line break yet, or inside a
 * quoted field) is not complete.
 */
export function scanCsv(text: string): { records: string[][]; completeEnd: number } {
  const records: string[][] = [];
  let completeEnd = 0;
  Papa.parse<string[]>(text, {
    delimiter: ',',
    step: (r) => {
      const end = r.meta.cursor;
      // Nothing read: the empty tail after the last line break.
      if (end === completeEnd) return;
      const brokeLine = text[end - 1] === '\n' || text[end - 1] === '\r';
      if (!brokeLine || r.errors.some((e) => e.code === 'MissingQuotes')) return;
      records.push(r.data);
      completeEnd = end;
    },
  });
  return { records, completeEnd };
}

interface Results {
  /** The rows already in the file, by id. */
  rows: Map<string, { id: string; localCorrect: boolean; cloudCorrect: boolean }>;
  /** A torn last row was cut off. */
  truncated: boolean;
  append(row: ResultRow): void;
  close(): void;
}

const HEADER = `${RESULT_COLUMNS.join(',')}\n`;

function openResults(out: string): Results {
  const name = path.basename(out);
  let text = '';
  try {
    text = fs.readFileSync(out, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AppError('CONFLICT', { message: `Modest cannot read ${out} to resume it: ${(err as Error).message}`, cause: err });
    }
  }
  const { records, completeEnd } = scanCsv(text);
  const rows: Results['rows'] = new Map();
  let truncated = false;
  let keep = 0;
  if (records.length > 0) {
    if (records[0]!.join(',') !== RESULT_COLUMNS.join(',')) {
      throw new AppError('CONFLICT', {
        message: `${name} is not a results file of \`modest eval run\` (its first line is not the expected header), so Modest will not add to it. Choose another --out.`,
      });
    }
    records.slice(1).forEach((rec, i) => {
      if (rec.length === 1 && rec[0] === '') return; // a blank line
      if (rec.length !== RESULT_COLUMNS.length) {
        throw new AppError('CONFLICT', {
          message: `${name}, record ${i + 2}, has ${rec.length} fields instead of ${RESULT_COLUMNS.length}, so Modest will not add to it. Fix or move the file, or choose another --out.`,
        });
      }
      rows.set(rec[0]!, { id: rec[0]!, localCorrect: rec[3] === '1', cloudCorrect: rec[4] === '1' });
    });
    keep = Buffer.byteLength(text.slice(0, completeEnd), 'utf8');
    truncated = completeEnd < text.length;
  } else {
    truncated = text.length > 0;
  }
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const fd = fs.openSync(out, fs.constants.O_RDWR | fs.constants.O_CREAT);
  let closed = false;
  try {
    fs.ftruncateSync(fd, keep);
    if (keep === 0) {
      fs.writeSync(fd, HEADER, 0);
      fs.fdatasyncSync(fd);
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  let position = keep === 0 ? Buffer.byteLength(HEADER) : keep;
  return {
    rows,
    truncated,
    append(row) {
      const buf = Buffer.from(rowToCsv(row), 'utf8');
      fs.writeSync(fd, buf, 0, buf.length, position);
      fs.fdatasyncSync(fd);
      position += buf.length;
      rows.set(row.id, { id: row.id, localCorrect: row.localCorrect, cloudCorrect: row.cloudCorrect });
    },
    close() {
      if (closed) return;
      closed = true;
      fs.closeSync(fd);
    },
  };
}
