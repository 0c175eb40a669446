import type Database from 'better-sqlite3';
import { SamplerSchema, type Sampler } from '../contract/index.js';
import type { UsageEvent, UsageRepo } from './types.js';

interface Row {
  id: number;
  time: number;
  conversation_id: string;
  message_id: string | null;
  route: 'local' | 'cloud';
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  ttft_ms: number | null;
  duration_ms: number;
  tokens_per_second: number | null;
  min_p: number | null;
  p10: number | null;
  mean_logp: number | null;
  margin1: number | null;
  token_count: number;
  sampler_json: string | null;
  cost_usd: number;
  outcome: 'ok' | 'aborted' | 'error';
  error: string | null;
  reason: string | null;
  usage_estimated: number;
  provider: string | null;
}

function toEvent(r: Row): UsageEvent {
  return {
    id: r.id,
    time: r.time,
    conversationId: r.conversation_id,
    messageId: r.message_id,
    route: r.route,
    model: r.model,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    ttftMs: r.ttft_ms,
    durationMs: r.duration_ms,
    tokensPerSecond: r.tokens_per_second,
    minP: r.min_p,
    p10: r.p10,
    meanLogp: r.mean_logp,
    margin1: r.margin1,
    tokenCount: r.token_count,
    sampler: parseSampler(r.sampler_json),
    costUsd: r.cost_usd,
    outcome: r.outcome,
    error: r.error,
    reason: r.reason,
    usageEstimated: r.usage_estimated === 1,
    provider: r.provider,
  };
}

function parseSampler(json: string | null): Sampler | null {
  if (json === null) return null;
  try {
    const parsed = SamplerSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const SELECT = 'SELECT * FROM usage_events';

export function createUsageRepo(db: Database.Database): UsageRepo {
  const q = {
    // The sub-select stores NULL rather than failing the foreign key when the reply was removed
    // before its usage row was written: the call still happened and still counts.
    insert: db.prepare<[Omit<Row, 'id'>]>(
      `INSERT INTO usage_events (time, conversation_id, message_id, route, model, prompt_tokens, completion_tokens,
         ttft_ms, duration_ms, tokens_per_second, min_p, p10, mean_logp, margin1, token_count, sampler_json, cost_usd,
         outcome, error, reason, usage_estimated, provider)
       VALUES (@time, @conversation_id, (SELECT id FROM messages WHERE id = @message_id), @route, @model,
         @prompt_tokens, @completion_tokens, @ttft_ms, @duration_ms, @tokens_per_second, @min_p, @p10, @mean_logp,
         @margin1, @token_count, @sampler_json, @cost_usd, @outcome, @error, @reason, @usage_estimated, @provider)`,
    ),
    markEscalated: db.prepare<[number]>('UPDATE usage_events SET escalated = 1 WHERE id = ?'),
    latestLocalAnswer: db
      .prepare<[string], number>(
        `SELECT id FROM usage_events WHERE message_id = ? AND route = 'local' AND escalated = 0 AND outcome != 'error'
         ORDER BY time DESC, id DESC LIMIT 1`,
      )
      .pluck(),
    cloudSpend: db.prepare<[number], { total: number | null }>(
      "SELECT SUM(cost_usd) AS total FROM usage_events WHERE route = 'cloud' AND time >= ?",
    ),
    // Newest N, then turned back to oldest first: a limit means "the recent ones".
    all: db.prepare<[number], Row>(`SELECT * FROM (${SELECT} ORDER BY time DESC, id DESC LIMIT ?) ORDER BY time, id`),
    byConversation: db.prepare<[string, number], Row>(
      `SELECT * FROM (${SELECT} WHERE conversation_id = ? ORDER BY time DESC, id DESC LIMIT ?) ORDER BY time, id`,
    ),
  };

  return {
    insert(e) {
      const res = q.insert.run({
        time: e.time,
        conversation_id: e.conversationId,
        message_id: e.messageId,
        route: e.route,
        model: e.model,
        prompt_tokens: e.promptTokens,
        completion_tokens: e.completionTokens,
        ttft_ms: e.ttftMs,
        duration_ms: e.durationMs,
        tokens_per_second: e.tokensPerSecond,
        min_p: finiteOrNull(e.minP),
        p10: finiteOrNull(e.p10),
        mean_logp: finiteOrNull(e.meanLogp),
        margin1: finiteOrNull(e.margin1),
        token_count: e.tokenCount,
        sampler_json: e.sampler === null ? null : JSON.stringify(e.sampler),
        cost_usd: e.costUsd,
        outcome: e.outcome,
        error: e.error,
        reason: e.reason,
        usage_estimated: e.usageEstimated ? 1 : 0,
        provider: e.provider,
      });
      return Number(res.lastInsertRowid);
    },
    list(opts = {}) {
      // -1 is SQLite's "no limit".
      const limit = opts.limit === undefined ? -1 : Math.max(0, Math.trunc(opts.limit));
      const rows = opts.conversationId === undefined ? q.all.all(limit) : q.byConversation.all(opts.conversationId, limit);
      return rows.map(toEvent);
    },
    markEscalated(id) {
      q.markEscalated.run(id);
    },
    latestLocalAnswer(messageId) {
      return q.latestLocalAnswer.get(messageId) ?? null;
    },
    cloudSpendSince(since) {
      return q.cloudSpend.get(since)?.total ?? 0;
    },
  };
}

/** A mean log-probability of -Infinity is real (a zero-probability token); SQLite would store it, JSON would not. */
function finiteOrNull(x: number | null): number | null {
  return x === null || Number.isFinite(x) ? x : null;
}
