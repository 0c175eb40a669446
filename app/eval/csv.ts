import Papa from 'papaparse';
import { AppError } from '../contract/index.js';

/*
 * The results CSV that `modest eval run` writes (or a person brings): one row per task, with the
 * local model's confidence, whether each side answered correctly, and what each call cost.
 * Parsed once into typed columns, so every metric after this is a loop over arrays.
 *
 * Errors name the column and the data row. Rows are counted from the first row after the header
 * (row 1), not by file line, because a quoted prompt may span several lines.
 */

export interface ResultsTable {
  ids: string[];
  localCorrect: Uint8Array;
  cloudCorrect: Uint8Array;
  localCost: Float64Array;
  cloudCost: Float64Array;
  /** 'local_confidence' first, then each signal_<name> column keyed by <name> (header order). */
  signals: Map<string, Float64Array>;
  prompts: string[] | null;
}

export const REQUIRED_COLUMNS = ['id', 'local_confidence', 'local_correct', 'cloud_correct', 'local_cost_usd', 'cloud_cost_usd'] as const;
export const SIGNAL_PREFIX = 'signal_';

/** A value as it appears in an error message: quoted, and short enough to read. */
const shown = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

const badValue = (row: number, message: string) => new AppError('EVAL_CSV_BAD_VALUE', { message: `Row ${row}: ${message}` });

function score(s: string, row: number, column: string): number {
  if (s.trim() === '') throw badValue(row, `${column} is empty; it must be a number.`);
  const v = Number(s);
  if (!Number.isFinite(v)) throw badValue(row, `${column} must be a finite number, not ${shown(s)}.`);
  return v;
}

function flag(s: string, row: number, column: string): 0 | 1 {
  // The common spellings first: this runs for every row.
  if (s === '1') return 1;
  if (s === '0') return 0;
  const v = s.trim() === '' ? NaN : Number(s);
  if (v === 1 || v === 0) return v;
  throw badValue(row, `${column} must be 0 or 1, not ${shown(s)}.`);
}

function cost(s: string, row: number, column: string): number {
  const v = score(s, row, column);
  if (v < 0) throw badValue(row, `${column} must be 0 or more, not ${shown(s)}.`);
  return v;
}

export function parseResultsCsv(text: string): ResultsTable {
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    throw new AppError('EVAL_CSV_EMPTY', { message: 'That CSV is empty. It needs a header row and one row per task.' });
  }
  // Papa Parse, not csv-parse (which the document extractor streams with): the report's goal is
  // 100,000 rows in 2 s, and Papa Parse reads such a file about four times faster.
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { delimiter: ',', skipEmptyLines: 'greedy' });
  const broken = parsed.errors[0];
  if (broken) {
    const where = broken.row === undefined ? '' : broken.row === 0 ? 'The header: ' : `Row ${broken.row}: `;
    const what = broken.code === 'MissingQuotes' ? 'a quoted value is never closed.' : `${broken.message}.`;
    throw new AppError('EVAL_CSV_UNREADABLE', { message: `${where}${what}` });
  }
  const records = parsed.data;
  const header = records[0];
  if (!header || records.length < 2) {
    throw new AppError('EVAL_CSV_EMPTY', { message: 'That CSV has a header but no rows. It needs one row per task.' });
  }

  for (let i = 0; i < header.length; i++) header[i] = header[i]!.trim();
  const column = new Map<string, number>();
  header.forEach((name, i) => {
    if (column.has(name)) throw new AppError('EVAL_CSV_BAD_VALUE', { message: `Line 1: the header names the column ${shown(name)} twice.` });
    column.set(name, i);
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !column.has(c));
  if (missing.length > 0) {
    const list = missing.join(', ');
    throw new AppError('EVAL_CSV_MISSING_COLUMN', {
      message: `That CSV is missing the column${missing.length > 1 ? 's' : ''} ${list}. It needs ${REQUIRED_COLUMNS.join(', ')}.`,
    });
  }
  const at = (c: string) => column.get(c)!;

  const signalColumns: { name: string; column: string; index: number }[] = [{ name: 'local_confidence', column: 'local_confidence', index: at('local_confidence') }];
  header.forEach((name, index) => {
    if (!name.startsWith(SIGNAL_PREFIX)) return;
    const key = name.slice(SIGNAL_PREFIX.length);
    if (key === '') throw new AppError('EVAL_CSV_BAD_VALUE', { message: `Line 1: the column ${shown(name)} needs a name after "signal_".` });
    if (key === 'local_confidence') {
      throw new AppError('EVAL_CSV_BAD_VALUE', { message: 'Line 1: "signal_local_confidence" clashes with the local_confidence column; rename it.' });
    }
    signalColumns.push({ name: key, column: name, index });
  });

  const n = records.length - 1;
  const ids: string[] = new Array<string>(n);
  const localCorrect = new Uint8Array(n);
  const cloudCorrect = new Uint8Array(n);
  const localCost = new Float64Array(n);
  const cloudCost = new Float64Array(n);
  const signalArrays = signalColumns.map(() => new Float64Array(n));
  const promptIndex = column.get('prompt');
  const prompts: string[] | null = promptIndex === undefined ? null : new Array<string>(n);
  const seen = new Map<string, number>();

  const [idI, lcI, ccI, lkI, ckI] = [at('id'), at('local_correct'), at('cloud_correct'), at('local_cost_usd'), at('cloud_cost_usd')];
  for (let i = 0; i < n; i++) {
    const rec = records[i + 1]!;
    const row = i + 1;
    if (rec.length !== header.length) {
      throw new AppError('EVAL_CSV_UNREADABLE', { message: `Row ${row}: it has ${rec.length} value${rec.length === 1 ? '' : 's'}, but the header has ${header.length} columns.` });
    }
    const id = rec[idI]!.trim();
    if (id === '') throw badValue(row, 'id is empty; every task needs one.');
    const first = seen.get(id);
    if (first !== undefined) throw badValue(row, `id ${shown(id)} is the same as row ${first}'s; ids must be unique.`);
    seen.set(id, row);
    ids[i] = id;
    localCorrect[i] = flag(rec[lcI]!, row, 'local_correct');
    cloudCorrect[i] = flag(rec[ccI]!, row, 'cloud_correct');
    localCost[i] = cost(rec[lkI]!, row, 'local_cost_usd');
    cloudCost[i] = cost(rec[ckI]!, row, 'cloud_cost_usd');
    for (let s = 0; s < signalColumns.length; s++) {
      const sc = signalColumns[s]!;
      signalArrays[s]![i] = score(rec[sc.index]!, row, sc.column);
    }
    if (prompts) prompts[i] = rec[promptIndex!]!.trim();
  }

  const signals = new Map<string, Float64Array>();
  signalColumns.forEach((sc, s) => signals.set(sc.name, signalArrays[s]!));
  return { ids, localCorrect, cloudCorrect, localCost, cloudCost, signals, prompts };
}
