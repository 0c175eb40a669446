import { costUsd, hostOf, priceFor, redact, type CloudOutcome, type CloudRequest, type CloudTarget, type TokenCounter } from '../cloud/index.js';
import { AppError, type Settings } from '../contract/index.js';
import type { Turn } from '../inference/index.js';
import { DEFAULT_POLICY, type RoutingPolicy } from '../routing/index.js';
import type { KeyStore } from '../secrets/index.js';
import type { Storage, UsageEventInput } from '../storage/index.js';

export interface BudgetStatus {
  budgetUsd: number;
  spentUsd: number;
  reservedUsd: number;
  /** (spent + reserved) ÷ budget; ≥ 0.8 shows the warning. */
  fraction: number;
}

export interface PreparedCall {
  target: CloudTarget;
  request: CloudRequest;
  host: string;
  inputTokens: number;
  /** Input at its price plus the whole max_tokens of output: what the budget reserves. */
  maxCostUsd: number;
  /** Input at its price plus a typical reply of a quarter of max_tokens, for the preview. */
  estimatedCostUsd: number;
  priceKnown: boolean;
  /** Placeholder → original, when redaction is on; the reply is restored with it locally. */
  redactions: Map<string, string>;
}

/** The first millisecond of the current calendar month, local time: the budget's period. */
export function monthStart(now: number): number {
  const d = new Date(now);
  return new Date(d.getFullYear(), d.getMonth(), 1).getTime();
}

/**
 * Everything about a cloud call that is not the call itself: the policy from settings, the
 * target and its key, the exact request, the cost estimate, and the monthly budget with its
 * reservations (so two calls in flight cannot both spend the last dollar).
 */
export class CloudEscalation {
  private reserved = 0;

  constructor(
    private readonly storage: Storage,
    private readonly keys: KeyStore,
    private readonly now: () => number = Date.now,
  ) {}

  policy(s: Settings): RoutingPolicy {
    return {
      ...DEFAULT_POLICY,
      mode: s.escalationMode,
      threshold: s.confidenceThreshold,
      minPFloor: s.minPFloor,
      shortAnswerTokens: s.shortAnswerTokens,
      // A learned score without its model (a hand-edited settings file) falls back to the default.
      score: s.routerScore === 'learned' && !s.routerModel ? 'default' : s.routerScore,
      model: s.routerModel,
    };
  }

  /** A key exists for the configured provider (saved or from the environment). */
  ready(s: Settings): boolean {
    return this.keys.get(s.cloudProvider) !== null;
  }

  budget(s: Settings): BudgetStatus {
    const spentUsd = this.storage.usage.cloudSpendSince(monthStart(this.now()));
    const fraction = s.monthlyBudgetUsd > 0 ? (spentUsd + this.reserved) / s.monthlyBudgetUsd : spentUsd + this.reserved > 0 ? 1 : 0;
    return { budgetUsd: s.monthlyBudgetUsd, spentUsd, reservedUsd: this.reserved, fraction };
  }

  /**
   * The exact call: with redaction on, personal data in the system prompt and every turn is
   * replaced by placeholders (the same value, the same placeholder). `approved` is text the
   * person saw and maybe edited in the preview: it is sent as it is, and the placeholders are
   * rebuilt from the original history (redaction is deterministic) to restore the reply.
   */
  /** Throws CLOUD_NO_KEY, naming where a key could come from, when there is none. */
  assertKey(s: Settings): string {
    const apiKey = this.keys.get(s.cloudProvider);
    if (apiKey) return apiKey;
    const env = this.keys.status().envVars[s.cloudProvider];
    throw new AppError('CLOUD_NO_KEY', { message: `No API key is set for ${s.cloudProvider === 'anthropic' ? 'Anthropic' : 'the OpenAI-compatible provider'}. Add one in Settings → Cloud API keys, or set ${env}.` });
  }

  async prepare(s: Settings, history: Turn[], countTokens: TokenCounter, approved?: { system: string; turns: Turn[] }): Promise<PreparedCall> {
    const apiKey = this.assertKey(s);
    const target: CloudTarget = {
      provider: s.cloudProvider,
      baseUrl: s.cloudBaseUrl === '' ? null : s.cloudBaseUrl,
      model: s.cloudModel,
      apiKey,
      timeoutMs: s.cloudTimeoutSeconds * 1000,
      maxRetries: 2,
    };
    let system = s.systemPrompt;
    let turns = history;
    let redactions = new Map<string, string>();
    if (s.redactBeforeSend) {
      const r = redact([system, ...turns.map((t) => t.content)]);
      redactions = r.map;
      system = r.texts[0]!;
      turns = turns.map((t, i) => ({ role: t.role, content: r.texts[i + 1]! }));
    }
    if (approved) {
      system = approved.system;
      turns = approved.turns;
    }
    const request: CloudRequest = { system, turns, maxTokens: s.maxReplyTokens, temperature: 0 };
    const inputTokens = await countTokens([request.system, ...request.turns.map((t) => t.content)].join('\n'));
    const price = priceFor(s.cloudModel, s.prices);
    return {
      target,
      request,
      host: hostOf(target),
      inputTokens,
      maxCostUsd: costUsd(price, inputTokens, request.maxTokens),
      estimatedCostUsd: costUsd(price, inputTokens, Math.ceil(request.maxTokens / 4)),
      priceKnown: price !== null,
      redactions,
    };
  }

  /**
   * Holds `maxCostUsd` against this month's budget until the call ends, or refuses the call
   * when spent + reserved + this would exceed the budget. Returns the release function.
   */
  reserve(s: Settings, maxCostUsd: number): () => void {
    const b = this.budget(s);
    if (!this.covers(s, maxCostUsd)) {
      const usd = (n: number) => (n > 0 && n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`);
      throw new AppError('BUDGET_EXCEEDED', {
        message: `This cloud call could cost up to ${usd(maxCostUsd)}, and ${usd(b.spentUsd + b.reservedUsd)} of this month's ${usd(s.monthlyBudgetUsd)} cloud budget is already spent or reserved. The local answer stays; raise the budget in Settings to send it.`,
      });
    }
    this.reserved += maxCostUsd;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.reserved = Math.max(0, this.reserved - maxCostUsd);
    };
  }

  /** This month's budget has room for a call that may cost up to `maxCostUsd`, right now. */
  covers(s: Settings, maxCostUsd: number): boolean {
    const b = this.budget(s);
    return b.spentUsd + b.reservedUsd + maxCostUsd <= s.monthlyBudgetUsd;
  }

  /**
   * Whether a call with this history could go out now: a key, and room in the budget for its
   * worst case. Nothing is reserved; `reserve` still decides when the call is made.
   */
  async couldCall(s: Settings, history: Turn[], countTokens: TokenCounter): Promise<boolean> {
    if (!this.ready(s)) return false;
    const prepared = await this.prepare(s, history, countTokens);
    return this.covers(s, prepared.maxCostUsd);
  }

  costOf(s: Settings, model: string, inputTokens: number, outputTokens: number): number {
    return costUsd(priceFor(model, s.prices) ?? priceFor(s.cloudModel, s.prices), inputTokens, outputTokens);
  }

  /** A cloud call's usage row, all but where it belongs (time, conversation, message, reason). */
  usageOf(s: Settings, outcome: CloudOutcome): Omit<UsageEventInput, 'time' | 'conversationId' | 'messageId' | 'reason'> {
    const { inputTokens, outputTokens, estimated } = outcome.usage;
    return {
      route: 'cloud',
      model: outcome.model,
      promptTokens: inputTokens,
      completionTokens: outputTokens,
      ttftMs: outcome.ttftMs,
      durationMs: outcome.durationMs,
      tokensPerSecond: outcome.durationMs > 0 ? (outputTokens * 1000) / outcome.durationMs : null,
      minP: null,
      p10: null,
      meanLogp: null,
      margin1: null,
      tokenCount: 0,
      sampler: null,
      costUsd: this.costOf(s, outcome.model, inputTokens, outputTokens),
      outcome: outcome.ok ? (outcome.stopReason === 'aborted' ? 'aborted' : 'ok') : 'error',
      error: outcome.ok ? null : outcome.error.message,
      usageEstimated: estimated,
      provider: s.cloudProvider,
    };
  }
}
