import { z } from 'zod';

/** Generous but finite: a 1 MB message is accepted, then judged against the model's context. */
export const MAX_MESSAGE_CHARS = 2_000_000;

import { IdSchema } from './ids.js';
import { DocTaskInfoSchema } from './documents.js';
import { TuningSchema } from './models.js';
import { LearnedModelSchema, RouterProvenanceSchema, RouterScoreSchema } from './eval.js';

export { IdSchema };

export const ConversationSchema = z.object({
  id: IdSchema,
  title: z.string(),
  keepLocal: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const ConfidenceSchema = z.object({
  /** Smallest probability among sampled tokens (end-of-generation excluded). */
  minP: z.number().nullable(),
  /** Nearest-rank 10th percentile of sampled-token probabilities. */
  p10: z.number().nullable(),
  /** Mean natural-log probability of sampled tokens. */
  meanLogp: z.number().nullable(),
  /** First token: top-1 probability minus top-2 probability. */
  margin1: z.number().nullable(),
  tokenCount: z.number().int(),
});
export type Confidence = z.infer<typeof ConfidenceSchema>;

export const SamplerSchema = z.object({
  temperature: z.number(),
  topK: z.number().int(),
  topP: z.number(),
  seed: z.number().int().nullable(),
});
export type Sampler = z.infer<typeof SamplerSchema>;

export const ReplyStatsSchema = z.object({
  model: z.string(),
  route: z.enum(['local', 'cloud']),
  promptTokens: z.number().int(),
  /** Tokens actually evaluated for the prompt: the rest came from the KV cache. */
  evaluatedPromptTokens: z.number().int(),
  completionTokens: z.number().int(),
  ttftMs: z.number().nullable(),
  durationMs: z.number(),
  tokensPerSecond: z.number().nullable(),
  confidence: ConfidenceSchema,
  sampler: SamplerSchema,
  /** Set when older turns were left out so the conversation fits the context. */
  droppedMessages: z.number().int(),
  /** Why the reply ended: the model finished, hit a limit, or was stopped. */
  stopReason: z.enum(['eog', 'stop-trigger', 'max-tokens', 'context-full', 'aborted']),
  /** Cloud replies: what the call cost, from its usage and the price table. */
  costUsd: z.number().optional(),
  /** Cloud replies: the usage was estimated locally because the provider's count never arrived. */
  usageEstimated: z.boolean().optional(),
});
export type ReplyStats = z.infer<typeof ReplyStatsSchema>;

export const MessageStatusSchema = z.enum(['complete', 'partial', 'error']);
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

/**
 * A reply's trip to the cloud. `offered`: Ask mode suggests it (nothing sent yet). `escalated`:
 * the cloud reply is the answer and `localDraft` the local one it replaced. `failed`: the cloud
 * call failed and the local answer stands. `declined`: the budget or a refusal kept it local.
 */
export const EscalationSchema = z.object({
  state: z.enum(['offered', 'escalated', 'failed', 'declined']),
  reason: z.string(),
  cloudModel: z.string().nullable(),
  localDraft: z.object({ content: z.string(), stats: ReplyStatsSchema.nullable() }).nullable(),
  error: z.string().nullable(),
});
export type Escalation = z.infer<typeof EscalationSchema>;

export const MessageSchema = z.object({
  id: IdSchema,
  conversationId: IdSchema,
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  status: MessageStatusSchema,
  createdAt: z.number(),
  updatedAt: z.number(),
  stats: ReplyStatsSchema.nullable(),
  error: z.string().nullable(),
  escalation: EscalationSchema.nullable(),
  /** Set on the answer a document task wrote: which documents, citations, extracted table. */
  task: DocTaskInfoSchema.nullable(),
});
export type Message = z.infer<typeof MessageSchema>;

export const SearchHitSchema = z.object({
  messageId: IdSchema,
  conversationId: IdSchema,
  conversationTitle: z.string(),
  role: z.enum(['user', 'assistant']),
  /** Plain text with the matched terms wrapped in [[ and ]]. */
  snippet: z.string(),
  createdAt: z.number(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const ModelInfoSchema = z.object({
  path: z.string(),
  name: z.string(),
  architecture: z.string(),
  sizeBytes: z.number(),
  trainContextSize: z.number().int(),
  contextSize: z.number().int(),
  /** Why the context differs from what was asked, in words; null when it does not. */
  contextNote: z.string().nullable(),
  threads: z.number().int(),
  batchSize: z.number().int(),
  sequences: z.number().int(),
  chatTemplate: z.string(),
  /** What runs it, in words: "CPU", or the GPU backend with the layers it holds. */
  backend: z.string(),
  gpuLayers: z.number().int(),
  /** Why the GPU is not used when one was expected (init failed, not enough VRAM), else null. */
  gpuNote: z.string().nullable(),
  /** The measured thread choice in force; null when threads were set by hand. */
  tuning: TuningSchema.nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const ModelStateSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('none') }),
  z.object({
    state: z.literal('loading'),
    path: z.string(),
    progress: z.number().min(0).max(1),
    /** tuning: measuring the fastest thread count on this machine (the first load of a model). */
    phase: z.enum(['loading', 'tuning']).optional(),
  }),
  z.object({ state: z.literal('ready'), model: ModelInfoSchema }),
  z.object({ state: z.literal('error'), path: z.string(), code: z.string(), message: z.string() }),
]);
export type ModelState = z.infer<typeof ModelStateSchema>;

/** Cloud prices in USD per million tokens, by model name (a prefix matches dated snapshots). */
export const PriceSchema = z.object({
  input: z.number().min(0).max(10_000),
  output: z.number().min(0).max(10_000),
});
export const PriceTableSchema = z.record(z.string().trim().min(1).max(200), PriceSchema);
export type Price = z.infer<typeof PriceSchema>;
export type PriceTable = z.infer<typeof PriceTableSchema>;

export const EscalationModeSchema = z.enum(['off', 'ask', 'auto']);

export const SettingsSchema = z.object({
  /** CPU threads for inference; 0 measures the best count on the first load of each model. */
  threads: z.number().int().min(0).max(256),
  /**
   * Tokens of context per conversation; 0 chooses the largest that fits in memory (up to 8,192).
   * Always clamped to what the model was trained for.
   */
  contextSize: z
    .number()
    .int()
    .max(1_048_576)
    .refine((n) => n === 0 || n >= 256, 'Use 0 (fit automatically) or at least 256 tokens.'),
  /** auto: use a GPU when llama.cpp finds one (CUDA, Vulkan, Metal), else the CPU. cpu: never a GPU. */
  gpu: z.enum(['auto', 'cpu']),
  /** Conversations whose KV cache is kept warm at once. */
  sequences: z.number().int().min(1).max(16),
  maxReplyTokens: z.number().int().min(1).max(32_768),
  /** Used by Regenerate; the first reply is always greedy. */
  regenerateTemperature: z.number().min(0.05).max(2),
  systemPrompt: z.string().max(20_000),

  /** off: nothing leaves the machine. ask: offer the cloud for doubtful answers. auto: escalate by policy. */
  escalationMode: EscalationModeSchema,
  cloudProvider: z.enum(['openai', 'anthropic']),
  /** Empty: the provider's own endpoint. Otherwise any OpenAI-compatible base URL. */
  cloudBaseUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'Give an http(s) address, or leave it empty.' }).max(500)]),
  cloudModel: z.string().trim().min(1, 'Name the cloud model.').max(200),
  /**
   * A local reply scoring below this is escalated (Auto) or offered (Ask). Below 0 only for an
   * adopted mean log-probability router (down to -100, the floor that score is clamped at). A hair
   * above 1 escalates every reply even when its score is exactly 1.
   */
  confidenceThreshold: z.number().min(-100).max(1.00001),
  /** One local token below this probability escalates at once. */
  minPFloor: z.number().min(0).max(1),
  /** Replies this short are scored by the first token's margin. */
  shortAnswerTokens: z.number().int().min(0).max(64),
  cloudTimeoutSeconds: z.number().int().min(5).max(600),
  monthlyBudgetUsd: z.number().min(0).max(100_000),
  /** Ask mode: show the exact text and the cost before anything is sent. */
  previewBeforeSend: z.boolean(),
  /** Replace emails, phone and card numbers, IBANs and IP addresses before sending. */
  redactBeforeSend: z.boolean(),
  /** Document text may be offered to the cloud for every document (else only those allowed one by one). */
  documentsToCloud: z.boolean(),
  /** Overrides and additions to the shipped price table. */
  prices: PriceTableSchema,
  /** What the confidence threshold is compared with (see Evaluation); set by Adopt. */
  routerScore: RouterScoreSchema,
  /** The adopted learned router, used when routerScore is `learned`. */
  routerModel: LearnedModelSchema.nullable(),
  /** Where the adopted policy came from; null for the shipped default. */
  routerProvenance: RouterProvenanceSchema.nullable(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  threads: 0,
  contextSize: 0,
  gpu: 'auto',
  sequences: 4,
  maxReplyTokens: 1024,
  regenerateTemperature: 0.7,
  systemPrompt: 'You are Modest, a helpful assistant running locally on this computer. Answer concisely.',
  escalationMode: 'off',
  cloudProvider: 'openai',
  cloudBaseUrl: '',
  cloudModel: 'gpt-4.1-mini',
  confidenceThreshold: 0.3,
  minPFloor: 0.02,
  shortAnswerTokens: 8,
  cloudTimeoutSeconds: 60,
  monthlyBudgetUsd: 5,
  previewBeforeSend: true,
  redactBeforeSend: false,
  documentsToCloud: false,
  prices: {},
  routerScore: 'default',
  routerModel: null,
  routerProvenance: null,
};

/** Services whose key Modest can hold: the cloud providers (escalation) and Hugging Face (gated model downloads). */
export const ProviderIdSchema = z.enum(['openai', 'anthropic', 'huggingface']);
export type ProviderId = z.infer<typeof ProviderIdSchema>;

export const KeyStatusSchema = z.object({
  /** `os-keychain`: keys are encrypted by the OS secret store. `env-only`: keys come only from the environment. */
  storage: z.enum(['os-keychain', 'env-only']),
  /** One sentence for the Settings panel: where keys live, and why when they cannot be saved. */
  note: z.string(),
  /** Where each provider's key comes from right now; never the key itself. */
  providers: z.record(ProviderIdSchema, z.enum(['saved', 'environment', 'none'])),
  /** The environment variable each provider's key is read from. */
  envVars: z.record(ProviderIdSchema, z.string()),
});
export type KeyStatus = z.infer<typeof KeyStatusSchema>;

export const BudgetSchema = z.object({
  budgetUsd: z.number(),
  spentUsd: z.number(),
  reservedUsd: z.number(),
  fraction: z.number(),
});
export type Budget = z.infer<typeof BudgetSchema>;

export const TurnSchema = z.object({ role: z.enum(['user', 'assistant']), content: z.string().max(MAX_MESSAGE_CHARS) });

/** Exactly what a cloud call would send, where, and what it may cost. */
export const CloudPreviewSchema = z.object({
  provider: ProviderIdSchema,
  model: z.string(),
  host: z.string(),
  system: z.string(),
  turns: z.array(TurnSchema),
  inputTokens: z.number().int(),
  estimatedCostUsd: z.number(),
  maxCostUsd: z.number(),
  priceKnown: z.boolean(),
  budget: BudgetSchema,
});
export type CloudPreview = z.infer<typeof CloudPreviewSchema>;

const Percentiles = z.object({ p50: z.number(), p90: z.number(), p99: z.number() }).nullable();

/** The savings dashboard for a period [from, to) in ms since epoch. */
export const UsageSummarySchema = z.object({
  from: z.number(),
  to: z.number(),
  calls: z.object({ local: z.number().int(), cloud: z.number().int() }),
  tokens: z.object({
    local: z.object({ input: z.number().int(), output: z.number().int() }),
    cloud: z.object({ input: z.number().int(), output: z.number().int() }),
  }),
  /**
   * Share of kept answers that came from the local model (0..1): an escalated message counts as
   * a cloud answer, a failed cloud call leaves a local one. Null with no answers.
   */
  localShare: z.number().nullable(),
  spendUsd: z.number(),
  /** The real spend plus the kept local answers priced at the configured cloud model. */
  counterfactualUsd: z.number(),
  savingUsd: z.number(),
  counterfactualModel: z.string(),
  /** Call duration in ms, by route. */
  latency: z.object({ local: Percentiles, cloud: Percentiles }),
  reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
  daily: z.array(z.object({ day: z.string(), localCalls: z.number().int(), cloudCalls: z.number().int(), spendUsd: z.number() })),
});
export type UsageSummary = z.infer<typeof UsageSummarySchema>;

export const StatusSchema = z.object({
  version: z.string(),
  /** `desktop` inside the Electron window, `browser` when served over HTTP. */
  shell: z.enum(['desktop', 'browser']),
  dataDir: z.string(),
  model: ModelStateSchema,
  settings: SettingsSchema,
  /** Non-null while a generation runs, so a reloaded window can reattach or show it. */
  activeGenerations: z.array(z.object({ conversationId: IdSchema, messageId: IdSchema })),
  keys: KeyStatusSchema,
  /** `ready`: a key exists for the configured provider. */
  cloud: z.object({
    ready: z.boolean(),
    budget: BudgetSchema,
    /** The configured cloud model's price, and whether it is the shipped one or the user's. */
    price: PriceSchema.nullable(),
    priceSource: z.enum(['shipped', 'yours', 'unknown']),
  }),
});
export type Status = z.infer<typeof StatusSchema>;

/** Events of a reply stream, in order: user?, start, delta*, then done or error. */
export const ChatEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), message: MessageSchema }),
  z.object({ type: z.literal('start'), message: MessageSchema }),
  z.object({ type: z.literal('delta'), messageId: IdSchema, text: z.string() }),
  /** The local text so far becomes the draft; the cloud reply streams into the message from here. */
  z.object({ type: z.literal('escalate'), messageId: IdSchema, reason: z.string(), cloudModel: z.string() }),
  /** Long tasks (map-reduce summaries): how far along, for a progress bar. */
  z.object({ type: z.literal('progress'), messageId: IdSchema, done: z.number().int(), total: z.number().int(), label: z.string() }),
  z.object({ type: z.literal('done'), message: MessageSchema }),
  z.object({
    type: z.literal('error'),
    messageId: IdSchema.nullable(),
    error: z.object({ code: z.string(), message: z.string(), detail: z.string().optional() }),
  }),
]);
export type ChatEvent = z.infer<typeof ChatEventSchema>;

export const ExportFormatSchema = z.enum(['markdown', 'json']);
export const ExportSchema = z.object({ filename: z.string(), mimeType: z.string(), content: z.string() });
