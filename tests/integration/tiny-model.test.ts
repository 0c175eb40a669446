import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  getLlama,
  LlamaChatSession,
  LlamaLogLevel,
  readGgufFileInfo,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildGgufHeader,
  buildVocab,
  describeTinyModel,
  fromFloat16Bits,
  makeBadModel,
  planTinyModel,
  spmTokenize,
  tensorBytes,
  toFloat16Bits,
  type TinyModel,
  type TinyModelVariant,
} from '../../models/tiny-model/index.js';
import { tinyModel } from '../helpers/models.js';

/** The generated models, checked with real llama.cpp inference (CPU, one thread, small context). */

let llama: Llama;
const loaded: { model: LlamaModel; context: LlamaContext }[] = [];

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 2, logLevel: LlamaLogLevel.error, logger: () => {} });
});
afterAll(async () => {
  for (const l of loaded) {
    await l.context.dispose();
    await l.model.dispose();
  }
});

async function load(variant: TinyModelVariant) {
  const info = await tinyModel(variant);
  const model = await llama.loadModel({ modelPath: info.path, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 512, sequences: 2, threads: 1 });
  loaded.push({ model, context });
  return { info, model, context, wrapper: resolveChatWrapper(model) };
}

/** The prompt tokens as the app builds them, and each greedy token with its confidence. */
async function generate(model: LlamaModel, context: LlamaContext, wrapper: ChatWrapper, maxTokens: number) {
  const { contextText } = wrapper.generateContextState({
    chatHistory: [
      { type: 'system', text: 'You are a test.' },
      { type: 'user', text: 'Hello' },
      { type: 'model', response: [] },
    ],
  });
  const prompt = contextText.tokenize(model.tokenizer);
  const sequence = context.getSequence();
  const steps: { token: Token; confidence: number; probabilities: Map<Token, number> }[] = [];
  let eog: string | null = null;
  try {
    for await (const out of sequence.evaluateWithMetadata(
      prompt,
      { confidence: true, probabilities: true },
      // Without yieldEogToken the iterator just ends at end of generation.
      { temperature: 0, topK: 0, topP: 1, minP: 0, yieldEogToken: true },
    )) {
      if (model.isEogToken(out.token)) {
        eog = model.detokenize([out.token], true);
        break;
      }
      steps.push({ token: out.token, confidence: out.confidence, probabilities: out.probabilities });
      if (steps.length >= maxTokens) break;
    }
  } finally {
    sequence.dispose();
  }
  return { prompt, steps, eog, text: model.detokenize(steps.map((s) => s.token)) };
}

async function greedyChat(model: LlamaModel, context: LlamaContext) {
  const sequence = context.getSequence();
  try {
    const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: 'You are a test.' });
    return await session.prompt('Hello', { temperature: 0, maxTokens: 64 });
  } finally {
    sequence.dispose();
  }
}

function checkDescription(info: TinyModel) {
  expect(info.replyPieces.join('')).toBe(info.expectedReply);
  expect(info.replyPieces).toHaveLength(info.replyTokenCount);
  expect(info.promptEndToken).toBe('<0x0A>');
}

describe('GGUF writer', () => {
  it('round-trips float16', () => {
    for (const x of [0, 1, -1, 0.5, 2.5, 65504, 1 / 127, 6.1e-5, 3e-7, 2.4494]) {
      expect(fromFloat16Bits(toFloat16Bits(x))).toBeCloseTo(x, Math.abs(x) < 1 ? 6 : 2);
    }
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(Infinity)).toBe(0x7c00);
  });

  it('writes a file node-llama-cpp parses back, with aligned tensors', async () => {
    const info = await tinyModel('confident');
    const gguf = await readGgufFileInfo(info.path, { readTensorInfo: true, logWarnings: false });
    expect(gguf.version).toBe(3);
    const md = gguf.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(md.general!.architecture).toBe('llama');
    expect(md.general!.alignment).toBe(32);
    expect(md.llama!.context_length).toBe(2048);
    expect(md.llama!.embedding_length).toBe(64);
    const tok = md.tokenizer as { ggml: Record<string, unknown>; chat_template: string };
    expect(tok.ggml.model).toBe('llama');
    expect(tok.ggml.add_bos_token).toBe(false);
    expect((tok.ggml.tokens as string[]).length).toBe(info.vocabSize);
    expect(tok.chat_template).toContain("'<|im_start|>assistant\\n'");
    const embd = gguf.tensorInfo!.find((t) => t.name === 'token_embd.weight')!;
    expect(embd.dimensions.map(Number)).toEqual([64, info.vocabSize]);
    for (const t of gguf.tensorInfo!) expect(Number(t.offset) % 32).toBe(0);
    const { file } = planTinyModel({ variant: 'confident' });
    const { header, dataBytes } = buildGgufHeader(file);
    expect(fs.statSync(info.path).size).toBe(header.length + dataBytes);
    expect(file.tensors.reduce((a, t) => a + tensorBytes(t), 0)).toBeLessThanOrEqual(dataBytes);
  });

  it('describes the qwen-shaped model without writing it', () => {
    const { file, info } = planTinyModel({ variant: 'qwen-shaped' });
    expect(info.vocabSize).toBe(151_936);
    expect(info.contextLength).toBe(32_768);
    expect(info.stops).toBe(false);
    expect(file.tensors.filter((t) => t.name.endsWith('.ffn_down.weight'))).toHaveLength(24);
    const { header, dataBytes } = buildGgufHeader(file);
    expect((header.length + dataBytes) / 1e6).toBeGreaterThan(600);
  });
});

describe('SPM vocabulary', () => {
  it('tokenizes whole words and falls back to bytes', () => {
    const v = buildVocab();
    const pieces = (s: string) => spmTokenize(v, s, { addSpacePrefix: true }).map((id) => v.tokens[id]);
    expect(pieces('hello there model')).toEqual(['\u2581hello', '\u2581there', '\u2581model']);
    expect(pieces('Hello\nworld')).toEqual(['\u2581Hello', '<0x0A>', 'world']);
    expect(pieces('zq')).toEqual(['\u2581', 'z', 'q']);
    expect(pieces('Hello!')).toEqual(['\u2581Hello', '!']);
    expect(pieces('é')).toEqual(['\u2581', '<0xC3>', '<0xA9>']);
  });

  it('pads the vocabulary with harmless pieces', () => {
    const v = buildVocab({ padTo: 10_000 });
    expect(v.tokens).toHaveLength(10_000);
    expect(v.tokens.at(-1)).toBe('\u2581pad9999');
    expect(spmTokenize(v, 'pad9999', { addSpacePrefix: true }).length).toBeGreaterThan(1);
  });
});

describe.each(['confident', 'big-vocab'] as const)('%s model', (variant) => {
  it('replies exactly, with every token confident except the fork', async () => {
    const { info, model, context, wrapper } = await load(variant);
    checkDescription(info);
    expect(wrapper.wrapperName).toBe('ChatML');
    expect(info.fork).toBeDefined();
    expect(info.alternativeReply).not.toBe(info.expectedReply);

    expect(await greedyChat(model, context)).toBe(info.expectedReply);

    const { prompt, steps, eog, text } = await generate(model, context, wrapper, 64);
    expect(model.detokenize([prompt.at(-1)!], true)).toBe('\n');
    expect(eog).toBe('<|im_end|>');
    expect(text).toBe(info.expectedReply);
    expect(steps).toHaveLength(info.replyTokenCount);
    steps.forEach((s, i) => {
      if (i === info.fork!.tokenIndex) {
        expect(s.confidence).toBeCloseTo(0.6, 2);
        const alt = [...s.probabilities.entries()][1]!;
        expect(model.detokenize([alt[0]])).toBe(info.fork!.alternative.trim());
        expect(alt[1]).toBeCloseTo(0.4, 2);
      } else {
        expect(s.confidence).toBeGreaterThan(0.99);
      }
    });
  });
});

describe('low-confidence model', () => {
  it('replies exactly and deterministically, each token with a tiny probability', async () => {
    const { info, model, context, wrapper } = await load('low-confidence');
    checkDescription(info);
    expect(info.tokenProbability).toBeLessThan(0.05);
    expect(await greedyChat(model, context)).toBe(info.expectedReply);
    const { steps, eog, text } = await generate(model, context, wrapper, 64);
    expect(eog).toBe('<|im_end|>');
    expect(text).toBe(info.expectedReply);
    expect(steps).toHaveLength(info.replyTokenCount);
    for (const s of steps) {
      expect(s.confidence).toBeLessThan(0.05);
      expect(s.confidence).toBeCloseTo(info.tokenProbability, 4);
    }
  });
});

describe('never-stopping model', () => {
  it('keeps counting past 200 tokens', async () => {
    const { info, model, context, wrapper } = await load('never-stopping');
    checkDescription(info);
    expect(info.stops).toBe(false);
    const { steps, eog, text } = await generate(model, context, wrapper, 250);
    expect(eog).toBeNull();
    expect(steps).toHaveLength(250);
    const loops = Math.ceil(250 / 10);
    expect((info.expectedReply + info.loopText!.repeat(loops)).startsWith(text)).toBe(true);
    for (const s of steps) expect(s.confidence).toBeGreaterThan(0.99);
  });
});

describe('bad model files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-tiny-bad-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['not-gguf', 'empty'] as const)('%s: not even parsed', async (kind) => {
    const p = await makeBadModel(kind, dir);
    await expect(llama.loadModel({ modelPath: p, gpuLayers: 0 })).rejects.toThrow(/GGUF magic/);
  });

  it('truncated: a readable header, but llama.cpp refuses the tensor data', async () => {
    const p = await makeBadModel('truncated', dir);
    const full = describeTinyModel({ variant: 'confident' });
    const gguf = await readGgufFileInfo(p, { readTensorInfo: true, logWarnings: false });
    expect(gguf.tensorInfo!.length).toBeGreaterThan(0);
    expect(fs.statSync(p).size).toBeLessThan((await tinyModel(full.variant)).sizeBytes);
    await expect(llama.loadModel({ modelPath: p, gpuLayers: 0 })).rejects.toThrow();
  });

  it('unsupported-arch: well formed, unknown architecture', async () => {
    const p = await makeBadModel('unsupported-arch', dir);
    const gguf = await readGgufFileInfo(p, { logWarnings: false });
    expect(gguf.metadata.general.architecture).toBe('modestfake');
    expect((gguf.metadata as unknown as Record<string, Record<string, unknown>>).modestfake!.context_length).toBe(2048);
    await expect(llama.loadModel({ modelPath: p, gpuLayers: 0 })).rejects.toThrow();
  });
});
