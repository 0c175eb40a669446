import { describe, expect, it } from 'vitest';
import type { Confidence } from '../../app/contract/index.js';
import { summarizeConfidence } from '../../app/inference/index.js';
import { decideAfter, decideBefore, DEFAULT_POLICY, EarlyMonitor, scoreReply, type RoutingPolicy } from '../../app/routing/index.js';

const auto: RoutingPolicy = { ...DEFAULT_POLICY, mode: 'auto', threshold: 0.55, minPFloor: 0.02, shortAnswerTokens: 8 };
const conf = (over: Partial<Confidence>): Confidence => ({ minP: 0.5, p10: 0.6, meanLogp: -0.3, margin1: 0.7, tokenCount: 40, ...over });

describe('before the local model runs', () => {
  const base = { mode: 'auto' as const, keepLocal: false, userChoseCloud: false, promptTokens: 500, localContext: 8192 };

  it('keeps a conversation marked local local, whatever else is true', () => {
    expect(decideBefore({ ...base, keepLocal: true, userChoseCloud: true, promptTokens: 99_999 })).toEqual({ route: 'local', reason: 'this conversation is kept local' });
  });

  it('never leaves the machine when escalation is off, even for a prompt too long for the local model', () => {
    expect(decideBefore({ ...base, mode: 'off', userChoseCloud: true, promptTokens: 99_999 }).route).toBe('local');
  });

  it('goes to the cloud when you asked', () => {
    expect(decideBefore({ ...base, mode: 'ask', userChoseCloud: true })).toEqual({ route: 'cloud', reason: 'you asked' });
  });

  it('escalates (Auto) or offers (Ask) a prompt longer than the local context, saying the numbers', () => {
    expect(decideBefore({ ...base, promptTokens: 9800 })).toEqual({ route: 'cloud', reason: 'prompt 9,800 tokens > local context 8,192' });
    expect(decideBefore({ ...base, mode: 'ask', promptTokens: 9800 }).route).toBe('offer');
    expect(decideBefore(base)).toEqual({ route: 'local', reason: 'local first' });
  });
});

describe('scoring a local reply', () => {
  it('uses p10 for replies, and the first-token margin for short answers', () => {
    expect(scoreReply(conf({ p10: 0.31 }), auto)).toEqual({ value: 0.31, field: 'p10' });
    expect(scoreReply(conf({ tokenCount: 3, margin1: 0.12 }), auto)).toEqual({ value: 0.12, field: 'margin1' });
    expect(scoreReply(conf({ tokenCount: 3, margin1: null, p10: 0.4 }), auto)).toEqual({ value: 0.4, field: 'p10' });
    expect(scoreReply(conf({ p10: null, minP: null, margin1: null }), auto)).toBeNull();
  });

  it('escalates in Auto, offers in Ask, and says why with the numbers', () => {
    expect(decideAfter(conf({ p10: 0.31 }), auto, false)).toEqual({ route: 'cloud', reason: 'local confidence 0.31 < 0.55 (p10)' });
    expect(decideAfter(conf({ p10: 0.31 }), { ...auto, mode: 'ask' }, false).route).toBe('offer');
    expect(decideAfter(conf({ p10: 0.31 }), { ...auto, mode: 'off' }, false).route).toBe('local');
    expect(decideAfter(conf({ p10: 0.31 }), auto, true).route).toBe('local');
    expect(decideAfter(conf({ minP: 0.004 }), auto, false)).toEqual({ route: 'cloud', reason: 'a local token had probability 0.0040 < 0.020' });
    expect(decideAfter(conf({}), auto, false)).toEqual({ route: 'local', reason: 'local confidence 0.60 ≥ 0.55 (p10)' });
  });
});

describe('early decision while the reply streams', () => {
  it('decides at the first token below the floor', () => {
    const m = new EarlyMonitor(auto, 256);
    expect(m.observe(0.9)).toBeNull();
    expect(m.observe(0.01)).toEqual({ route: 'cloud', reason: 'a local token had probability 0.010 < 0.020' });
  });

  it('decides once a tenth of the longest possible reply is below the threshold, not before', () => {
    const m = new EarlyMonitor(auto, 100); // needs 10 low tokens, after the short-answer window
    const decisions = Array.from({ length: 12 }, () => m.observe(0.3));
    expect(decisions.slice(0, 9).every((d) => d === null)).toBe(true);
    expect(decisions[9]).toEqual({ route: 'cloud', reason: 'local confidence < 0.55 (p10, decided after 10 tokens)' });
  });

  it('never decides early what the final decision would not: checked on 5,000 random replies', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let early = 0;
    for (let trial = 0; trial < 5000; trial++) {
      const maxTokens = 1 + Math.floor(rand() * 64);
      const length = 1 + Math.floor(rand() * maxTokens);
      const lowish = rand();
      const probs = Array.from({ length }, () => (rand() < lowish ? rand() * 0.6 : 0.5 + rand() * 0.5));
      const m = new EarlyMonitor(auto, maxTokens);
      const firstCall = probs.findIndex((p) => m.observe(p) !== null);
      if (firstCall === -1) continue;
      early++;
      const final = decideAfter(summarizeConfidence(probs, rand()), auto, false);
      expect(final.route, JSON.stringify({ probs, maxTokens, firstCall })).toBe('cloud');
    }
    expect(early).toBeGreaterThan(500);
  });
});
