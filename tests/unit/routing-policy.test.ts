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

describe('an adopted router', () => {
  it('scores every reply by the adopted signal, a missing field counting as the least confident', () => {
    expect(scoreReply(conf({ minP: 0.21 }), { ...auto, score: 'min_p' })).toEqual({ value: 0.21, field: 'minP' });
    // Short replies are not switched to the margin: the adopted signal means what it meant in the CSV.
    expect(scoreReply(conf({ tokenCount: 2, p10: 0.44 }), { ...auto, score: 'p10' })).toEqual({ value: 0.44, field: 'p10' });
    expect(scoreReply(conf({ meanLogp: -2.5 }), { ...auto, score: 'mean_logp' })).toEqual({ value: -2.5, field: 'mean_logp' });
    expect(scoreReply(conf({ meanLogp: null }), { ...auto, score: 'mean_logp' })).toEqual({ value: -100, field: 'mean_logp' });
    expect(scoreReply(conf({ margin1: null }), { ...auto, score: 'margin1' })).toEqual({ value: 0, field: 'margin1' });
  });

  it('a mean log-probability threshold escalates below it, with the reason in words', () => {
    const policy: RoutingPolicy = { ...auto, score: 'mean_logp', threshold: -1.2 };
    expect(decideAfter(conf({ meanLogp: -1.5 }), policy, false)).toEqual({ route: 'cloud', reason: 'local confidence -1.5 < -1.2 (mean log-probability)' });
    expect(decideAfter(conf({ meanLogp: -0.4 }), policy, false).route).toBe('local');
  });

  it('a learned router scores by its fitted probability, reading the prompt for its prompt features', () => {
    // P(correct) = sigmoid(0.5 + 2·(p10 − 0.5)/0.25 − 3·has_number): p10 0.6 → sigmoid(1.3) ≈ 0.786;
    // with a number in the prompt → sigmoid(−1.7) ≈ 0.154.
    const model = { features: ['p10', 'prompt_has_number'] as ('p10' | 'prompt_has_number')[], means: [0.5, 0], scales: [0.25, 1], weights: [2, -3], intercept: 0.5 };
    const policy: RoutingPolicy = { ...auto, score: 'learned', model, threshold: 0.5 };
    const plain = scoreReply(conf({ p10: 0.6 }), policy, 'Name a colour.');
    expect(plain?.field).toBe('learned');
    expect(plain?.value).toBeCloseTo(1 / (1 + Math.exp(-1.3)), 6);
    expect(scoreReply(conf({ p10: 0.6 }), policy, 'What is 12 times 7?')?.value).toBeCloseTo(1 / (1 + Math.exp(1.7)), 6);
    expect(decideAfter(conf({ p10: 0.6 }), policy, false, 'What is 12 times 7?')).toEqual({ route: 'cloud', reason: 'local confidence 0.15 < 0.50 (learned router)' });
    expect(decideAfter(conf({ p10: 0.6 }), policy, false, 'Name a colour.').route).toBe('local');
  });

  it('decides early only where the final score can no longer rise: min_p at once, never for mean log-probability', () => {
    const minP = new EarlyMonitor({ ...auto, score: 'min_p', threshold: 0.3 }, 100);
    expect(minP.observe(0.9)).toBeNull();
    expect(minP.observe(0.25)).toEqual({ route: 'cloud', reason: 'local confidence < 0.30 (minP, decided after 2 tokens)' });
    const meanLogp = new EarlyMonitor({ ...auto, score: 'mean_logp', threshold: -0.1 }, 20);
    for (let i = 0; i < 20; i++) expect(meanLogp.observe(0.2)).toBeNull();
    // The floor still decides at once whatever the score.
    expect(meanLogp.observe(0.001)?.route).toBe('cloud');
  });
});
