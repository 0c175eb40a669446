import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage, type Storage } from '../../app/storage/index.js';
import { steppingClock } from '../helpers/storage-fixtures.js';

/** Search over a small fixed corpus: natural questions find their message; no input can break MATCH. */
let dir: string;
let s: Storage;
const ids: Record<string, string> = {};
const convs: Record<string, string> = {};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-search-'));
  s = openStorage(dir, { now: steppingClock() });
  const corpus: [conv: string, key: string, role: 'user' | 'assistant', text: string][] = [
    ['Invoices', 'invoiceQ', 'user', 'Where did I put the invoice from Brightwater?'],
    ['Invoices', 'invoiceA', 'assistant', 'You saved the Brightwater invoice in the Taxes 2024 folder.'],
    ['Lease', 'leaseQ', 'user', 'Please summarize section 4 of the lease contract.'],
    ['Lease', 'leaseA', 'assistant', 'Section 4 says the tenant pays for repairs.'],
    ['Code', 'codeQ', 'user', 'How do I pass a -flag to the C++ compiler?'],
    ['Code', 'codeA', 'assistant', 'Use g++ -O2 main.cpp; the flag goes before the file name.'],
    ['Coffee', 'coffeeQ', 'user', 'Which café in Lisbon roasts its own beans?'],
    ['Coffee', 'helloQ', 'user', 'Hello there, say hello to everyone in Porto.'],
  ];
  for (const [title, key, role, content] of corpus) {
    convs[title] ??= s.conversations.create(title).id;
    ids[key] = s.messages.insert({ conversationId: convs[title]!, role, content, status: 'complete' }).id;
  }
});
afterAll(() => {
  s?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const hits = (q: string, limit?: number) => s.search(q, limit).map((h) => h.messageId);
const sorted = (...keys: string[]) => keys.map((k) => ids[k]!).sort();

describe('search', () => {
  it.each([
    ["what's the Brightwater invoice?", ['invoiceQ', 'invoiceA']],
    ['where is my invoice', ['invoiceQ', 'invoiceA']],
    ["what's this? (section 4)", ['leaseQ', 'leaseA']],
    ['who pays for repairs?', ['leaseA']],
    ['C++ -flag', ['codeQ', 'codeA']],
    ['compiler', ['codeQ']],
    ['Brightw', ['invoiceQ', 'invoiceA']],
    ['cafe in lisbon', ['coffeeQ']],
    ['CAFÉ', ['coffeeQ']],
    ['"hello', ['helloQ']],
    ['the lease', ['leaseQ']],
  ])('%j finds exactly its messages', (query, expected) => {
    expect(hits(query).sort()).toEqual(sorted(...expected));
  });

  it('ranks the message matching more of the question first', () => {
    expect(hits('Brightwater taxes folder')).toEqual([ids.invoiceA, ids.invoiceQ]);
    expect(hits('section 4 tenant repairs')).toEqual([ids.leaseA, ids.leaseQ]);
  });

  it('returns a snippet with [[ ]] markers and the conversation it belongs to', () => {
    const [hit] = s.search('what did Brightwater send? the invoice', 1);
    expect(hit).toMatchObject({ conversationId: convs.Invoices, conversationTitle: 'Invoices' });
    expect(hit!.snippet).toMatch(/\[\[invoice\]\]/i);
    expect(hit!.snippet).toMatch(/\[\[Brightwater\]\]/);
    const [lisbon] = s.search('cafe');
    expect(lisbon!.snippet).toBe('Which [[café]] in Lisbon roasts its own beans?');
    expect(lisbon!.role).toBe('user');
    expect(lisbon!.createdAt).toEqual(expect.any(Number));
  });

  it('honours the limit, within 1..200', () => {
    expect(hits('invoice brightwater section', 1)).toHaveLength(1);
    expect(hits('invoice brightwater section', 0)).toHaveLength(1);
    expect(hits('invoice brightwater section', 10_000)).toHaveLength(4);
    expect(hits('invoice brightwater section', Number.NaN)).toHaveLength(4);
  });

  it('hides soft-deleted conversations until restored', () => {
    s.conversations.softDelete(convs.Lease!);
    expect(hits('section 4')).toEqual([]);
    s.conversations.restore(convs.Lease!);
    expect(hits('section 4').sort()).toEqual(sorted('leaseQ', 'leaseA'));
  });

  it.each([
    '',
    '   ',
    '*',
    'AND',
    'OR',
    'NOT NOT',
    'NEAR(',
    'NEAR(a b, 2)',
    '"hello',
    'hello"',
    "it's",
    '(((',
    ')',
    '-',
    '^start',
    'col:value',
    'content:invoice',
    '{content}: x',
    'a OR b AND NOT c',
    'what is this?',
    '\\',
    "'; DROP TABLE messages; --",
    '🙂 emoji 🙂',
    '\u0000nul',
    'lone \ud800 surrogate',
    'x'.repeat(10_000),
    'lease '.repeat(1700),
    Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' ').slice(0, 10_000),
  ])('never throws on hostile input %#', (query) => {
    expect(() => s.search(query)).not.toThrow();
    expect(Array.isArray(s.search(query))).toBe(true);
  });

  it('answers hostile inputs with the right hits, not just without crashing', () => {
    expect(hits('AND')).toEqual([]);
    expect(hits('*')).toEqual([]);
    expect(hits('')).toEqual([]);
    expect(hits('lease '.repeat(1700))).toEqual([ids.leaseQ]);
    expect(hits('content:invoice').sort()).toEqual(sorted('invoiceQ', 'invoiceA'));
    expect(hits("'; DROP TABLE messages; --")).toEqual([]);
    expect(s.messages.list(convs.Invoices!)).toHaveLength(2);
  });
});
