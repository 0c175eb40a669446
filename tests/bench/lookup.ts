/**
 * P10: prompt-lookup decoding on an extraction-style task, where the answer quotes the input.
 * Decode tokens/s with `lookup: true` ÷ without, same prompt, model and threads (1), interleaved
 * runs, medians. Also what a lookup predictor on every sequence would cost ordinary chat (LC).
 *
 * The model is the Qwen2.5-0.5B-shaped generated one (realistic per-token cost: 24 layers and a
 * 151,936-token output layer). Its reply counts "One two … ten one two …" forever, and the prompt
 * holds that passage, so every token of the answer is a quote of the input: the best case for
 * lookup, as when an extraction quotes a long span verbatim.
 */
import { InputLookupTokenPredictor } from 'node-llama-cpp';
import { LocalEngine, sharedLlama, type GenerateRequest } from '../../app/inference/index.js';
import { tinyModel } from '../helpers/models.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 64);
const THREADS = 1;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f = (n: number, d = 2) => n.toFixed(d);
const spread = (xs: number[]) => `min ${f(Math.min(...xs))} / max ${f(Math.max(...xs))}`;

const PASSAGE = ' one two three four five six seven eight nine ten';
const EXTRACTION_PROMPT = `Copy the numbers from this note exactly, in order.\nNote:${PASSAGE.repeat(Math.ceil(TOKENS / 10) + 2)}`;

export async function benchLookup(log: (line: string) => void): Promise<{ ratio: number }> {
  const model = await tinyModel('qwen-shaped');
  const engine = await LocalEngine.load({ modelPath: model.path, threads: THREADS, contextSize: 1024, sequences: 2 });
  const request = (lookup: boolean, i: number): GenerateRequest => ({
    conversationId: `p10-${lookup ? 'on' : 'off'}-${i}`,
    systemPrompt: '',
    turns: [{ role: 'user', content: EXTRACTION_PROMPT }],
    maxTokens: TOKENS,
    temperature: 0,
    lookup,
    ephemeral: true,
    // Extraction as Modest runs it: grammar-constrained JSON whose value quotes the note.
    jsonSchema: { type: 'object', properties: { numbers: { type: 'string', maxLength: 1000 } }, required: ['numbers'] },
  });

  // One warm-up each, so the first measured run does not pay for page faults or a sequence swap.
  const warmOff = await engine.generate(request(false, -1));
  const warmOn = await engine.generate(request(true, -1));
  if (warmOn.text !== warmOff.text) throw new Error('lookup changed the greedy output');

  const off: number[] = [];
  const on: number[] = [];
  let validated = 0;
  let refuted = 0;
  for (let i = 0; i < RUNS; i++) {
    const a = await engine.generate(request(false, i));
    const b = await engine.generate(request(true, i));
    if (a.text !== b.text) throw new Error('lookup changed the greedy output');
    off.push(a.tokensPerSecond ?? NaN);
    on.push(b.tokensPerSecond ?? NaN);
    validated += b.lookup?.validated ?? 0;
    refuted += b.lookup?.refuted ?? 0;
  }
  const ratios = on.map((o, i) => o / off[i]!);
  const ratio = median(ratios);
  log(`P10 extraction decode tok/s (JSON-schema grammar, the value quotes the prompt) with prompt lookup ÷ without (${RUNS} interleaved runs, ${TOKENS} tokens, threads ${THREADS}, qwen-shaped)`);
  log(`   without lookup: median ${f(median(off))} tok/s (${spread(off)})`);
  log(`   with lookup:    median ${f(median(on))} tok/s (${spread(on)}); drafts validated ${validated}, refuted ${refuted}`);
  log(`   P10 = ${f(ratio, 3)}  (per-run ratios ${spread(ratios)})  goal ≥ 1.5  ${ratio >= 1.5 ? 'MET' : 'NOT MET'}`);

  // Ordinary chat on the same engine after lookup tasks used (and swapped) its sequences.
  const chat: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await engine.generate({ conversationId: `chat-${i}`, systemPrompt: 'You are a test.', turns: [{ role: 'user', content: 'Tell me a long story about a small model.' }], maxTokens: TOKENS, temperature: 0 });
    chat.push(r.tokensPerSecond ?? NaN);
  }
  log(`   ordinary chat decode on the same engine afterwards: median ${f(median(chat))} tok/s (${spread(chat)})`);
  await engine.dispose();

  await idlePredictorCost(model.path, log);
  return { ratio };
}

/**
 * LC: what a predictor on every sequence would cost a chat that does not use it. node-llama-cpp
 * takes its speculative loop whenever a sequence has a predictor; here the predictor has no input,
 * so it never drafts, and the difference is the loop's own overhead. Raw decode loops with
 * confidence, as the engine runs them, interleaved.
 */
async function idlePredictorCost(modelPath: string, log: (line: string) => void): Promise<void> {
  const llama = await sharedLlama();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const ctx = await model.createContext({ contextSize: 1024, threads: THREADS, sequences: 2 });
  const plainSeq = ctx.getSequence();
  const predictorSeq = ctx.getSequence({ tokenPredictor: new InputLookupTokenPredictor() });
  const prompt = model.tokenize('Tell me a long story about a small model that runs on a laptop.');
  const msPerToken = async (seq: typeof plainSeq) => {
    await seq.clearHistory();
    let n = 0;
    let first = 0;
    for await (const _ of seq.evaluateWithMetadata(prompt, { confidence: true }, { temperature: 0, topK: 0, topP: 1, minP: 0 })) {
      if (n === 0) first = performance.now();
      if (++n >= TOKENS) break;
    }
    return (performance.now() - first) / (n - 1);
  };
  const plain: number[] = [];
  const idle: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await msPerToken(plainSeq));
    idle.push(await msPerToken(predictorSeq));
  }
  const extra = median(idle) - median(plain);
  log(`LC  chat decode on a sequence with an idle lookup predictor vs a plain one (${RUNS} interleaved runs): ${f(median(plain))} -> ${f(median(idle))} ms/token (${extra >= 0 ? '+' : ''}${f((100 * extra) / median(plain), 1)}%); Modest attaches no predictor to any sequence (its lookup loop is its own), so chat pays none of it`);
  await ctx.dispose();
  await model.dispose();
}

// `tsx tests/bench/lookup.ts` runs it alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  await benchLookup((line) => console.log(line));
}
