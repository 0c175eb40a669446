import type { Confidence, LearnedModel, RouterScore } from '../contract/index.js';
import { predictLearned, promptFeatures } from './learned.js';
import { signalValue } from './signals.js';

/*
 * When a reply should go to the cloud. Pure functions over numbers the core already has, so the
 * policy is fast (see the bench), easy to test, and the same in every mode.
 */

export type EscalationMode = 'off' | 'ask' | 'auto';

export interface RoutingPolicy {
  mode: EscalationMode;
  /** A reply whose score is below this is likely wrong. */
  threshold: number;
  /** One sampled token below this probability makes escalation certain, even mid-reply. */
  minPFloor: number;
  /** Replies of at most this many tokens are scored by the first token's margin instead. */
  shortAnswerTokens: number;
  /** What the threshold is compared with: the default score, one signal, or an adopted learned model. */
  score: RouterScore;
  /** The learned model, when `score` is `learned`. */
  model: LearnedModel | null;
}

export const DEFAULT_POLICY: RoutingPolicy = { mode: 'off', threshold: 0.3, minPFloor: 0.02, shortAnswerTokens: 8, score: 'default', model: null };

export type Route = 'local' | 'cloud' | 'offer';

/** `offer`: Ask mode's "Ask the cloud model" button; nothing is sent without a click. */
export interface Decision {
  route: Route;
  reason: string;
}

export interface BeforeContext {
  mode: EscalationMode;
  keepLocal: boolean;
  /** The person picked the cloud for this message. */
  userChoseCloud: boolean;
  /** System prompt, history and the new message, in the local model's tokens. */
  promptTokens: number;
  localContext: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const num = (n: number) => (n >= 0.1 ? n.toFixed(2) : n.toPrecision(2));

/** Rules that decide before the local model runs; `local` means "answer locally, then score". */
export function decideBefore(c: BeforeContext): Decision {
  if (c.keepLocal) return { route: 'local', reason: 'this conversation is kept local' };
  if (c.mode === 'off') return { route: 'local', reason: 'cloud escalation is off' };
  if (c.userChoseCloud) return { route: 'cloud', reason: 'you asked' };
  if (c.promptTokens > c.localContext) {
    const reason = `prompt ${fmt(c.promptTokens)} tokens > local context ${fmt(c.localContext)}`;
    return { route: c.mode === 'auto' ? 'cloud' : 'offer', reason };
  }
  return { route: 'local', reason: 'local first' };
}

export interface Score {
  value: number;
  field: 'p10' | 'margin1' | 'minP' | 'mean_logp' | 'learned';
}

/**
 * The default score: the 10th-percentile token probability, robust to one odd token where the
 * minimum is not, and not length-biased the way the mean log-probability is. A short answer has
 * too few tokens for a percentile, so it is scored by the first token's top-1 − top-2 margin.
 */
function defaultScore(c: Confidence, policy: Pick<RoutingPolicy, 'shortAnswerTokens'>): Score | null {
  if (c.tokenCount <= policy.shortAnswerTokens && c.margin1 !== null) return { value: c.margin1, field: 'margin1' };
  if (c.p10 !== null) return { value: c.p10, field: 'p10' };
  if (c.minP !== null) return { value: c.minP, field: 'minP' };
  return null;
}

/**
 * The reply's score under the router in force. An adopted single signal or learned model scores
 * every reply (a missing field counts as the least confident value, as in the evaluation CSV), so
 * the adopted threshold means here what it meant in the evaluation. `prompt`: the message
 * answered, for the learned model's prompt features.
 */
export function scoreReply(c: Confidence, policy: RoutingPolicy, prompt = ''): Score | null {
  switch (policy.score) {
    case 'default':
      return defaultScore(c, policy);
    case 'min_p':
      return { value: signalValue(c, 'min_p'), field: 'minP' };
    case 'p10':
      return { value: signalValue(c, 'p10'), field: 'p10' };
    case 'mean_logp':
      return { value: signalValue(c, 'mean_logp'), field: 'mean_logp' };
    case 'margin1':
      return { value: signalValue(c, 'margin1'), field: 'margin1' };
    case 'learned': {
      if (!policy.model) return defaultScore(c, policy);
      const local = defaultScore(c, policy)?.value ?? 0;
      const prompts = promptFeatures(prompt);
      const row = policy.model.features.map((f) => {
        if (f === 'local_confidence') return local;
        if (f === 'min_p' || f === 'p10' || f === 'mean_logp' || f === 'margin1') return signalValue(c, f);
        return prompts[f];
      });
      return { value: predictLearned(policy.model, row), field: 'learned' };
    }
  }
}

const FIELD_NAME: Record<Score['field'], string> = { p10: 'p10', margin1: 'margin1', minP: 'minP', mean_logp: 'mean log-probability', learned: 'learned router' };

/** After the local reply: keep it, or escalate (Auto) / offer to (Ask). */
export function decideAfter(c: Confidence, policy: RoutingPolicy, keepLocal: boolean, prompt = ''): Decision {
  if (keepLocal) return { route: 'local', reason: 'this conversation is kept local' };
  if (policy.mode === 'off') return { route: 'local', reason: 'cloud escalation is off' };
  const escalate = policy.mode === 'auto' ? 'cloud' : 'offer';
  if (c.minP !== null && c.minP < policy.minPFloor) {
    return { route: escalate, reason: `a local token had probability ${num(c.minP)} < ${num(policy.minPFloor)}` };
  }
  const s = scoreReply(c, policy, prompt);
  if (s && s.value < policy.threshold) return { route: escalate, reason: `local confidence ${num(s.value)} < ${num(policy.threshold)} (${FIELD_NAME[s.field]})` };
  return { route: 'local', reason: s ? `local confidence ${num(s.value)} ≥ ${num(policy.threshold)} (${FIELD_NAME[s.field]})` : 'no confidence to judge by' };
}

/**
 * Auto mode's early decision, fed each sampled token's probability as the local reply streams.
 * It says `cloud` only once the final decision can no longer come out `local` (for the default
 * score and p10; min_p decides at the first token under the threshold):
 * - a token below the floor makes `decideAfter` escalate whatever follows;
 * - p10 is the ⌈n/10⌉-th smallest probability (nearest rank), so once more than a tenth of the
 *   longest possible reply is below the threshold, p10 is below it for every final length, and
 *   past `shortAnswerTokens` tokens the margin rule no longer applies.
 */
export class EarlyMonitor {
  private count = 0;
  private below = 0;
  private readonly needed: number;

  constructor(
    private readonly policy: RoutingPolicy,
    maxTokens: number,
  ) {
    this.needed = Math.ceil(0.1 * maxTokens);
  }

  observe(p: number): Decision | null {
    this.count++;
    if (p < this.policy.threshold) this.below++;
    if (p < this.policy.minPFloor) return { route: 'cloud', reason: `a local token had probability ${num(p)} < ${num(this.policy.minPFloor)}` };
    // The other scores (mean log-probability, margin, a learned model) can still rise with later
    // tokens, so only the floor decides early for them.
    if (this.policy.score === 'min_p' && p < this.policy.threshold) {
      return { route: 'cloud', reason: `local confidence < ${num(this.policy.threshold)} (minP, decided after ${this.count} tokens)` };
    }
    if (this.policy.score !== 'default' && this.policy.score !== 'p10') return null;
    if (this.count > this.policy.shortAnswerTokens && this.below >= this.needed) {
      return { route: 'cloud', reason: `local confidence < ${num(this.policy.threshold)} (p10, decided after ${this.count} tokens)` };
    }
    return null;
  }
}
