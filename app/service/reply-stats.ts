import type { ReplyStats } from '../contract/index.js';
import type { GenerateResult } from '../inference/index.js';

/** What a local call's result shows on its message: the same for a chat reply and a document task. */
export function toStats(r: GenerateResult, model: string): ReplyStats {
  return {
    model,
    route: 'local',
    promptTokens: r.promptTokens,
    evaluatedPromptTokens: r.evaluatedPromptTokens,
    completionTokens: r.completionTokens,
    ttftMs: r.ttftMs,
    durationMs: r.durationMs,
    tokensPerSecond: r.tokensPerSecond,
    confidence: r.confidence,
    sampler: r.sampler,
    droppedMessages: r.droppedMessages,
    stopReason: r.stopReason,
  };
}
