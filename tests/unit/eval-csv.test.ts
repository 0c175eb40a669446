import { describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../app/contract/index.js';
import { parseResultsCsv } from '../../app/eval/index.js';

const HEADER = 'id,local_confidence,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd';

/** The AppError `fn` throws; fails the test if it throws nothing or something else. */
function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError, got none');
}

function expectError(text: string, code: ErrorCode, ...inMessage: (string | RegExp)[]) {
  const e = errorOf(() => parseResultsCsv(text));
  expect(e.code).toBe(code);
  for (const m of inMessage) {
    if (typeof m === 'string') expect(e.message).toContain(m);
    else expect(e.message).toMatch(m);
  }
}

describe('reading a results CSV', () => {
  it('reads columns in any order, signals in header order, quoted prompts, extra columns and a BOM', () => {
    const csv =
      '\uFEFFprompt,signal_min_p,cloud_cost_usd,id,grader,local_correct,local_confidence,cloud_correct,local_cost_usd,signal_p10\r\n' +
      '"Add 2, 3 and ""4"",\nthen stop",0.25,0.002,a,exact,1,0.91,1,0.0001,0.5\r\n' +
      '\r\n' +
      ' plain ,-1.5e-3,0,b,regex,0,-3,1,0,0.125\r\n';
    const t = parseResultsCsv(csv);
    expect(t.ids).toEqual(['a', 'b']);
    expect([...t.localCorrect]).toEqual([1, 0]);
    expect([...t.cloudCorrect]).toEqual([1, 1]);
    expect([...t.localCost]).toEqual([0.0001, 0]);
    expect([...t.cloudCost]).toEqual([0.002, 0]);
    expect([...t.signals.keys()]).toEqual(['local_confidence', 'min_p', 'p10']);
    expect([...t.signals.get('local_confidence')!]).toEqual([0.91, -3]);
    expect([...t.signals.get('min_p')!]).toEqual([0.25, -0.0015]);
    expect([...t.signals.get('p10')!]).toEqual([0.5, 0.125]);
    expect(t.prompts).toEqual(['Add 2, 3 and "4",\nthen stop', 'plain']);
  });

  it('has no prompts without a prompt column', () => {
    const t = parseResultsCsv(`${HEADER}\nx,0.5,1,0,0,0.01\n`);
    expect(t.prompts).toBeNull();
    expect([...t.signals.keys()]).toEqual(['local_confidence']);
  });

  it('reads 100,000 rows with quoted prompts, every row and column intact', () => {
    const lines = [`${HEADER},signal_min_p,signal_p10,signal_mean_logp,signal_margin1,prompt`];
    for (let i = 0; i < 100_000; i++) lines.push(`t${i},0.${i % 997},${i % 2},1,0.0001,0.002,0.${i % 13},0.${i % 89},-1.${i % 7},0.${i % 5},"What is ${i}, roughly?"`);
    const text = lines.join('\n');
    const t = parseResultsCsv(text);
    expect(t.ids).toHaveLength(100_000);
    expect(t.ids[99_999]).toBe('t99999');
    expect(t.prompts![12_345]).toBe('What is 12345, roughly?');
    expect(t.signals.get('mean_logp')![6]).toBeCloseTo(-1.6);
    // Speed is the bench's business (tests/bench/eval.ts, EV).
  });
});

describe('a CSV that cannot be used', () => {
  it('is empty', () => {
    expectError('', 'EVAL_CSV_EMPTY');
    expectError('\uFEFF \n\n', 'EVAL_CSV_EMPTY');
  });

  it('has a header only', () => {
    expectError(`${HEADER}\n`, 'EVAL_CSV_EMPTY', 'no rows');
  });

  it('misses required columns, naming every one', () => {
    expectError('id,local_confidence,local_correct,local_cost_usd\nx,0.5,1,0\n', 'EVAL_CSV_MISSING_COLUMN', 'cloud_correct, cloud_cost_usd');
    expectError('id,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd\nx,1,1,0,0\n', 'EVAL_CSV_MISSING_COLUMN', /column local_confidence\b/);
  });

  it('has a score that is not a number, naming the row and column', () => {
    expectError(`${HEADER}\na,0.5,1,1,0,0\nb,0.7,1,1,0,0\nc,high,1,1,0,0\n`, 'EVAL_CSV_BAD_VALUE', 'Row 3', 'local_confidence', '"high"');
    expectError(`${HEADER},signal_min_p\na,0.5,1,1,0,0,0.1\nb,0.5,1,1,0,0,\n`, 'EVAL_CSV_BAD_VALUE', 'Row 2', 'signal_min_p', 'empty');
    expectError(`${HEADER}\na,Infinity,1,1,0,0\n`, 'EVAL_CSV_BAD_VALUE', 'Row 1', 'local_confidence');
  });

  it('has a correct flag other than 0 or 1', () => {
    expectError(`${HEADER}\na,0.5,1,1,0,0\nb,0.5,2,1,0,0\n`, 'EVAL_CSV_BAD_VALUE', 'Row 2: local_correct must be 0 or 1, not "2".');
    expectError(`${HEADER}\na,0.5,1,yes,0,0\n`, 'EVAL_CSV_BAD_VALUE', 'Row 1: cloud_correct must be 0 or 1, not "yes".');
  });

  it('has a negative cost', () => {
    expectError(`${HEADER}\na,0.5,1,1,0,-0.01\n`, 'EVAL_CSV_BAD_VALUE', 'Row 1', 'cloud_cost_usd', '"-0.01"');
  });

  it('repeats an id, naming both rows', () => {
    expectError(`${HEADER}\nq1,0.5,1,1,0,0\nq2,0.5,1,1,0,0\nq1,0.5,1,1,0,0\n`, 'EVAL_CSV_BAD_VALUE', 'Row 3', '"q1"', 'row 1');
  });

  it('is not CSV, naming the row', () => {
    expectError(`${HEADER}\na,0.5,1,1,0,0\nb,0.5,1\n`, 'EVAL_CSV_UNREADABLE', 'Row 2: it has 3 values, but the header has 6 columns.');
    expectError(`${HEADER}\na,0.5,1,1,0,0,extra\n`, 'EVAL_CSV_UNREADABLE', 'Row 1: it has 7 values, but the header has 6 columns.');
    expectError(`${HEADER}\na,"0.5,1,1,0,0\n`, 'EVAL_CSV_UNREADABLE', 'Row 1: a quoted value is never closed.');
  });

  it('has a blank score: blank is not zero', () => {
    expectError(`${HEADER}\na,  ,1,1,0,0\n`, 'EVAL_CSV_BAD_VALUE', 'Row 1: local_confidence is empty');
  });
});
