import type { ErrorPayload, ModelInfo } from '../../contract/index.js';
import type { EngineOptions, GenerateRequest, GenerateResult, PromptInfo } from '../engine.js';
import type { Turn } from '../fit-history.js';

/** Messages between the main thread and the engine's worker thread (structured-clone safe). */
export type ToWorker =
  | { type: 'load'; id: number; opts: Omit<EngineOptions, 'onProgress' | 'availableMemory'>; availableMemory: number }
  | { type: 'generate'; id: number; req: Omit<GenerateRequest, 'signal'> }
  | { type: 'abort'; id: number }
  | { type: 'assertFits'; id: number; systemPrompt: string; lastTurn: Turn; maxTokens: number }
  | { type: 'countTokens'; id: number; text: string }
  | { type: 'countTokensMany'; id: number; texts: string[] }
  | { type: 'countPrompt'; id: number; systemPrompt: string; turns: Turn[] }
  | { type: 'forget'; conversationId: string }
  | { type: 'dispose'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; fraction: number; phase?: 'loading' | 'tuning' }
  | { type: 'loaded'; id: number; info: ModelInfo; tokenizerId: string }
  | { type: 'prompt'; id: number; info: PromptInfo }
  | { type: 'text'; id: number; piece: string }
  | { type: 'token'; id: number; probability: number }
  | { type: 'count'; id: number; tokens: number }
  | { type: 'counts'; id: number; tokens: number[] }
  | { type: 'result'; id: number; result: GenerateResult }
  | { type: 'ok'; id: number }
  | { type: 'error'; id: number; error: ErrorPayload & { detail?: string } };
