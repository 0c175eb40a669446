/**
 * Optional redaction of personal data before text is sent to a cloud model.
 *
 * `redact()` replaces e-mail addresses, phone numbers, payment card numbers, IBANs and IP addresses
 * with placeholders such as `[EMAIL_1]`, sharing one map across every text of a request (system
 * prompt and turns), so a value gets the same placeholder everywhere. `restore()` and
 * `createRestorer()` (for a streamed reply) put the originals back locally.
 *
 * Placeholders are `[KIND_N]`: KIND one of EMAIL, PHONE, CARD, IBAN, IP and N a decimal number
 * without leading zeros. A placeholder contains `[` only as its first character and `]` only as its
 * last, so two can never overlap, and placing one in text can never create another across its
 * edges. Text that already contains something shaped like a placeholder is left as it is, and its
 * numbers are skipped when placeholders are handed out, so `restore(redact(x))` is always `x`.
 *
 * Detection is by hand-written patterns, each candidate validated (Luhn for cards, ISO 13616
 * mod-97 for IBANs, octet ranges for IPv4, group counts for IPv6, shape rules for phones), kinds
 * running from the most specific to the least: e-mail, IPv6, IPv4, IBAN, card, phone. What one kind
 * claims is hidden from the later ones; an IBAN, card or IPv4 look-alike that fails its check is
 * left as it is and also hidden from the later kinds, so a mistyped card number is not half-eaten
 * by the phone rule. Pure: no I/O and no dependency beyond the language.
 */

export type RedactionKind = 'email' | 'phone' | 'card' | 'iban' | 'ip';

/** One text redacted (see `redactText`). `map` is placeholder → original. */
export interface Redaction {
  text: string;
  map: Map<string, string>;
  counts: Record<RedactionKind, number>;
}

/** Several texts redacted with one map. `counts` is distinct values per kind (their total is `map.size`). */
export interface RedactedTexts {
  texts: string[];
  map: Map<string, string>;
  counts: Record<RedactionKind, number>;
}

export interface Restorer {
  /** Takes the next piece of a streamed reply; returns the text that is safe to show now, restored. */
  push(piece: string): string;
  /** Returns whatever was held back, restored, and empties the restorer. */
  flush(): string;
}

export const REDACTION_KINDS: readonly RedactionKind[] = ['email', 'phone', 'card', 'iban', 'ip'];

const TAG: Record<RedactionKind, string> = { email: 'EMAIL', phone: 'PHONE', card: 'CARD', iban: 'IBAN', ip: 'IP' };

const PLACEHOLDER_SOURCE = String.raw`\[(?:EMAIL|PHONE|CARD|IBAN|IP)_[1-9]\d*\]`;
const placeholderPattern = (): RegExp => new RegExp(PLACEHOLDER_SOURCE, 'g');

/** A stretch of a text claimed by a detector; kind null means "not redacted, but hidden from later kinds". */
interface Span {
  start: number;
  end: number;
  kind: RedactionKind | null;
}

const WORD = /[\p{L}\p{N}_]/u;
const isWordChar = (ch: string | undefined): boolean => ch !== undefined && WORD.test(ch);

// ---------------------------------------------------------------------------------------------
// E-mail: a practical RFC 5322 subset (dot-atoms; Latin letters, digits, _ % + - in the local part,
// an apostrophe or a dot between atoms) at a dotted domain whose last label is 2+ letters or punycode.

const LATIN = String.raw`\p{Script=Latin}0-9`;
const LOCAL_ATOM = `[${LATIN}_%+-]+`;
const LABEL = `[${LATIN}](?:[${LATIN}-]{0,61}[${LATIN}])?`;
const EMAIL = new RegExp(
  // The look-behind makes a match start only where a local part could start and not in the middle of
  // one ("a.b.c", "o'b"): a failed try then never reruns from inside the same run, so the scan stays linear.
  `(?<![${LATIN}_%+-]|[${LATIN}_%+-]['.])${LOCAL_ATOM}(?:['.]${LOCAL_ATOM})*@(?:${LABEL}\\.)+(?:\\p{Script=Latin}{2,63}|xn--[a-z0-9-]{1,59})`,
  'gu',
);

function findEmails(work: string): Span[] {
  return [...work.matchAll(EMAIL)].map((m) => ({ start: m.index, end: m.index + m[0].length, kind: 'email' as const }));
}

// ---------------------------------------------------------------------------------------------
// IBAN: two capital letters, two check digits, then capitals and digits, either in one block or in
// groups separated by single spaces; 15 to 34 characters in all; valid only when mod 97 == 1.

const IBAN_START = /(?<![\p{L}\p{N}_])[A-Z]{2}\d{2}/gu;
const isUpperAlnum = (ch: string | undefined): boolean => ch !== undefined && /[A-Z0-9]/.test(ch);
const isSpace = (ch: string | undefined): boolean => ch === ' ' || ch === '\u00A0';

export function ibanChecksumOk(compact: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const check = compact.slice(2, 4);
  if (check === '00' || check === '01' || check === '99') return false;
  let rem = 0;
  for (const ch of compact.slice(4) + compact.slice(0, 4)) {
    const v = parseInt(ch, 36);
    rem = v < 10 ? (rem * 10 + v) % 97 : (rem * 100 + v) % 97;
  }
  return rem === 1;
}

function findIbans(work: string): Span[] {
  const spans: Span[] = [];
  let claimedTo = 0;
  for (const m of work.matchAll(IBAN_START)) {
    const start = m.index;
    if (start < claimedTo) continue;
    // Read groups of capitals and digits separated by single spaces, up to 34 characters in all.
    const groups: { end: number; len: number; compact: number }[] = [];
    let p = start;
    let compact = 0;
    for (;;) {
      let q = p;
      while (isUpperAlnum(work[q])) q++;
      compact += q - p;
      if (q === p || compact > 34) break;
      groups.push({ end: q, len: q - p, compact });
      if (isSpace(work[q]) && isUpperAlnum(work[q + 1])) p = q + 1;
      else break;
    }
    const cuts = groups
      .map((g, k) => ({ ...g, k }))
      .filter((g) => g.compact >= 15 && !isWordChar(work[g.end]))
      .reverse(); // longest first
    const valid = cuts.find((g) => ibanChecksumOk(work.slice(start, g.end).replace(/[ \u00A0]/g, '')));
    if (valid) {
      spans.push({ start, end: valid.end, kind: 'iban' });
      claimedTo = valid.end;
      continue;
    }
    // Shaped like an IBAN (one block, or groups of four and a shorter last one) but failing the check.
    const shaped = cuts.find((g) => g.k === 0 || (groups.slice(0, g.k).every((x) => x.len === 4) && g.len <= 4));
    if (shaped) {
      spans.push({ start, end: shaped.end, kind: null });
      claimedTo = shaped.end;
    }
  }
  return spans;
}

// ---------------------------------------------------------------------------------------------
// Windows: leftmost-longest runs of consecutive groups that a predicate accepts, not overlapping.

function pickWindows(n: number, maxLen: number, used: boolean[], ok: (i: number, j: number) => boolean): [number, number][] {
  const picked: [number, number][] = [];
  let i = 0;
  while (i < n) {
    let taken = false;
    if (!used[i]) {
      let last = i;
      while (last + 1 < n && last + 1 - i < maxLen && !used[last + 1]) last++;
      for (let j = last; j >= i; j--) {
        if (ok(i, j)) {
          picked.push([i, j]);
          for (let k = i; k <= j; k++) used[k] = true;
          i = j + 1;
          taken = true;
          break;
        }
      }
    }
    if (!taken) i++;
  }
  return picked;
}

// ---------------------------------------------------------------------------------------------
// Payment cards: 13 to 19 digits not starting with 0, in one block or grouped 4-4-4-(1..4),
// 4-4-4-4-(1..4), 4-6-5 or 4-6-4 with one kind of separator (space or dash); valid only when the
// Luhn checksum passes.

const DIGIT_RUN = /(?<![\p{L}\p{N}_])\d+(?:[ \u00A0-]\d+)*/gu;

export function luhnOk(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let x = digits.charCodeAt(i) - 48;
    if (double) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
    double = !double;
  }
  return sum % 10 === 0;
}

function cardShaped(groups: readonly string[], seps: readonly string[]): boolean {
  const digits = groups.join('');
  if (digits.length < 13 || digits.length > 19 || digits.startsWith('0')) return false;
  if (groups.length === 1) return true;
  if (new Set(seps).size !== 1) return false;
  const lens = groups.map((g) => g.length);
  const lastLen = lens[lens.length - 1] ?? 0;
  if (lens.length >= 4 && lens.slice(0, -1).every((l) => l === 4) && lastLen >= 1 && lastLen <= 4) return true;
  const shape = lens.join('-');
  return shape === '4-6-5' || shape === '4-6-4';
}

function findCards(work: string): Span[] {
  const spans: Span[] = [];
  for (const m of work.matchAll(DIGIT_RUN)) {
    const groups = [...m[0].matchAll(/\d+/g)].map((g) => ({ start: m.index + g.index, end: m.index + g.index + g[0].length, digits: g[0] }));
    const n = groups.length;
    const runEnd = m.index + m[0].length;
    // Digits that go on past the run ("…1112 188.138.59.2", "12.4111…") belong to something else.
    const gluedAfter = /[\p{L}_]/u.test(work[runEnd] ?? '') || (/[.,/:]/.test(work[runEnd] ?? '') && /\d/.test(work[runEnd + 1] ?? ''));
    const gluedBefore = /[.,/:]/.test(work[m.index - 1] ?? '') && /\d/.test(work[m.index - 2] ?? '');
    const window = (i: number, j: number) => {
      const gs = groups.slice(i, j + 1);
      const seps = gs.slice(1).map((g) => work[g.start - 1] ?? '');
      return { digits: gs.map((g) => g.digits), seps };
    };
    // A window may not take a run's glued end, nor end on a short group that more digits follow.
    const fits = (i: number, j: number) =>
      !(i === 0 && gluedBefore) && (j === n - 1 ? !gluedAfter : i === j || groups[j]!.digits.length >= 4);
    const used = new Array<boolean>(n).fill(false);
    const valid = pickWindows(n, 19, used, (i, j) => {
      const w = window(i, j);
      return fits(i, j) && cardShaped(w.digits, w.seps) && luhnOk(w.digits.join(''));
    });
    // Card-shaped, in groups, failing Luhn: left alone, and kept from the phone rule. Only when it
    // stands apart (not joined by its own separator to more digits): in "555 4111 1111 1111 1112"
    // it is unclear where the card starts, and a phone number must not be hidden from its rule.
    const sepBefore = (k: number) => (k > 0 && k < n ? (work[groups[k]!.start - 1] ?? '') : '');
    const lookalikes = pickWindows(n, 19, used, (i, j) => {
      const w = window(i, j);
      const sep = w.seps[0];
      return j > i && fits(i, j) && sepBefore(i) !== sep && sepBefore(j + 1) !== sep && cardShaped(w.digits, w.seps);
    });
    for (const [i, j] of valid) spans.push({ start: groups[i]!.start, end: groups[j]!.end, kind: 'card' });
    for (const [i, j] of lookalikes) spans.push({ start: groups[i]!.start, end: groups[j]!.end, kind: null });
  }
  return spans;
}

// ---------------------------------------------------------------------------------------------
// IP addresses.

const IPV4 = /(?<![\p{L}\p{N}.])\d{1,3}(?:\.\d{1,3}){3}(?![\p{L}\p{N}_]|\.\d)/gu;
const isIpv4 = (s: string): boolean => /^\d{1,3}(?:\.\d{1,3}){3}$/.test(s) && s.split('.').every((o) => Number(o) <= 255);

function findIpv4(work: string): Span[] {
  // Dotted quads with an octet over 255 are left alone and kept from the phone rule.
  return [...work.matchAll(IPV4)].map((m) => ({ start: m.index, end: m.index + m[0].length, kind: isIpv4(m[0]) ? ('ip' as const) : null }));
}

const IPV6_CANDIDATE = /(?<![\p{L}\p{N}:.])[0-9A-Fa-f:][0-9A-Fa-f:.]*/gu;

export function isIpv6(s: string): boolean {
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return false;
  const parts = (x: string) => (x === '' ? [] : x.split(':'));
  const groups = dbl >= 0 ? [...parts(s.slice(0, dbl)), ...parts(s.slice(dbl + 2))] : s.split(':');
  let count = 0;
  for (const [i, g] of groups.entries()) {
    if (/^[0-9A-Fa-f]{1,4}$/.test(g)) count += 1;
    else if (i === groups.length - 1 && isIpv4(g)) count += 2;
    else return false;
  }
  if (dbl >= 0 ? count > 7 : count !== 8) return false;
  // Noise filters: a real address has a decimal digit somewhere ("dead::beef", "::" are not taken);
  // a compressed one needs three groups or a long one ("1::2", "a[::2]" are slices, not addresses);
  // eight two-digit groups are an EUI-64/MAC-like identifier.
  if (!/\d/.test(s)) return false;
  if (dbl >= 0 && groups.length < 3 && !groups.some((g) => g.length >= 3)) return false;
  if (dbl < 0 && groups.every((g) => g.length === 2)) return false;
  return true;
}

function findIpv6(work: string): Span[] {
  const spans: Span[] = [];
  for (const m of work.matchAll(IPV6_CANDIDATE)) {
    const raw = m[0];
    if (raw.split(':').length < 3 || isWordChar(work[m.index + raw.length])) continue;
    // A trailing full stop or colon usually belongs to the sentence, not the address.
    const trimmed = raw.replace(/\.+$/, '');
    const tries = [raw, trimmed, trimmed.endsWith(':') && !trimmed.endsWith('::') ? trimmed.slice(0, -1) : trimmed];
    const hit = tries.find(isIpv6);
    if (hit) spans.push({ start: m.index, end: m.index + hit.length, kind: 'ip' });
  }
  return spans;
}

// ---------------------------------------------------------------------------------------------
// Phone numbers: "+CC ..." or "00CC ..." with 7 to 15 digits after the prefix, or national numbers
// of 7 to 15 digits written with separators (space, dash, dot, slash) or parentheses. Dates, year
// ranges, versions, decimals, thousands groupings and times are not taken.

const PG = String.raw`(?:\(\+?\d{1,6}\)|\d+)`;
const PHONE_BLOB = new RegExp(
  String.raw`(?<![\p{L}\p{N}_+]|[\p{L}\p{N}_][\-./])\+?${PG}(?:(?:[\-./: \u00A0]|(?<=\))|(?=\())${PG}|[ \u00A0]\+${PG})*`,
  'gu',
);
const DATE_YMD = /^\d{4}([-./])\d{1,2}\1\d{1,2}$/;
const DATE_DMY = /^\d{1,2}([-./])\d{1,2}\1(?:\d{2}|\d{4})$/;
const YEAR_RANGE = /^(?:19|20)\d\d[-/](?:19|20)\d\d$/;
const isYear = (g: string): boolean => /^(?:19|20)\d\d$/.test(g);

/** A space-separated piece that never belongs to a phone number: a time, a date, a year range, a version. */
function poisonSegment(seg: string): boolean {
  if (seg.includes(':')) return true;
  if (DATE_YMD.test(seg) || DATE_DMY.test(seg) || YEAR_RANGE.test(seg)) return true;
  const dotted = seg.split('.');
  return /^[\d.]+$/.test(seg) && dotted.length >= 3 && dotted.some((g) => g.length === 1);
}

export function looksLikePhone(c: string): boolean {
  const digits = c.replace(/\D/g, '');
  const plus = c.startsWith('+');
  const intl = plus || /^00[1-9]/.test(c);
  const n = intl && !plus ? digits.length - 2 : digits.length;
  if (n < 7 || n > 15) return false;
  if (intl) return !(plus && digits.startsWith('0'));
  const groups = c.match(/\d+/g) ?? [];
  if (groups.length < 2) return false; // a bare run of digits is an id, a timestamp, an amount...
  if (c.includes('(')) return true;
  if (groups.filter((g) => g.length === 1).length > 1) return false; // 1 2 3 4 5 6 7, 1-2-3-4-5-6-7
  if (DATE_YMD.test(c) || DATE_DMY.test(c)) return false;
  const seps = new Set(c.replace(/\d/g, ''));
  if (seps.size === 1 && seps.has('.')) {
    // 3.14159265, 1.2.3.4567 (versions), 300.300.300.300 (no address, but not a phone either).
    if (groups.length === 2 || groups.some((g) => g.length === 1) || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(c)) return false;
  }
  if (/^\d{1,2}([ \u00A0.,'])\d{3}(?:\1\d{3})+$/.test(c)) return false; // 1 234 567, 12.345.678
  if (groups.every(isYear)) return false; // 2019-2024, 2023 2024
  const [g0 = '', g1 = ''] = groups;
  if (isYear(g0) && isSpace(c[4])) return false; // "in 2026 555 people"
  if (groups.length === 2 && seps.size === 1 && seps.has('-') && g0.length === g1.length && !g0.startsWith('0') && Number(g1) > Number(g0)) {
    return false; // a range: 1000-2000, 50000-60000
  }
  return true;
}

function findPhones(work: string): Span[] {
  const spans: Span[] = [];
  for (const m of work.matchAll(PHONE_BLOB)) {
    const segs = [...m[0].matchAll(/[^ \u00A0]+/g)].map((s) => ({ start: m.index + s.index, end: m.index + s.index + s[0].length, text: s[0] }));
    const end = m.index + m[0].length;
    const next = work[end];
    const gluedAfter = /[\p{L}_]/u.test(next ?? '') || (next !== undefined && '-./'.includes(next) && isWordChar(work[end + 1]));
    const used = segs.map((s, k) => poisonSegment(s.text) || (k === segs.length - 1 && gluedAfter));
    const digitsUpTo = [0];
    for (const s of segs) digitsUpTo.push(digitsUpTo[digitsUpTo.length - 1]! + s.text.replace(/\D/g, '').length);
    const picked = pickWindows(segs.length, 15, used, (i, j) => {
      const d = digitsUpTo[j + 1]! - digitsUpTo[i]!;
      if (d < 7 || d > 17) return false;
      for (let k = i + 1; k <= j; k++) if (segs[k]!.text.startsWith('+')) return false;
      return looksLikePhone(work.slice(segs[i]!.start, segs[j]!.end));
    });
    for (const [i, j] of picked) spans.push({ start: segs[i]!.start, end: segs[j]!.end, kind: 'phone' });
  }
  return spans;
}

// ---------------------------------------------------------------------------------------------

const DETECTORS: readonly ((work: string) => Span[])[] = [findEmails, findIpv6, findIpv4, findIbans, findCards, findPhones];

/** Replaces claimed stretches with NULs (same length, so offsets hold) that no later pattern matches. */
function hide(work: string, spans: readonly Span[]): string {
  if (spans.length === 0) return work;
  let out = '';
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    out += work.slice(at, s.start) + '\0'.repeat(s.end - s.start);
    at = s.end;
  }
  return out + work.slice(at);
}

/** The stretches of `text` to redact, in order, not overlapping. */
export function detect(text: string): { start: number; end: number; kind: RedactionKind }[] {
  const found: { start: number; end: number; kind: RedactionKind }[] = [];
  let work = text;
  for (const detector of DETECTORS) {
    const spans = detector(work);
    for (const s of spans) if (s.kind !== null) found.push({ start: s.start, end: s.end, kind: s.kind });
    work = hide(work, spans);
  }
  return found.sort((a, b) => a.start - b.start);
}

const zeroCounts = (): Record<RedactionKind, number> => ({ email: 0, phone: 0, card: 0, iban: 0, ip: 0 });

/**
 * Redacts several texts with one shared map: the same value gets the same placeholder in all of
 * them. Placeholder-shaped text already present is left alone and its numbers are not handed out.
 */
export function redact(texts: readonly string[]): RedactedTexts {
  const taken = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(placeholderPattern())) taken.add(m[0]);
  const map = new Map<string, string>();
  const byValue = new Map<string, string>();
  const counts = zeroCounts();
  const next: Record<RedactionKind, number> = zeroCounts();
  const placeholderFor = (kind: RedactionKind, value: string): string => {
    const key = `${kind}\0${value}`;
    const known = byValue.get(key);
    if (known !== undefined) return known;
    let placeholder: string;
    do placeholder = `[${TAG[kind]}_${++next[kind]}]`;
    while (taken.has(placeholder));
    byValue.set(key, placeholder);
    map.set(placeholder, value);
    counts[kind]++;
    return placeholder;
  };
  const out = texts.map((text) => {
    let result = '';
    let at = 0;
    for (const s of detect(text)) {
      result += text.slice(at, s.start) + placeholderFor(s.kind, text.slice(s.start, s.end));
      at = s.end;
    }
    return result + text.slice(at);
  });
  return { texts: out, map, counts };
}

/** Redacts one text; see `redact`. */
export function redactText(text: string): Redaction {
  const { texts, map, counts } = redact([text]);
  return { text: texts[0] ?? '', map, counts };
}

/** Puts the originals back for every placeholder in `map`; other placeholder-shaped text is left as it is. */
export function restore(text: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0 || !text.includes('[')) return text;
  return text.replace(placeholderPattern(), (p) => map.get(p) ?? p);
}

/**
 * Restores a streamed reply piece by piece. A tail that could still become one of the map's
 * placeholders (`[EMA` waiting for `IL_1]`) is held back until it completes or cannot; what is held
 * is always shorter than the longest placeholder. Since a placeholder holds `[` only at its start,
 * cutting before the last `[` never splits a match, so the pieces restore exactly as the whole would.
 */
export function createRestorer(map: ReadonlyMap<string, string>): Restorer {
  const keys = [...map.keys()].filter((k) => new RegExp(`^${PLACEHOLDER_SOURCE}$`).test(k));
  let pending = '';
  return {
    push(piece: string): string {
      const buffer = pending + piece;
      pending = '';
      const at = buffer.lastIndexOf('[');
      if (at >= 0) {
        const tail = buffer.slice(at);
        if (keys.some((k) => k.length > tail.length && k.startsWith(tail))) {
          pending = tail;
          return restore(buffer.slice(0, at), map);
        }
      }
      return restore(buffer, map);
    },
    flush(): string {
      const rest = restore(pending, map);
      pending = '';
      return rest;
    },
  };
}
