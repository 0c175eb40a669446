import { createHash } from 'node:crypto';
import os from 'node:os';
import {
  InputLookupTokenPredictor,
  InsufficientMemoryError,
  LlamaGrammarEvaluationState,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type ControlledEvaluateInputItem,
  type GbnfJsonSchema,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type LlamaText,
  type Token,
} from 'node-llama-cpp';
import { AppError, type Confidence, type ModelInfo, type Sampler } from '../contract/index.js';
import { batchPlan } from './batching.js';
import { ConfidenceAccumulator, marginOfTopTwo } from './confidence.js';
import { acquireBackend, type GpuChoice } from './backend.js';
import { chooseContextSize, resolveContextSize } from './context-size.js';
import { fitHistory, replyReserve, type Turn } from './fit-history.js';
import { checkModelFile } from './gguf-check.js';
import { SequencePool } from './sequence-pool.js';
import { TextStream } from './text-stream.js';
import { threadCandidates, tuneThreads, type TuningResult } from './tuning.js';

export interface EngineOptions {
  modelPath: string;
  /** Exact thread count (already resolved from settings); ignored when `tune` is set. */
  threads: number;
  /** Tokens per llama.cpp batch; default 512 (or the tuned size). */
  batchSize?: number;
  /** 0 chooses the largest context that fits in free memory (up to 8,192). */
  contextSize: number;
  sequences: number;
  /** Default `cpu`. */
  gpu?: GpuChoice;
  /** Measure the thread count (and batch size) before creating the context; see tuning.ts. */
  tune?: boolean;
  /** A stored tuning this load follows; reported back in `info.tuning`. */
  tuning?: ModelInfo['tuning'];
  onProgress?: (fraction: number, phase?: 'loading' | 'tuning') => void;
  /** Free memory as the load check sees it; injectable so the refusal can be tested. */
  availableMemory?: () => number;
}

export interface GenerateRequest {
  conversationId: string;
  systemPrompt: string;
  /** Oldest first; the last one is the user message being answered. */
  turns: readonly Turn[];
  maxTokens: number;
  /** temperature 0 = greedy. */
  temperature: number;
  seed?: number;
  signal?: AbortSignal;
  /**
   * Constrain the reply to JSON matching this schema (the text is returned; the caller parses it).
   * Give every string a maxLength: an open string may never close, and only maxTokens ends it.
   */
  jsonSchema?: JsonSchema;
  /**
   * Prompt-lookup decoding: draft the next tokens from the prompt where the reply quotes it, and
   * verify them in one batch. Greedy output is the same as without it; only the speed differs.
   * With `jsonSchema` it applies to greedy decoding only (each kept token is checked against the grammar).
   */
  lookup?: boolean;
  /**
   * A one-off task (e.g. one step of a document map-reduce): when done, its sequence becomes the
   * first to reuse, so tasks do not push warm conversations out of the cache.
   */
  ephemeral?: boolean;
}

/** node-llama-cpp's JSON schema subset: plain data, so it crosses to the worker as is. */
export type JsonSchema = GbnfJsonSchema;

export type StopReason = 'eog' | 'stop-trigger' | 'max-tokens' | 'context-full' | 'aborted';

export interface PromptInfo {
  promptTokens: number;
  /** Prompt tokens actually evaluated; the rest were reused from the conversation's KV cache. */
  evaluatedPromptTokens: number;
  droppedMessages: number;
}

export interface GenerateResult extends PromptInfo {
  text: string;
  stopReason: StopReason;
  completionTokens: number;
  confidence: Confidence;
  sampler: Sampler;
  ttftMs: number | null;
  durationMs: number;
  tokensPerSecond: number | null;
  /** With `lookup`: drafted tokens the model confirmed (`validated`) or not (`refuted`). */
  lookup?: { validated: number; refuted: number };
}

export interface GenerateHooks {
  onPrompt?(info: PromptInfo): void;
  onText?(piece: string): void;
  /** Each sampled token's probability as it arrives (for early escalation decisions later). */
  onToken?(probability: number): void;
}

/**
 * A loaded model with a pool of context sequences, one KV cache per warm conversation.
 * Generation runs in one pass with per-token confidence: no second evaluation, no chat session.
 */
export class LocalEngine {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chatWrapper: ChatWrapper,
    private readonly pool: SequencePool<LlamaContextSequence>,
    readonly info: ModelInfo,
    /** Same for any two models that tokenize alike, so token counts can be cached by it. */
    readonly tokenizerId: string,
  ) {}

  static async load(opts: EngineOptions): Promise<LocalEngine> {
    const file = await checkModelFile(opts.modelPath);
    const { llama, note: backendNote } = await acquireBackend(opts.gpu ?? 'cpu');
    const onGpu = llama.gpu !== false;
    const free = (opts.availableMemory ?? os.freemem)();
    const estimate = (size: number) => estimateMemory(llama, file.info, size, opts.sequences);

    // On a GPU, node-llama-cpp fits the layers to free VRAM itself; the RAM check is for the CPU.
    const { size: contextSize, note } =
      opts.contextSize === 0 && !onGpu
        ? await chooseContextSize(file.trainContextSize, estimate, free)
        : resolveContextSize(opts.contextSize === 0 ? Math.min(8192, file.trainContextSize ?? 8192) : opts.contextSize, file.trainContextSize);
    if (!onGpu) {
      const needed = await estimate(contextSize);
      if (needed > free) {
        throw new AppError('MODEL_OUT_OF_MEMORY', {
          message: `This model needs about ${gib(needed)} of memory with a ${contextSize.toLocaleString('en-US')}-token context, but only ${gib(free)} is free. Close other apps, lower the context size, or pick a smaller model.`,
        });
      }
    }

    const loadShare = opts.tune ? 0.6 : 1;
    let gpuNote = backendNote;
    let model: LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath: file.path,
        gpuLayers: onGpu ? 'auto' : 0,
        onLoadProgress: (f) => opts.onProgress?.(f * loadShare, 'loading'),
      });
    } catch (err) {
      if (!onGpu) throw mapLoadError(err, file.architecture);
      // The GPU could not take it (too little VRAM, a driver fault): the CPU still can.
      gpuNote = `The GPU could not load this model (${String(err instanceof Error ? err.message : err).slice(0, 160)}), so it runs on the CPU.`;
      try {
        model = await llama.loadModel({ modelPath: file.path, gpuLayers: 0, onLoadProgress: (f) => opts.onProgress?.(f * loadShare, 'loading') });
      } catch (err2) {
        throw mapLoadError(err2, file.architecture);
      }
    }

    let tuning: ModelInfo['tuning'] = opts.tuning ?? null;
    let threads = opts.tuning?.threads ?? opts.threads;
    let batchSize = opts.tuning?.batchSize ?? opts.batchSize ?? 512;
    if (opts.tune) {
      try {
        const result: TuningResult = await tuneThreads(model, {
          candidates: threadCandidates(os.availableParallelism()),
          onProgress: (f) => opts.onProgress?.(loadShare + f * (1 - loadShare), 'tuning'),
        });
        tuning = { ...result, tunedAt: Date.now() };
        threads = result.threads;
        batchSize = result.batchSize;
      } catch (err) {
        await model.dispose();
        throw mapLoadError(err, file.architecture);
      }
    }

    let context: LlamaContext;
    try {
      context = await model.createContext({
        contextSize,
        sequences: opts.sequences,
        threads,
        batchSize: Math.min(batchSize, contextSize),
        batching: { itemPrioritizationStrategy: batchPlan },
      });
    } catch (err) {
      await model.dispose();
      throw mapLoadError(err, file.architecture);
    }
    // Resolving the wrapper reads the Jinja template; doing it per reply cost ~0.4 s each time.
    const chatWrapper = resolveChatWrapper(model);
    const sequences = Array.from({ length: opts.sequences }, () => context.getSequence());
    const layers = model.fileInsights.totalLayers;
    const info: ModelInfo = {
      path: file.path,
      name: file.name,
      architecture: file.architecture,
      sizeBytes: file.sizeBytes,
      trainContextSize: file.trainContextSize ?? contextSize,
      contextSize: context.contextSize,
      contextNote: note,
      threads,
      batchSize: context.batchSize,
      sequences: opts.sequences,
      chatTemplate: chatWrapper.wrapperName,
      backend: onGpu && model.gpuLayers > 0 ? `${String(llama.gpu).toUpperCase()} · ${model.gpuLayers} of ${layers} layers on the GPU` : 'CPU',
      gpuLayers: model.gpuLayers,
      gpuNote,
      tuning,
    };
    return new LocalEngine(llama, model, context, chatWrapper, new SequencePool(sequences), info, tokenizerIdOf(model));
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }

  /** Which conversation each sequence holds (for tests and diagnostics). */
  sequenceOwners(): (string | null)[] {
    return this.pool.owners();
  }

  forgetConversation(conversationId: string): void {
    this.pool.forget(conversationId);
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  /** The tokens of a whole prompt as the model will read it: system prompt, turns and chat template. */
  countPrompt(systemPrompt: string, turns: readonly Turn[]): number {
    return this.renderPrompt(systemPrompt, turns).tokens.length;
  }

  countTokensMany(texts: readonly string[]): number[] {
    return texts.map((t) => this.model.tokenize(t).length);
  }

  /**
   * Throws PROMPT_TOO_LONG when even the newest message alone (with the system prompt and the chat
   * template) cannot fit, so a caller can refuse before saving anything.
   */
  assertFits(systemPrompt: string, lastTurn: Turn, maxTokens: number): void {
    const contextSize = this.context.contextSize;
    fitHistory(
      [lastTurn],
      (turns) => this.renderPrompt(systemPrompt, turns).tokens.length,
      contextSize - replyReserve(contextSize, maxTokens),
    );
  }

  async generate(req: GenerateRequest, hooks: GenerateHooks = {}): Promise<GenerateResult> {
    const started = performance.now();
    let lease;
    try {
      lease = await this.pool.acquire(req.conversationId, req.signal);
    } catch (err) {
      // Stopped while waiting for a free sequence: an empty, stopped reply rather than an error.
      if (req.signal?.aborted) return abortedBeforeStart(started);
      throw err;
    }
    try {
      const grammar = req.jsonSchema !== undefined ? await this.grammarFor(req.jsonSchema) : undefined;
      return await this.generateOn(lease.sequence, req, hooks, started, grammar);
    } finally {
      lease.release({ forget: req.ephemeral === true });
    }
  }

  private grammarFor(schema: JsonSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.llama.createGrammarForJsonSchema<JsonSchema>(schema).catch((err: unknown) => {
        this.grammars.delete(key);
        throw new AppError('BAD_REQUEST', { message: 'The JSON schema for this task is not supported.', detail: String(err), cause: err });
      });
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  private renderPrompt(systemPrompt: string, turns: readonly Turn[]) {
    const chatHistory: ChatHistoryItem[] = [];
    if (systemPrompt.trim() !== '') chatHistory.push({ type: 'system', text: systemPrompt });
    for (const t of turns) {
      chatHistory.push(t.role === 'user' ? { type: 'user', text: t.content } : { type: 'model', response: [t.content] });
    }
    chatHistory.push({ type: 'model', response: [] });
    const state = this.chatWrapper.generateContextState({ chatHistory });
    return { tokens: state.contextText.tokenize(this.model.tokenizer), triggers: state.stopGenerationTriggers };
  }

  private async generateOn(
    sequence: LlamaContextSequence,
    req: GenerateRequest,
    hooks: GenerateHooks,
    started: number,
    grammar: LlamaGrammar | undefined,
  ): Promise<GenerateResult> {
    const contextSize = this.context.contextSize;
    const fitted = fitHistory(
      req.turns,
      (turns) => this.renderPrompt(req.systemPrompt, turns).tokens.length,
      contextSize - replyReserve(contextSize, req.maxTokens),
    );
    const { tokens, triggers } = this.renderPrompt(req.systemPrompt, fitted.turns);

    // Reuse the cached prefix; at least the last prompt token must be evaluated to get logits.
    await sequence.adaptStateToTokens(tokens, false);
    if (sequence.nextTokenIndex >= tokens.length) await sequence.adaptStateToTokens(tokens.slice(0, -1), false);
    let toEvaluate = tokens.slice(sequence.nextTokenIndex);
    const prompt: PromptInfo = {
      promptTokens: tokens.length,
      evaluatedPromptTokens: toEvaluate.length,
      droppedMessages: fitted.dropped,
    };
    hooks.onPrompt?.(prompt);

    // A long prompt is read in chunks so Stop (or a closed window) takes effect between them
    // instead of after the whole prompt; the last chunk goes with the first generated token.
    while (toEvaluate.length > PREFILL_CHUNK && !req.signal?.aborted) {
      await sequence.evaluateWithoutGeneratingNewTokens(toEvaluate.slice(0, PREFILL_CHUNK));
      toEvaluate = toEvaluate.slice(PREFILL_CHUNK);
    }

    const sampler: Sampler =
      req.temperature > 0
        ? { temperature: req.temperature, topK: 0, topP: 1, seed: req.seed ?? randomSeed() }
        : { temperature: 0, topK: 0, topP: 1, seed: null };
    // topK 0 and topP 1 keep the whole vocabulary, so a token's confidence is over all of it.
    // With a grammar, a token the grammar allows is sampled as usual (its confidence still over
    // the whole vocabulary); when the best token is not allowed, llama.cpp masks the disallowed
    // ones first, and the confidence is then among the allowed tokens. Each sampled token
    // advances the grammar state natively, in both decode loops below.
    const evalOptions = {
      temperature: sampler.temperature,
      topK: 0,
      topP: 1,
      minP: 0,
      ...(sampler.seed !== null ? { seed: sampler.seed } : {}),
      ...(grammar ? { grammarEvaluationState: new LlamaGrammarEvaluationState({ model: this.model, grammar }) } : {}),
    };
    // With a schema, lookup checks each token against the grammar itself (decodeWithLookup).
    // Only greedy decoding may do that: there the grammar's choice is the model's own best
    // token whenever the grammar allows it.
    const lookup = req.lookup === true && (grammar === undefined || sampler.temperature === 0);
    const lookupStats = { validated: 0, refuted: 0 };

    const { tokenTriggers, textTriggers } = splitTriggers(triggers, this.model);
    const text = new TextStream(
      (toks, last) => this.model.detokenize(toks as Token[], false, last as Token[]),
      textTriggers,
    );
    const conf = new ConfidenceAccumulator();
    let completionTokens = 0;
    let firstTokenAt: number | null = null;
    let stopReason: StopReason = 'eog';
    const emit = (piece: string) => {
      if (piece !== '') hooks.onText?.(piece);
    };

    /**
     * Handles one sampled token; returns a reason to stop, or null to go on. `evaluated` is how
     * many tokens the context holds before this one (lookup has evaluated drafts beyond it).
     */
    const onToken = (token: Token, probability: number, evaluated = sequence.nextTokenIndex): StopReason | null => {
      firstTokenAt ??= performance.now();
      if (this.model.isEogToken(token) || tokenTriggers.has(token)) return 'eog';
      conf.add(probability);
      hooks.onToken?.(probability);
      completionTokens++;
      const { piece, stop } = text.push(token);
      emit(piece);
      if (stop) return 'stop-trigger';
      if (completionTokens >= req.maxTokens) return 'max-tokens';
      // The sampled token is evaluated on the next step; stop before the context would overflow,
      // rather than let node-llama-cpp shift out the start of the conversation.
      if (evaluated + 1 >= contextSize) return 'context-full';
      if (req.signal?.aborted) return 'aborted';
      return null;
    };

    try {
      if (req.signal?.aborted) {
        stopReason = 'aborted';
      } else {
        // Step 1: the first token, with the full distribution for margin1 (one costly step only).
        let next: Token | null = null;
        for await (const out of sequence.evaluateWithMetadata(toEvaluate, { confidence: true, probabilities: true }, evalOptions)) {
          conf.margin1 = marginOfTopTwo(out.probabilities);
          const reason = onToken(out.token, out.confidence);
          if (reason) stopReason = reason;
          else next = out.token;
          break;
        }
        // Step 2..n: confidence only, which costs a sort of the candidates instead of a full map.
        if (next !== null && lookup) {
          stopReason = await this.decodeWithLookup(sequence, tokens, next, evalOptions, onToken, lookupStats, grammarGate(this.llama, evalOptions.grammarEvaluationState));
        } else if (next !== null) {
          for await (const out of sequence.evaluateWithMetadata([next], { confidence: true }, evalOptions)) {
            const reason = onToken(out.token, out.confidence);
            if (reason) {
              stopReason = reason;
              break;
            }
          }
        }
      }
    } catch (err) {
      if (req.signal?.aborted) stopReason = 'aborted';
      else throw new AppError('GENERATION_FAILED', { detail: String(err), cause: err });
    }
    if (stopReason !== 'stop-trigger') emit(text.flush());

    const ended = performance.now();
    const decodeMs = firstTokenAt !== null ? ended - firstTokenAt : 0;
    return {
      ...prompt,
      text: text.fullText,
      stopReason,
      completionTokens,
      confidence: conf.summary(),
      sampler,
      ttftMs: firstTokenAt !== null ? firstTokenAt - started : null,
      durationMs: ended - started,
      // The first token's time is prompt processing; decode speed counts the tokens after it.
      tokensPerSecond: completionTokens > 1 && decodeMs > 0 ? ((completionTokens - 1) * 1000) / decodeMs : null,
      ...(lookup ? { lookup: lookupStats } : {}),
    };
  }

  /**
   * Prompt-lookup decoding. node-llama-cpp 3.21.1's own speculative loop (a sequence created with
   * a `tokenPredictor`) validates at most one draft token per step (its `validatedTokens` list is
   * never filled, so every later draft counts as refuted), and on a CPU a 2-token batch costs about
   * as much as 3 single steps: it made decoding slower. So the drafts come from an
   * InputLookupTokenPredictor used only as a matcher, and each step evaluates the pending token
   * plus the drafts in one `controlledEvaluate` batch, sampling after every position: the drafts
   * that match what was sampled are kept, the rest are erased from the KV cache. A kept draft is
   * exactly the token that would have been sampled, so greedy output is unchanged.
   */
  private async decodeWithLookup(
    sequence: LlamaContextSequence,
    promptTokens: Token[],
    first: Token,
    evalOptions: { temperature: number; topK: number; topP: number; minP: number; seed?: number; grammarEvaluationState?: LlamaGrammarEvaluationState },
    onToken: (token: Token, probability: number, evaluated: number) => StopReason | null,
    stats: { validated: number; refuted: number },
    gate: GrammarGate | null,
  ): Promise<StopReason> {
    const { grammarEvaluationState: _grammar, ...freeOptions } = evalOptions;
    const contextSize = this.context.contextSize;
    const matcher = new InputLookupTokenPredictor({ patternLength: { min: LOOKUP_MIN_MATCH }, predictionLength: { max: LOOKUP_DRAFT_TOKENS } });
    matcher.updateInputTokens(promptTokens);
    matcher.reset({ stateTokens: [...sequence.contextTokens, first] });
    let pending = first;
    for (let step = 0; ; step++) {
      const room = contextSize - sequence.nextTokenIndex - 2;
      const drafts = room > 0 ? matcher.predictTokens().slice(0, room) : [];
      // controlledEvaluate makes a new sampler per call: vary the seed so sampling does not
      // replay the same random numbers every step.
      const options = freeOptions.seed !== undefined ? { ...freeOptions, seed: freeOptions.seed + step } : freeOptions;
      const evalTokens = [pending, ...drafts];
      const input: ControlledEvaluateInputItem[] = evalTokens.map((token) => [
        token,
        { generateNext: { token: true, confidence: true, options } },
      ]);
      const base = sequence.nextTokenIndex;
      const out = await sequence.controlledEvaluate(input);
      const sampled: { token: Token; confidence: number }[] = [];
      let constrainedAt: number | null = null;
      for (let i = 0; i <= drafts.length; i++) {
        const next = out[i]?.next;
        if (next?.token == null) throw new Error('Failed to sample next token');
        if (gate && !gate.allows(next.token)) {
          constrainedAt = i;
          break;
        }
        gate?.accept(next.token);
        sampled.push({ token: next.token, confidence: next.confidence ?? 0 });
        if (i === drafts.length || drafts[i] !== next.token) break;
      }
      const kept = constrainedAt ?? sampled.length - 1;
      stats.validated += kept;
      stats.refuted += drafts.length - kept;
      if (constrainedAt !== null) {
        // The model's best token here breaks the grammar, so the grammar must choose: the input
        // token at this position is read again with the grammar applied (one extra step, only
        // where the schema overrules the model — its punctuation and keys, rarely a value).
        await sequence.eraseContextTokenRanges([{ start: base + constrainedAt, end: base + 1 + drafts.length }]);
        for await (const o of sequence.evaluateWithMetadata([evalTokens[constrainedAt]!], { confidence: true }, evalOptions)) {
          sampled.push({ token: o.token, confidence: o.confidence });
          break;
        }
        if (sampled.length === constrainedAt) {
          // Nothing came back: the grammar allowed only the end of generation (the JSON is
          // complete), which evaluateWithMetadata ends on without yielding it.
          for (let i = 0; i < sampled.length; i++) {
            const reason = onToken(sampled[i]!.token, sampled[i]!.confidence, base + 1 + i);
            if (reason) return reason;
          }
          return 'eog';
        }
      } else if (kept < drafts.length) {
        await sequence.eraseContextTokenRanges([{ start: base + 1 + kept, end: base + 1 + drafts.length }]);
      }
      for (let i = 0; i < sampled.length; i++) {
        const reason = onToken(sampled[i]!.token, sampled[i]!.confidence, base + 1 + i);
        if (reason) return reason;
      }
      matcher.pushTokens(sampled.map((x) => x.token));
      pending = sampled[sampled.length - 1]!.token;
    }
  }
}

/** Asks and advances a grammar evaluation state one token at a time. */
interface GrammarGate {
  allows(token: Token): boolean;
  accept(token: Token): void;
}

/**
 * node-llama-cpp 3.21.1 checks drafts against a grammar only inside its own speculative loop
 * (LlamaSampler._canBeNextTokenForGrammarEvaluationState, internal): this reaches the same two
 * native calls, which is why the version is pinned exactly.
 */
function grammarGate(llama: Llama, state: LlamaGrammarEvaluationState | undefined): GrammarGate | null {
  if (!state) return null;
  const native = (llama as unknown as { _bindings: { AddonSampler: NativeGrammarSampler } })._bindings.AddonSampler;
  const handle = (state as unknown as { _state: unknown })._state;
  return {
    allows: (token) => native.canBeNextTokenForGrammarEvaluationState(handle, token),
    accept: (token) => native.acceptGrammarEvaluationStateToken(handle, token),
  };
}

interface NativeGrammarSampler {
  canBeNextTokenForGrammarEvaluationState(state: unknown, token: Token): boolean;
  acceptGrammarEvaluationStateToken(state: unknown, token: Token): void;
}

/**
 * Draft tokens per lookup step. On a CPU any batch over one token costs about 2.3 single steps
 * (llama.cpp's batched matmul path), then little per extra token, so only long drafts pay: at
 * 1 thread on the Qwen-shaped model 7 gave 1.38× and 15 gave 1.56× on a fully quoted answer.
 */
const LOOKUP_DRAFT_TOKENS = 15;
/** A one-token match drafts on every common word; two tokens mean the reply is likely quoting. */
const LOOKUP_MIN_MATCH = 2;

/** Text in several scripts, so vocabularies that share the common words but differ elsewhere still differ. */
const TOKENIZER_PROBE =
  'Hello, world! The quick brown fox jumps over 13 lazy dogs.\n\tÉté déjà vu — naïve café. Grüße aus Köln. Привет, мир! 你好，世界。こんにちは。안녕하세요. مرحبا بالعالم. 🙂👍 {"key": [1, 2.5e-3]}';

/**
 * A stable identity of the tokenizer: the vocabulary's size, type and special tokens, how it
 * tokenizes a fixed multilingual probe, and its token list when the file has one. The weights
 * play no part, so fine-tunes of one base model share it.
 */
function tokenizerIdOf(model: LlamaModel): string {
  const h = createHash('sha256');
  const tokens = model.fileInfo.metadata?.tokenizer?.ggml?.tokens;
  h.update(JSON.stringify({
    type: model.vocabularyType,
    size: tokens?.length ?? null,
    bos: model.tokens.bos,
    eos: model.tokens.eos,
    eot: model.tokens.eot,
    probe: model.tokenize(TOKENIZER_PROBE),
  }));
  if (tokens) for (const t of tokens) h.update(t + '\u0000');
  return h.digest('hex').slice(0, 32);
}

/** Tokens per prompt chunk: one llama.cpp batch, small enough that Stop feels immediate. */
const PREFILL_CHUNK = 256;

function abortedBeforeStart(started: number): GenerateResult {
  return {
    promptTokens: 0,
    evaluatedPromptTokens: 0,
    droppedMessages: 0,
    text: '',
    stopReason: 'aborted',
    completionTokens: 0,
    confidence: { minP: null, p10: null, meanLogp: null, margin1: null, tokenCount: 0 },
    sampler: { temperature: 0, topK: 0, topP: 1, seed: null },
    ttftMs: null,
    durationMs: performance.now() - started,
    tokensPerSecond: null,
  };
}

function splitTriggers(triggers: readonly LlamaText[], model: LlamaModel) {
  const tokenTriggers = new Set<Token>();
  const textTriggers: string[] = [];
  for (const t of triggers) {
    if (t.values.every((v) => typeof v === 'string')) {
      const s = t.values.join('');
      if (s !== '') textTriggers.push(s);
    } else {
      const toks = t.tokenize(model.tokenizer);
      if (toks.length === 1 && toks[0] !== undefined) tokenTriggers.add(toks[0]);
    }
  }
  return { tokenTriggers, textTriggers };
}

async function estimateMemory(
  llama: Llama,
  info: Awaited<ReturnType<typeof checkModelFile>>['info'],
  contextSize: number,
  sequences: number,
): Promise<number> {
  try {
    const { GgufInsights } = await import('node-llama-cpp');
    const insights = await GgufInsights.from(info, llama);
    const modelReq = insights.estimateModelResourceRequirements({ gpuLayers: 0 });
    const ctxReq = insights.estimateContextResourceRequirements({ contextSize, modelGpuLayers: 0, sequences });
    return modelReq.cpuRam + ctxReq.cpuRam;
  } catch {
    // Estimation is advisory; llama.cpp's own allocation failure is still mapped below.
    return 0;
  }
}

function mapLoadError(err: unknown, architecture: string): AppError {
  const msg = String(err instanceof Error ? err.message : err);
  if (err instanceof InsufficientMemoryError || /memory|alloc/i.test(msg)) {
    return new AppError('MODEL_OUT_OF_MEMORY', { detail: msg, cause: err });
  }
  if (/architecture/i.test(msg)) {
    return new AppError('MODEL_UNSUPPORTED_ARCH', {
      message: `The "${architecture}" architecture is not supported by this version of llama.cpp.`,
      detail: msg,
      cause: err,
    });
  }
  return new AppError('MODEL_LOAD_FAILED', {
    message: 'llama.cpp could not load this model. The file may be damaged or use a format this version does not support.',
    detail: msg,
    cause: err,
  });
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
