import fs from 'node:fs';
import { z } from 'zod';
import { AppError } from '../contract/index.js';
import { checkReference, GRADERS, type GraderName } from './graders.js';

/**
 * A labelled task set for `modest eval run`: JSON Lines, one task per line,
 * `{"id"?: string, "prompt": string, "reference": string, "grader": "exact"|"regex"|"number"|"choice"}`.
 * Blank lines are skipped; other keys are ignored. A task without an id is named by its line
 * (`line-7`), so keep the file's order when resuming a run.
 */
export const EvalTaskLineSchema = z.object({
  id: z.string().trim().min(1, 'is empty').max(200, 'is over 200 characters').optional(),
  prompt: z.string().refine((s) => s.trim() !== '', 'is empty'),
  reference: z.string(),
  grader: z.enum(GRADERS),
});

export interface EvalTask {
  id: string;
  prompt: string;
  reference: string;
  grader: GraderName;
  /** 1-based line in the task file. */
  line: number;
}

function invalid(where: string, what: string): AppError {
  return new AppError('EVAL_TASKS_INVALID', { message: `${where}: ${what}.` });
}

/** One zod issue in words: `"grader" must be one of exact, regex, number, choice`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.join('.');
  let what = issue.message;
  if (issue.code === 'invalid_type') what = issue.input === undefined ? 'is missing' : `must be a ${issue.expected}, not ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'an array' : `a ${typeof issue.input}`}`;
  else if (issue.code === 'invalid_value') what = `must be one of ${GRADERS.join(', ')}, not ${JSON.stringify(issue.input)}`;
  return field ? `"${field}" ${what}` : what;
}

/**
 * Parses and checks a whole task file; throws EVAL_TASKS_INVALID naming the first bad line and
 * what is wrong with it (not JSON, a missing or mistyped field, an unknown grader, a reference
 * its grader cannot use, a repeated id), or saying the file has no tasks.
 */
export function parseTasks(text: string, name = 'The task file'): EvalTask[] {
  const tasks: EvalTask[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const where = `${name}, line ${line}`;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      throw invalid(where, `not valid JSON (${(err as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(where, 'not a JSON object');
    const parsed = EvalTaskLineSchema.safeParse(json, { reportInput: true });
    if (!parsed.success) throw invalid(where, parsed.error.issues.map(describeIssue).join('; '));
    const t = parsed.data;
    const problem = checkReference(t.grader, t.reference);
    if (problem) throw invalid(where, `${problem} (grader "${t.grader}")`);
    const id = t.id ?? `line-${line}`;
    const first = seen.get(id);
    if (first !== undefined) throw invalid(where, `the id "${id}" is already used on line ${first}`);
    seen.set(id, line);
    tasks.push({ id, prompt: t.prompt, reference: t.reference, grader: t.grader, line });
  });
  if (tasks.length === 0) throw new AppError('EVAL_TASKS_INVALID', { message: `${name} has no tasks. Write one JSON task per line: {"prompt": …, "reference": …, "grader": "exact"}.` });
  return tasks;
}

/** A file's text, or `code` with why it cannot be read (no such file, a folder, …). */
export function readInputFile(file: string, code: 'EVAL_TASKS_INVALID' | 'EVAL_CSV_UNREADABLE', name = file): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    const why = errno === 'ENOENT' ? 'there is no such file' : errno === 'EISDIR' ? 'it is a folder' : (err as Error).message;
    throw new AppError(code, { message: `${name} cannot be read: ${why}.`, cause: err });
  }
}

/** Reads and parses a task file; a file that cannot be read is EVAL_TASKS_INVALID too. */
export function loadTasks(file: string, name = file): EvalTask[] {
  return parseTasks(readInputFile(file, 'EVAL_TASKS_INVALID', name), name);
}
