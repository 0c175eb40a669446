export { LocalEngine, type EngineOptions, type GenerateRequest, type GenerateResult, type GenerateHooks, type JsonSchema, type StopReason } from './engine.js';
export { checkModelFile } from './gguf-check.js';
export { resolveThreads, defaultThreads } from './threads.js';
export { resolveContextSize, chooseContextSize, AUTO_CONTEXT_CAP } from './context-size.js';
export { acquireBackend, sharedLlama, type GpuChoice } from './backend.js';
export { threadCandidates, tuneThreads, measureDecode, timeGeneration, type TuningResult } from './tuning.js';
export { summarizeConfidence, nearestRank } from './confidence.js';
export { fitHistory, replyReserve, type Turn } from './fit-history.js';
export { RemoteEngine } from './worker/remote-engine.js';

/** What the core needs of an engine; the worker-backed one is what the app runs. */
export type Engine = Pick<import('./worker/remote-engine.js').RemoteEngine, 'info' | 'tokenizerId' | 'generate' | 'assertFits' | 'countTokens' | 'countTokensMany' | 'countPrompt' | 'forgetConversation' | 'dispose'>;
export { detectHardware, type DetectedHardware } from './hardware.js';
