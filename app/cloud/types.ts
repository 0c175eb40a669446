import type { AppError, ProviderId } from '../contract/index.js';

/** Where a cloud call goes. `baseUrl` null means the provider's own endpoint. */
export interface CloudTarget {
  provider: ProviderId;
  /** For OpenAI-compatible servers: OpenRouter, Groq, a team's vLLM, llama.cpp server or Ollama... */
  baseUrl: string | null;
  model: string;
  apiKey: string;
  /** No byte from the provider for this long ends the call (before and during the stream). */
  timeoutMs: number;
  /** Retries on 429, 5xx and connection failures, done by the SDK and honouring retry-after. */
  maxRetries: number;
}

export interface CloudTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface CloudRequest {
  system: string;
  turns: CloudTurn[];
  maxTokens: number;
  temperature: number;
}

export interface CloudUsage {
  inputTokens: number;
  outputTokens: number;
  /** True when the provider's own count never arrived (stopped or broken call) and it was estimated locally. */
  estimated: boolean;
}

interface CloudOutcomeBase {
  /** What arrived, even from a call that then failed or was stopped. */
  text: string;
  usage: CloudUsage;
  /** The model that answered, as the provider named it. */
  model: string;
  ttftMs: number | null;
  durationMs: number;
}

export type CloudOutcome =
  | (CloudOutcomeBase & { ok: true; stopReason: 'end' | 'max-tokens' | 'aborted' })
  | (CloudOutcomeBase & { ok: false; error: AppError });

/** Counts tokens for estimates; the loaded local model's tokenizer when there is one. */
export type TokenCounter = (text: string) => number | Promise<number>;

/** About four characters a token for English text: used only when no tokenizer is at hand. */
export const roughTokenCount: TokenCounter = (text) => Math.ceil(text.length / 4);
