import { describe, expect, it } from 'vitest';
import { summarizeConfidence, nearestRank, fitHistory, resolveContextSize, defaultThreads, resolveThreads, type Turn } from '../../app/inference/index.js';
import { SequencePool } from '../../app/inference/sequence-pool.js';
import { TextStream } from '../../app/inference/text-stream.js';
import { marginOfTopTwo } from '../../app/inference/confidence.js';
import { AppError } from '../../app/contract/index.js';
import { titleFromMessage } from '../../app/service/title.js';

describe('confidence summary', () => {
  it('computes min, nearest-rank p10 and mean log-probability', () => {
    const probs = [0.9, 0.8, 0.5, 0.95, 0.99, 0.7, 0.6, 0.3, 0.97, 0.85, 0.92];
    const s = summarizeConfidence(probs, 0.4);
    expect(s.minP).toBe(0.3);
    // 11 values: rank ceil(1.1) = 2 -> second smallest
    expect(s.p10).toBe(0.5);
    expect(s.meanLogp).toBeCloseTo(probs.reduce((a, p) => a + Math.log(p), 0) / probs.length, 12);
    expect(s.margin1).toBe(0.4);
    expect(s.tokenCount).toBe(11);
  });
  it('nearest rank of 10 values at 0.1 is the smallest', () => {
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1)).toBe(1);
    expect(nearestRank([], 0.1)).toBeNull();
  });
  it('has nulls for an empty reply', () => {
    expect(summarizeConfidence([], null)).toEqual({ minP: null, p10: null, meanLogp: null, margin1: null, tokenCount: 0 });
  });
  it('margin of the top two of a sorted map', () => {
    expect(marginOfTopTwo(new Map([[5, 0.6], [9, 0.35], [1, 0.05]]))).toBeCloseTo(0.25);
    expect(marginOfTopTwo(new Map([[5, 1]]))).toBe(1);
  });
});

describe('overflow policy', () => {
  const turns: Turn[] = [
    { role: 'user', content: 'a'.repeat(100) },
    { role: 'assistant', content: 'b'.repeat(100) },
    { role: 'user', content: 'c'.repeat(100) },
    { role: 'assistant', content: 'd'.repeat(100) },
    { role: 'user', content: 'e'.repeat(50) },
  ];
  const count = (ts: readonly Turn[]) => 20 + ts.reduce((n, t) => n + t.content.length, 0);
  it('keeps everything that fits', () => {
    expect(fitHistory(turns, count, 1000).dropped).toBe(0);
  });
  it('drops whole exchanges from the start, keeping the newest message', () => {
    const r = fitHistory(turns, count, 300);
    expect(r.dropped).toBe(2);
    expect(r.turns[0]?.content.startsWith('c')).toBe(true);
    expect(r.turns.at(-1)?.content.startsWith('e')).toBe(true);
  });
  it('refuses a newest message that cannot fit on its own', () => {
    expect(() => fitHistory(turns, count, 60)).toThrowError(expect.objectContaining({ code: 'PROMPT_TOO_LONG' }));
  });
});

describe('context size', () => {
  it('clamps to the trained context and says so', () => {
    const r = resolveContextSize(8192, 2048);
    expect(r.size).toBe(2048);
    expect(r.note).toMatch(/clamped to 2,048 tokens.*8,192 were requested/);
  });
  it('keeps a size within the trained context', () => {
    expect(resolveContextSize(1024, 2048)).toEqual({ size: 1024, note: null });
  });
});

describe('threads', () => {
  it('uses half the logical cores, 1..4', () => {
    expect(defaultThreads(1)).toBe(1);
    expect(defaultThreads(2)).toBe(1);
    expect(defaultThreads(8)).toBe(4);
    expect(defaultThreads(32)).toBe(4);
  });
  it('honours an explicit setting but never more than the cores', () => {
    expect(resolveThreads(2, 8)).toBe(2);
    expect(resolveThreads(16, 2)).toBe(2);
    expect(resolveThreads(0, 2)).toBe(1);
  });
});

describe('sequence pool', () => {
  it('keeps a conversation on its sequence and evicts the least recently used', async () => {
    const pool = new SequencePool(['s0', 's1']);
    const a = await pool.acquire('A');
    a.release();
    const b = await pool.acquire('B');
    b.release();
    const a2 = await pool.acquire('A');
    expect(a2.sequence).toBe(a.sequence);
    a2.release();
    // B is now least recently used, so C takes B's sequence.
    const c = await pool.acquire('C');
    expect(c.sequence).toBe(b.sequence);
    c.release();
    expect(pool.owners()).toEqual(['A', 'C']);
  });
  it('refuses a second concurrent generation in one conversation', async () => {
    const pool = new SequencePool(['s0', 's1']);
    await pool.acquire('A');
    await expect(pool.acquire('A')).rejects.toBeInstanceOf(AppError);
  });
  it('queues when every sequence is busy', async () => {
    const pool = new SequencePool(['s0']);
    const a = await pool.acquire('A');
    let got = false;
    const pending = pool.acquire('B').then((l) => ((got = true), l));
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toBe(false);
    a.release();
    const b = await pending;
    expect(b.sequence).toBe('s0');
  });
  it('a waiter that gives up leaves the queue and the next one still gets the sequence', async () => {
    const pool = new SequencePool(['s0']);
    const a = await pool.acquire('A');
    const quit = new AbortController();
    const b = pool.acquire('B', quit.signal);
    const c = pool.acquire('C');
    quit.abort(new Error('stopped'));
    await expect(b).rejects.toThrow('stopped');
    a.release();
    expect((await c).sequence).toBe('s0');
  });
});

describe('text stream', () => {
  const pieces = ['Hel', 'lo', ' wor', 'ld', '\n', '###', ' Human', ':'];
  const detok = (toks: readonly number[]) => toks.map((t) => pieces[t]).join('');
  it('holds back a possible stop trigger and cuts at it', () => {
    const s = new TextStream(detok, ['\n### Human:']);
    let out = '';
    let stopped = false;
    for (let i = 0; i < pieces.length && !stopped; i++) {
      const r = s.push(i);
      out += r.piece;
      stopped = r.stop;
    }
    expect(stopped).toBe(true);
    expect(out).toBe('Hello world');
    expect(s.fullText).toBe('Hello world');
  });
  it('releases held-back text at the end when it was not a trigger', () => {
    const s = new TextStream(detok, ['\n### Human:']);
    let out = '';
    for (let i = 0; i < 6; i++) out += s.push(i).piece;
    out += s.flush();
    expect(out).toBe('Hello world\n###');
  });
  it('waits for a split multi-byte character', () => {
    const bytes = Buffer.from('é', 'utf8');
    const decode = (toks: readonly number[]) => Buffer.from(toks.map((t) => bytes[t] ?? 0)).toString('utf8');
    const s = new TextStream(decode, []);
    expect(s.push(0).piece).toBe('');
    expect(s.push(1).piece).toBe('é');
  });
});

describe('conversation titles', () => {
  it('uses the first words on one line, without markdown markers', () => {
    expect(titleFromMessage('Can you show me some **markdown** and `code`?')).toBe('Can you show me some markdown and code?');
    expect(titleFromMessage('  two\n\nlines ')).toBe('two lines');
    expect(titleFromMessage('word '.repeat(40))).toMatch(/^(word ){8}word…$/);
    expect(titleFromMessage('***')).toBe('New chat');
  });
});
