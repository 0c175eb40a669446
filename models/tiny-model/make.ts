import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  buildGgufHeader,
  GgmlType,
  gguf,
  GgufFileType,
  writeGguf,
  type GgufFile,
  type GgufMetadataValue,
  type GgufTensor,
  type SparseRow,
} from './gguf-writer.js';
import { buildVocab, CHATML_TEMPLATE, pieceText, spmTokenize, type Vocab } from './vocab.js';

/**
 * Deterministic "bigram" llama models. Every attention and feed-forward weight is zero and every
 * norm is one, so the residual stream is the token embedding and the logits depend on the current
 * token only. Each token that appears in the scripted reply has its own embedding slot (a unit
 * vector); all other tokens share slot 0. `output.weight` then holds, per slot, the logits of the
 * next token: a script of exactly which token follows which, with chosen probabilities.
 */

/** Bump when the generated files change, so cached copies are regenerated. */
export const TINY_MODEL_VERSION = 1;

export type TinyModelVariant = 'confident' | 'low-confidence' | 'big-vocab' | 'never-stopping' | 'qwen-shaped' | 'qwen-shaped-doubtful';
export const TINY_MODEL_VARIANTS: readonly TinyModelVariant[] = ['confident', 'low-confidence', 'big-vocab', 'never-stopping', 'qwen-shaped', 'qwen-shaped-doubtful'];

export interface TinyModelOptions {
  variant: TinyModelVariant;
  /** `llama.context_length`; default 2048, or 32768 for qwen-shaped. */
  contextLength?: number;
  /** Where to write the file; default `<os.tmpdir()>/modest-tiny-<variant>.gguf`. */
  out?: string;
}

export interface TinyModelFork {
  /** Index in the reply's tokens where the two continuations differ. */
  tokenIndex: number;
  /** The greedy continuation (token text, a leading space included). */
  chosen: string;
  alternative: string;
  /** Designed probabilities over the whole vocabulary at that step. */
  pChosen: number;
  pAlternative: number;
}

export interface TinyModel {
  path: string;
  variant: TinyModelVariant;
  /**
   * The exact greedy reply. For a never-stopping model: its first `replyTokenCount` tokens, after
   * which `loopText` repeats forever.
   */
  expectedReply: string;
  /** Tokens of `expectedReply`, end of generation not counted. */
  replyTokenCount: number;
  /** The reply's token pieces, in order (`▁` shown as a space). */
  replyPieces: string[];
  /** Whether the greedy reply ends with an end-of-generation token (`<|im_end|>`). */
  stops: boolean;
  /** never-stopping only: what follows `expectedReply`, over and over. */
  loopText?: string;
  /** Designed probability of each greedily chosen token except at the fork. */
  tokenProbability: number;
  /** confident and big-vocab: where sampling can take another branch. */
  fork?: TinyModelFork;
  /** The full reply when the fork's alternative is taken (the rest is greedy again). */
  alternativeReply?: string;
  /** The last token of every ChatML generation prompt (`<|im_start|>assistant\n`). */
  promptEndToken: string;
  vocabSize: number;
  embeddingLength: number;
  blockCount: number;
  contextLength: number;
  sizeBytes: number;
}

interface Shape {
  embd: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ff: number;
  vocabSize?: number;
  rmsEps: number;
  ropeBase: number;
  types: { embd: GgmlType; output: GgmlType; layers: GgmlType };
  fileType: number;
}

const SMALL: Shape = {
  embd: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ff: 128,
  rmsEps: 1e-5,
  ropeBase: 10000,
  types: { embd: GgmlType.F16, output: GgmlType.F32, layers: GgmlType.F16 },
  fileType: GgufFileType.MOSTLY_F16,
};

/** Qwen2.5-0.5B's shape, as a plain llama (no biases, untied output). */
const QWEN_SHAPE: Shape = {
  embd: 896,
  layers: 24,
  heads: 14,
  kvHeads: 2,
  ff: 4864,
  vocabSize: 151_936,
  rmsEps: 1e-6,
  ropeBase: 1_000_000,
  types: { embd: GgmlType.Q8_0, output: GgmlType.Q8_0, layers: GgmlType.Q8_0 },
  fileType: GgufFileType.MOSTLY_Q8_0,
};

const SHAPES: Record<TinyModelVariant, Shape> = {
  confident: SMALL,
  'low-confidence': SMALL,
  'never-stopping': SMALL,
  'big-vocab': { ...SMALL, vocabSize: 150_000, types: { embd: GgmlType.Q8_0, output: GgmlType.F16, layers: GgmlType.F16 } },
  'qwen-shaped': QWEN_SHAPE,
  // The same, counting forever with every token barely ahead of the rest (p ≈ 5e-5): the
  // benchmark's escalation case at realistic speed.
  'qwen-shaped-doubtful': QWEN_SHAPE,
};


/** Logit of a scripted token; everything unscripted stays at 0. */
const CONFIDENT_LOGIT = 20;
/** Barely above the flat rest: greedy still picks it, but with a tiny probability. */
const LOW_LOGIT = 2;
/** The fork's 0.6 / 0.4 split. */
const FORK_GAP = Math.log(0.6 / 0.4);

const REPLY = 'Hello! I am a tiny test model running locally.';
const FORK_AFTER_WORD = 'a'; // "... am a" -> " tiny" (0.6) or " small" (0.4)
const FORK_ALTERNATIVE = 'small';
const COUNTING = 'One two three four five six seven eight nine ten';
const LOOP_TEXT = ' one two three four five six seven eight nine ten';

interface Script {
  vocab: Vocab;
  /** next-token logits per current token; tokens not listed use `fallback` */
  next: Map<number, { to: number; logit: number }[]>;
  fallback: { to: number; logit: number }[];
  info: Omit<TinyModel, 'path' | 'sizeBytes' | 'contextLength' | 'variant'>;
}

/** Tokens of a reply as node-llama-cpp tokenizes a model response (after `assistant\n`). */
function replyTokens(vocab: Vocab, text: string): number[] {
  // node-llama-cpp tokenizes a text segment that follows special tokens as "\n" + text and drops
  // the tokens of "\n"; llama.cpp adds the SPM space prefix after special tokens.
  const nl = spmTokenize(vocab, '\n', { addSpacePrefix: true });
  const all = spmTokenize(vocab, '\n' + text, { addSpacePrefix: true });
  if (!nl.every((t, i) => all[i] === t)) throw new Error('unexpected tokenization of the reply');
  return all.slice(nl.length);
}

function softmaxP(chosen: number, others: number[], restCount: number): number {
  const m = Math.max(chosen, ...others, 0);
  const z = Math.exp(chosen - m) + others.reduce((a, l) => a + Math.exp(l - m), 0) + restCount * Math.exp(-m);
  return Math.exp(chosen - m) / z;
}

function buildScript(variant: TinyModelVariant): Script {
  const shape = SHAPES[variant];
  const vocab = buildVocab({ words: [FORK_ALTERNATIVE], padTo: shape.vocabSize });
  const V = vocab.tokens.length;
  const eog = vocab.imEndId;
  const next = new Map<number, { to: number; logit: number }[]>();
  const text = (ids: number[]) => ids.map((id) => pieceText(vocab, id)).join('');
  const promptEnd = spmTokenize(vocab, 'assistant\n', { addSpacePrefix: true }).at(-1)!;
  const assertDistinct = (ids: number[]) => {
    if (new Set(ids).size !== ids.length) throw new Error(`scripted tokens must be distinct: ${ids.map((i) => vocab.tokens[i]).join(' ')}`);
  };

  if (variant === 'never-stopping' || variant === 'qwen-shaped' || variant === 'qwen-shaped-doubtful') {
    const loopLogit = variant === 'qwen-shaped-doubtful' ? LOW_LOGIT : CONFIDENT_LOGIT;
    const head = replyTokens(vocab, COUNTING);
    const loopFirst = vocab.ids.get('\u2581one');
    if (loopFirst === undefined) throw new Error('no ▁one piece');
    assertDistinct([...head, loopFirst]);
    const chain = [...head, loopFirst, head[1]!];
    for (let i = 0; i + 1 < chain.length; i++) next.set(chain[i]!, [{ to: chain[i + 1]!, logit: loopLogit }]);
    const p = softmaxP(loopLogit, [], V - 1);
    if (text([loopFirst, ...head.slice(1)]) !== LOOP_TEXT) throw new Error('loop text mismatch');
    return {
      vocab,
      next,
      fallback: [{ to: head[0]!, logit: loopLogit }],
      info: {
        expectedReply: text(head),
        replyTokenCount: head.length,
        replyPieces: head.map((id) => pieceText(vocab, id)),
        stops: false,
        loopText: LOOP_TEXT,
        tokenProbability: p,
        promptEndToken: vocab.tokens[promptEnd]!,
        vocabSize: V,
        embeddingLength: shape.embd,
        blockCount: shape.layers,
      },
    };
  }

  const reply = replyTokens(vocab, REPLY);
  if (text(reply) !== REPLY) throw new Error(`reply does not round-trip: ${text(reply)}`);
  const logit = variant === 'low-confidence' ? LOW_LOGIT : CONFIDENT_LOGIT;
  const withFork = variant !== 'low-confidence';
  const forkFrom = reply.indexOf(vocab.ids.get('\u2581' + FORK_AFTER_WORD)!);
  const alt = vocab.ids.get('\u2581' + FORK_ALTERNATIVE)!;
  assertDistinct(withFork ? [...reply, alt] : reply);
  const chain = [...reply, eog];
  for (let i = 0; i + 1 < chain.length; i++) next.set(chain[i]!, [{ to: chain[i + 1]!, logit }]);
  let fork: TinyModelFork | undefined;
  let alternativeReply: string | undefined;
  if (withFork) {
    if (forkFrom < 0) throw new Error('fork word not in reply');
    const chosen = reply[forkFrom + 1]!;
    next.set(reply[forkFrom]!, [
      { to: chosen, logit },
      { to: alt, logit: logit - FORK_GAP },
    ]);
    next.set(alt, [{ to: reply[forkFrom + 2]!, logit }]);
    fork = {
      tokenIndex: forkFrom + 1,
      chosen: pieceText(vocab, chosen),
      alternative: pieceText(vocab, alt),
      pChosen: softmaxP(logit, [logit - FORK_GAP], V - 2),
      pAlternative: softmaxP(logit - FORK_GAP, [logit], V - 2),
    };
    const altIds = [...reply];
    altIds[forkFrom + 1] = alt;
    alternativeReply = text(altIds);
  }
  return {
    vocab,
    next,
    fallback: [{ to: reply[0]!, logit }],
    info: {
      expectedReply: REPLY,
      replyTokenCount: reply.length,
      replyPieces: reply.map((id) => pieceText(vocab, id)),
      stops: true,
      tokenProbability: softmaxP(logit, [], V - 1),
      ...(fork ? { fork, alternativeReply } : {}),
      promptEndToken: vocab.tokens[promptEnd]!,
      vocabSize: V,
      embeddingLength: shape.embd,
      blockCount: shape.layers,
    },
  };
}

/** Metadata and tensors of a variant's GGUF file, and what the model will say. */
export function planTinyModel(opts: Omit<TinyModelOptions, 'out'>): { file: GgufFile; info: Omit<TinyModel, 'path' | 'sizeBytes'> } {
  const { variant } = opts;
  const shape = SHAPES[variant];
  if (!shape) throw new Error(`unknown tiny model variant "${String(variant)}"`);
  const contextLength = opts.contextLength ?? (variant.startsWith('qwen-shaped') ? 32768 : 2048);
  const script = buildScript(variant);
  const { vocab } = script;
  const V = vocab.tokens.length;
  const d = shape.embd;

  // Slots: 0 for every unscripted token, then one per scripted token.
  const slot = new Map<number, number>();
  for (const [from, outs] of script.next) {
    if (!slot.has(from)) slot.set(from, slot.size + 1);
    for (const o of outs) if (!slot.has(o.to) && script.next.has(o.to)) slot.set(o.to, slot.size + 1);
  }
  if (slot.size + 1 > d) throw new Error(`${slot.size + 1} slots do not fit an embedding of ${d}`);

  // RMSNorm maps the unit vector e_s to e_s / sqrt(1/d + eps); scale the output rows to undo it.
  const scale = Math.sqrt(1 / d + shape.rmsEps);
  const outRows = new Map<number, [number, number][]>();
  const addLogit = (fromSlot: number, to: number, logit: number) => {
    const row = outRows.get(to) ?? [];
    row.push([fromSlot, logit * scale]);
    outRows.set(to, row);
  };
  for (const o of script.fallback) addLogit(0, o.to, o.logit);
  for (const [from, outs] of script.next) for (const o of outs) addLogit(slot.get(from)!, o.to, o.logit);

  const embdRows: SparseRow[] = [[[0, 1]]];
  const embdRow = (t: number): SparseRow => {
    const s = slot.get(t) ?? 0;
    return (embdRows[s] ??= [[s, 1]]);
  };

  const headDim = d / shape.heads;
  const kvDim = headDim * shape.kvHeads;
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [d, V], type: shape.types.embd, data: { kind: 'sparse', row: embdRow } },
    { name: 'output_norm.weight', dims: [d], type: GgmlType.F32, data: { kind: 'fill', value: 1 } },
    { name: 'output.weight', dims: [d, V], type: shape.types.output, data: { kind: 'sparse', row: (t) => outRows.get(t) } },
  ];
  const lt = shape.types.layers;
  for (let i = 0; i < shape.layers; i++) {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [d], type: GgmlType.F32, data: { kind: 'fill', value: 1 } },
      { name: `${b}.attn_q.weight`, dims: [d, d], type: lt, data: { kind: 'zeros' } },
      { name: `${b}.attn_k.weight`, dims: [d, kvDim], type: lt, data: { kind: 'zeros' } },
      { name: `${b}.attn_v.weight`, dims: [d, kvDim], type: lt, data: { kind: 'zeros' } },
      { name: `${b}.attn_output.weight`, dims: [d, d], type: lt, data: { kind: 'zeros' } },
      { name: `${b}.ffn_norm.weight`, dims: [d], type: GgmlType.F32, data: { kind: 'fill', value: 1 } },
      { name: `${b}.ffn_gate.weight`, dims: [d, shape.ff], type: lt, data: { kind: 'zeros' } },
      { name: `${b}.ffn_up.weight`, dims: [d, shape.ff], type: lt, data: { kind: 'zeros' } },
      { name: `${b}.ffn_down.weight`, dims: [shape.ff, d], type: lt, data: { kind: 'zeros' } },
    );
  }

  const metadata: [string, GgufMetadataValue][] = [
    ['general.architecture', gguf.str('llama')],
    ['general.type', gguf.str('model')],
    ['general.name', gguf.str(`Modest Tiny ${variant}`)],
    ['general.description', gguf.str('A generated test model with scripted bigram weights (Modest tiny-model maker).')],
    ['general.file_type', gguf.u32(shape.fileType)],
    ['general.quantization_version', gguf.u32(2)],
    ['llama.vocab_size', gguf.u32(V)],
    ['llama.context_length', gguf.u32(contextLength)],
    ['llama.embedding_length', gguf.u32(d)],
    ['llama.block_count', gguf.u32(shape.layers)],
    ['llama.feed_forward_length', gguf.u32(shape.ff)],
    ['llama.attention.head_count', gguf.u32(shape.heads)],
    ['llama.attention.head_count_kv', gguf.u32(shape.kvHeads)],
    ['llama.rope.dimension_count', gguf.u32(headDim)],
    ['llama.rope.freq_base', gguf.f32(shape.ropeBase)],
    ['llama.attention.layer_norm_rms_epsilon', gguf.f32(shape.rmsEps)],
    ['tokenizer.ggml.model', gguf.str('llama')],
    ['tokenizer.ggml.tokens', gguf.strs(vocab.tokens)],
    ['tokenizer.ggml.scores', gguf.f32s(vocab.scores)],
    ['tokenizer.ggml.token_type', gguf.i32s(vocab.types)],
    ['tokenizer.ggml.bos_token_id', gguf.u32(vocab.bosId)],
    ['tokenizer.ggml.eos_token_id', gguf.u32(vocab.imEndId)],
    ['tokenizer.ggml.unknown_token_id', gguf.u32(vocab.unkId)],
    ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
    ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
    ['tokenizer.chat_template', gguf.str(CHATML_TEMPLATE)],
  ];

  return { file: { metadata, tensors }, info: { ...script.info, variant, contextLength } };
}

/** What a variant says, without writing anything (for callers that cache the file). */
export function describeTinyModel(opts: Omit<TinyModelOptions, 'out'>): Omit<TinyModel, 'path' | 'sizeBytes'> {
  return planTinyModel(opts).info;
}

export async function makeTinyModel(opts: TinyModelOptions): Promise<TinyModel> {
  const { file, info } = planTinyModel(opts);
  const out = path.resolve(opts.out ?? path.join(os.tmpdir(), `modest-tiny-${opts.variant}.gguf`));
  await fs.mkdir(path.dirname(out), { recursive: true });
  const written = await writeGguf(out, file);
  return { path: out, ...info, sizeBytes: written.sizeBytes };
}

export type BadModelKind = 'not-gguf' | 'truncated' | 'unsupported-arch' | 'empty';

/** Writes a deliberately broken model file into `dir` and returns its path. */
export async function makeBadModel(kind: BadModelKind, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const out = path.join(dir, `bad-${kind}.gguf`);
  switch (kind) {
    case 'empty':
      await fs.writeFile(out, '');
      return out;
    case 'not-gguf':
      await fs.writeFile(out, 'This is not a GGUF model; Modest tests use it to check how bad files are reported.\n'.repeat(64));
      return out;
    case 'truncated': {
      const { file } = planTinyModel({ variant: 'confident' });
      const { header, dataBytes } = buildGgufHeader(file);
      // A complete header, then half of the tensor data.
      await writeGguf(out, file, { truncateAt: header.length + Math.floor(dataBytes / 2) });
      return out;
    }
    case 'unsupported-arch': {
      const { file } = planTinyModel({ variant: 'confident' });
      const metadata = file.metadata.map(([k, v]): [string, GgufMetadataValue] => {
        if (k === 'general.architecture') return [k, gguf.str('modestfake')];
        if (k === 'general.name') return [k, gguf.str('Modest Fake Architecture')];
        return [k.startsWith('llama.') ? 'modestfake.' + k.slice('llama.'.length) : k, v];
      });
      await writeGguf(out, { ...file, metadata });
      return out;
    }
  }
}
