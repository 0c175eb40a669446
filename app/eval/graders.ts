/*
 * How `modest eval run` decides whether an answer is right. Each grader is a pure function of the
 * answer and the task's reference; `checkReference` rejects a reference a grader could never use
 * (an invalid regex, a reference that is not a number or not a letter) when the task file is
 * loaded, so a run never stops halfway over a typo.
 */

export const GRADERS = ['exact', 'regex', 'number', 'choice'] as const;
export type GraderName = (typeof GRADERS)[number];

/**
 * `exact`: both sides are trimmed, runs of whitespace become one space, letters are compared
 * case-insensitively, and one trailing period is dropped ("Paris." = " paris").
 */
export function normalizeExact(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase().replace(/\.$/, '').trimEnd();
}

export function gradeExact(answer: string, reference: string): boolean {
  return normalizeExact(answer) === normalizeExact(reference);
}

/**
 * `regex`: the reference is a JavaScript regular expression (no slashes, no flags), matched
 * case-insensitively anywhere in the trimmed answer; anchor it with ^…$ to match the whole answer.
 */
export function compileRegex(reference: string): RegExp {
  return new RegExp(reference, 'i');
}

export function gradeRegex(answer: string, reference: string | RegExp): boolean {
  const re = typeof reference === 'string' ? compileRegex(reference) : reference;
  return re.test(answer.trim());
}

/*
 * A number as people write it: an optional sign (not glued to a word, so "x-5" reads 5), digits
 * with or without thousands commas ("1,234,567"), an optional decimal part, an optional exponent.
 * "1,23" reads 1 (a comma not followed by three digits is not a thousands separator).
 */
const NUMBER = /(?:(?<![\p{L}\p{N}])[-+\u2212])?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?/u;

/** Reads a matched number: commas removed, a Unicode minus read as "-". */
function toNumber(s: string): number {
  return Number(s.replace(/,/g, '').replace('\u2212', '-'));
}

/**
 * `number`: the first number in the answer (thousands commas removed, sign and decimals kept:
 * "about -1,234.5 units" reads -1234.5), compared with the reference number with a relative
 * tolerance of 1e-6 (|a − r| ≤ 1e-6 · max(|a|, |r|); a reference of 0 needs exactly 0).
 * An answer without any number is wrong.
 */
export function firstNumber(answer: string): number | null {
  const m = NUMBER.exec(answer);
  return m ? toNumber(m[0]) : null;
}

/** The reference of a `number` task: one number, commas allowed ("1,000"); null if it is not one. */
export function parseReferenceNumber(reference: string): number | null {
  const t = reference.trim();
  const m = NUMBER.exec(t);
  if (!m || m.index !== 0 || m[0].length !== t.length) return null;
  const n = toNumber(m[0]);
  return Number.isFinite(n) ? n : null;
}

export const NUMBER_TOLERANCE = 1e-6;

export function numbersMatch(a: number, r: number): boolean {
  return Math.abs(a - r) <= NUMBER_TOLERANCE * Math.max(Math.abs(a), Math.abs(r));
}

export function gradeNumber(answer: string, reference: string | number): boolean {
  const r = typeof reference === 'number' ? reference : parseReferenceNumber(reference);
  const a = firstNumber(answer);
  return r !== null && a !== null && numbersMatch(a, r);
}

/*
 * `choice`: the multiple-choice letter A–J the answer picks, compared with the reference letter
 * case-insensitively. In order:
 * 1. a letter after the word "answer": "Answer: B", "The answer is (C)", "answer - D", and
 *    "answer: b" when the lower-case letter ends the answer;
 * 2. else the first standalone letter: an upper-case A–J with no letter or digit (or apostrophe)
 *    right before or after it ("B", "B.", "B)", "(B) Paris", "Option B"), or a lower-case one in
 *    parentheses or before ")" ("(b)", "b)");
 * 3. else an answer that is only a lower-case letter, optionally with "." or ")" ("b", "b.").
 * A bare lower-case letter inside a sentence ("a", "i") is prose, not a choice. The first letter
 * wins, so "A good guess is C" picks A: ask the model to start with, or say, "Answer: X".
 */
const AFTER_ANSWER = /\b(?:answer|Answer|ANSWER)\b(?:\s*(?:is|IS|was|:|-|=))*\s*(?:\(([A-Ja-j])\)|([A-J])(?![\p{L}\p{N}'’])|([a-j])(?=[.)]?\s*$))/u;
const STANDALONE = /(?<![\p{L}\p{N}'’])(?:\(([A-Ja-j])\)|([a-j])\)|([A-J])(?![\p{L}\p{N}'’]))/u;
const ONLY_LETTER = /^\(?([A-Ja-j])[.)]?$/;

export function choiceLetter(answer: string): string | null {
  const t = answer.trim();
  for (const re of [AFTER_ANSWER, STANDALONE, ONLY_LETTER]) {
    const m = re.exec(t);
    const letter = m?.slice(1).find((g) => g !== undefined);
    if (letter) return letter.toUpperCase();
  }
  return null;
}

/** The reference of a `choice` task: one letter A–J, either case, optionally "(B)" or "B)"; null otherwise. */
export function parseReferenceChoice(reference: string): string | null {
  const m = /^\(?([A-Ja-j])\)?$/.exec(reference.trim());
  return m ? m[1]!.toUpperCase() : null;
}

export function gradeChoice(answer: string, reference: string): boolean {
  const r = parseReferenceChoice(reference);
  return r !== null && choiceLetter(answer) === r;
}

/** Why a reference cannot be graded, in words; null when it can. */
export function checkReference(grader: GraderName, reference: string): string | null {
  switch (grader) {
    case 'exact':
      return normalizeExact(reference) === '' ? 'the reference is empty' : null;
    case 'regex':
      try {
        compileRegex(reference);
        return null;
      } catch (err) {
        return `the reference is not a valid regular expression (${(err as Error).message})`;
      }
    case 'number':
      return parseReferenceNumber(reference) === null ? `the reference "${reference}" is not a number` : null;
    case 'choice':
      return parseReferenceChoice(reference) === null ? `the reference "${reference}" is not a single letter A–J` : null;
  }
}

/** Grades an answer; the reference must have passed `checkReference`. */
export function grade(grader: GraderName, answer: string, reference: string): boolean {
  switch (grader) {
    case 'exact':
      return gradeExact(answer, reference);
    case 'regex':
      return gradeRegex(answer, reference);
    case 'number':
      return gradeNumber(answer, reference);
    case 'choice':
      return gradeChoice(answer, reference);
  }
}
