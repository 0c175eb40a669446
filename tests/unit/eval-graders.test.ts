import { describe, expect, it } from 'vitest';
import type { AppError } from '../../app/contract/index.js';
import { checkReference, choiceLetter, firstNumber, grade, normalizeExact } from '../../app/eval/graders.js';
import { parseTasks } from '../../app/eval/tasks.js';

describe('exact', () => {
  it('trims, collapses whitespace, ignores case and one trailing period', () => {
    expect(normalizeExact('  The   Eiffel\n\tTower. ')).toBe('the eiffel tower');
    expect(grade('exact', 'Paris.', 'paris')).toBe(true);
    expect(grade('exact', '  PARIS ', 'Paris.')).toBe(true);
    expect(grade('exact', 'New  York', 'new york')).toBe(true);
  });

  it('is still exact about the words', () => {
    expect(grade('exact', 'Paris, France', 'Paris')).toBe(false);
    expect(grade('exact', 'Paris!', 'Paris')).toBe(false);
    // One trailing period only: an ellipsis keeps two of its dots.
    expect(normalizeExact('Wait...')).toBe('wait..');
    expect(grade('exact', 'NewYork', 'New York')).toBe(false);
  });
});

describe('regex', () => {
  it('matches case-insensitively anywhere in the trimmed answer', () => {
    expect(grade('regex', 'The capital is PARIS.', 'paris')).toBe(true);
    expect(grade('regex', 'It is 1889.', '\\b18(89|90)\\b')).toBe(true);
    expect(grade('regex', 'Lyon', 'paris')).toBe(false);
  });

  it('tests the trimmed answer, so anchors see the words, not the padding', () => {
    expect(grade('regex', '   yes  \n', '^yes$')).toBe(true);
    expect(grade('regex', 'yes, probably', '^yes$')).toBe(false);
  });

  it('rejects an invalid pattern when the task file is loaded, naming the line', () => {
    expect(checkReference('regex', '(unclosed')).toMatch(/not a valid regular expression/);
    expect(checkReference('regex', 'fine|ok')).toBeNull();
    const text = ['{"prompt": "a", "reference": "a", "grader": "exact"}', '{"prompt": "b", "reference": "[z-a]", "grader": "regex"}'].join('\n');
    let err: AppError | undefined;
    try {
      parseTasks(text, 'tasks.jsonl');
    } catch (e) {
      err = e as AppError;
    }
    expect(err?.code).toBe('EVAL_TASKS_INVALID');
    expect(err?.message).toMatch(/^tasks\.jsonl, line 2: the reference is not a valid regular expression/);
  });
});

describe('number', () => {
  it('reads the first number, thousands commas removed', () => {
    expect(firstNumber('It costs $1,234,567.50 in total, or 3 payments.')).toBe(1234567.5);
    expect(firstNumber('about 42 apples')).toBe(42);
    expect(firstNumber('-17 degrees')).toBe(-17);
    expect(firstNumber('The result is −3.25')).toBe(-3.25);
    expect(firstNumber('roughly .5 of it')).toBe(0.5);
    expect(firstNumber('6.02e23 atoms')).toBe(6.02e23);
    expect(firstNumber('no digits here')).toBeNull();
  });

  it('does not mistake other commas or dashes for part of a number', () => {
    // "1,23" has no thousands group: the number is 1.
    expect(firstNumber('1,23')).toBe(1);
    // A list: the first number is 3, not 345.
    expect(firstNumber('3, 4, 5')).toBe(3);
    // A hyphen glued to a word is not a minus sign.
    expect(firstNumber('COVID-19')).toBe(19);
    expect(firstNumber('pages 10-12')).toBe(10);
  });

  it('compares with a relative tolerance of 1e-6', () => {
    expect(grade('number', 'The answer is 1,000,000.', '1000000')).toBe(true);
    expect(grade('number', '1000000.5', '1000000')).toBe(true); // 5e-7 relative
    expect(grade('number', '1000002', '1000000')).toBe(false); // 2e-6 relative
    expect(grade('number', '0.1 + 0.2 = 0.30000000000000004', '0.1')).toBe(true); // the first number
    expect(grade('number', '-2.5', '-2.5')).toBe(true);
    expect(grade('number', '2.5', '-2.5')).toBe(false);
    expect(grade('number', '0', '0')).toBe(true);
    expect(grade('number', '0.0000001', '0')).toBe(false); // 0 needs exactly 0
    expect(grade('number', 'none', '7')).toBe(false);
  });

  it('needs the reference to be one number', () => {
    expect(checkReference('number', '1,024')).toBeNull();
    expect(checkReference('number', ' -3.5 ')).toBeNull();
    expect(checkReference('number', 'about 3')).toMatch(/is not a number/);
    expect(checkReference('number', '3 or 4')).toMatch(/is not a number/);
    expect(checkReference('number', '')).toMatch(/is not a number/);
  });
});

describe('choice', () => {
  it('accepts the usual ways of giving a letter', () => {
    for (const answer of ['B', 'B.', '(B)', 'B)', 'Answer: B', 'The answer is (B).', 'answer - B', '(b)', 'b)', 'b', 'Answer: b', '  B) Paris', 'Option B is right']) {
      expect([answer, choiceLetter(answer)]).toEqual([answer, 'B']);
    }
    expect(grade('choice', 'The answer is (c)', 'C')).toBe(true);
    expect(grade('choice', 'J', 'j')).toBe(true);
  });

  it('takes the letter after "answer" before any earlier one, else the first standalone one', () => {
    expect(choiceLetter('I think the answer is D')).toBe('D');
    expect(choiceLetter('A or C? C.')).toBe('A');
    expect(choiceLetter("I'm sure: (E)")).toBe('E'); // "I'm" is a word, not the letter I
    expect(choiceLetter('I am a tiny model')).toBe('I');
  });

  it('finds no letter in prose, in words, or beyond J', () => {
    expect(choiceLetter('a bit unclear, really')).toBeNull();
    expect(choiceLetter('BCD')).toBeNull();
    expect(choiceLetter('K')).toBeNull();
    expect(choiceLetter('')).toBeNull();
    expect(grade('choice', 'Paris', 'B')).toBe(false);
    expect(grade('choice', 'C', 'B')).toBe(false);
  });

  it('needs the reference to be one letter A–J', () => {
    expect(checkReference('choice', 'b')).toBeNull();
    expect(checkReference('choice', '(C)')).toBeNull();
    expect(checkReference('choice', 'K')).toMatch(/single letter A–J/);
    expect(checkReference('choice', 'AB')).toMatch(/single letter A–J/);
  });
});

describe('task files', () => {
  const bad = (text: string) => {
    try {
      parseTasks(text, 'tasks.jsonl');
    } catch (e) {
      const err = e as AppError;
      return [err.code, err.message];
    }
    throw new Error('expected EVAL_TASKS_INVALID');
  };

  it('reads one task per line, names tasks without an id by their line, skips blank lines', () => {
    const tasks = parseTasks(['', '{"id": " q1 ", "prompt": "2+2?", "reference": "4", "grader": "number", "topic": "math"}', '', '{"prompt": "Capital of France?", "reference": "Paris", "grader": "exact"}', ''].join('\r\n'));
    expect(tasks).toEqual([
      { id: 'q1', prompt: '2+2?', reference: '4', grader: 'number', line: 2 },
      { id: 'line-4', prompt: 'Capital of France?', reference: 'Paris', grader: 'exact', line: 4 },
    ]);
  });

  it('says which line is wrong and how', () => {
    const ok = '{"prompt": "p", "reference": "r", "grader": "exact"}';
    expect(bad(`${ok}\n{"prompt": "p", "reference": "r"`)).toEqual(['EVAL_TASKS_INVALID', expect.stringMatching(/^tasks\.jsonl, line 2: not valid JSON/)]);
    expect(bad(`${ok}\n{"prompt": "p", "grader": "exact"}`)).toEqual(['EVAL_TASKS_INVALID', 'tasks.jsonl, line 2: "reference" is missing.']);
    expect(bad(`{"prompt": "p", "reference": 4, "grader": "exact"}`)).toEqual(['EVAL_TASKS_INVALID', 'tasks.jsonl, line 1: "reference" must be a string, not a number.']);
    expect(bad(`${ok}\n${ok}\n{"prompt": "p", "reference": "r", "grader": "fuzzy"}`)).toEqual([
      'EVAL_TASKS_INVALID',
      'tasks.jsonl, line 3: "grader" must be one of exact, regex, number, choice, not "fuzzy".',
    ]);
    expect(bad('["p", "r", "exact"]')).toEqual(['EVAL_TASKS_INVALID', 'tasks.jsonl, line 1: not a JSON object.']);
    expect(bad('{"prompt": "  ", "reference": "r", "grader": "exact"}')).toEqual(['EVAL_TASKS_INVALID', 'tasks.jsonl, line 1: "prompt" is empty.']);
    expect(bad('{"prompt": "p", "reference": "many", "grader": "number"}')).toEqual([
      'EVAL_TASKS_INVALID',
      'tasks.jsonl, line 1: the reference "many" is not a number (grader "number").',
    ]);
    expect(bad(`{"id": "a", ${ok.slice(1)}\n{"id": "b", ${ok.slice(1)}\n{"id": "a", ${ok.slice(1)}`)).toEqual([
      'EVAL_TASKS_INVALID',
      'tasks.jsonl, line 3: the id "a" is already used on line 1.',
    ]);
  });

  it('refuses a file without tasks', () => {
    expect(bad('')).toEqual(['EVAL_TASKS_INVALID', expect.stringMatching(/^tasks\.jsonl has no tasks/)]);
    expect(bad('\n  \n')).toEqual(['EVAL_TASKS_INVALID', expect.stringMatching(/^tasks\.jsonl has no tasks/)]);
  });
});
