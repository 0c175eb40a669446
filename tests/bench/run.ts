/**
 * npm run bench: performance goals as ratios measured in one run on one machine, so machine
 * noise cancels out. Uses the Qwen2.5-0.5B-shaped generated model (made once, cached outside
 * the repo).
 *
 * P1  decode tokens/s of Modest's engine (full-vocabulary confidence on every token)
 *     ÷ node-llama-cpp's plain LlamaChatSession, same model, prompt and threads; median of
 *     interleaved runs, with the spread. Goal ≥ 0.95.
 * P2  time to first token at turn 10 ÷ turn 2 of one conversation (KV reuse). Goal ≤ 1.2.
 * P3  the tuner's thread count (tuning.ts, as `tune: true` runs it): generation tok/s at that count
 *     ÷ the best of a sweep over every count from 1 to 2× the logical cores. Goal ≥ 0.95.
 * EL  the serving process's largest event-loop delay while it streams a long reply, over HTTP
 *     and over the desktop IPC adapter.
 * C   what full-vocabulary confidence costs per token: node-llama-cpp's raw decode loop with and
 *     without `confidence: true` (its native side sorts every candidate to report it).
 * T   decode tokens/s at 1, 2 and 4 threads (the evidence for the default thread count).
 * R   the router's decision time per message. Goal ≤ 1 ms.
 * P9  for an escalated message, when the cloud request leaves ÷ the full local reply's time. Goal ≤ 0.2.
 * L   one usage-ledger insert (goal ≤ 0.5 ms) and the dashboard summary over 1,000,000 rows (≤ 200 ms).
 * P4  a 100-page PDF from drop to indexed (goal ≤ 10 s), with the event loop's largest delay meanwhile.
 * P5  a map-reduce summary, sequential ÷ parallel sequences of one context (goal ≥ 1.5).
 * P10 decode with prompt lookup ÷ without, on a reply that quotes its prompt (goal ≥ 1.5).
 * EV  `modest eval report` on 100,000 rows, parse to finished report (goal ≤ 2 s; tests/bench/eval.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LlamaChatSession } from 'node-llama-cpp';
import { createClient } from '../../app/contract/index.js';
import { LocalEngine, sharedLlama, resolveThreads } from '../../app/inference/index.js';
import { startHttpServer } from '../../app/server/serve.js';
import { createCore } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { createHttpTransport } from '../../renderer/src/transport/http.js';
import { APP_URL } from '../../main/app-origin.js';
import { registerIpc } from '../../main/ipc-adapter.js';
import { createSenderCheck } from '../../main/trusted-sender.js';
import { createIpcTransport } from '../../renderer/src/transport/ipc.js';
import { FakeIpcMain, FakeWebContents, loadPreload } from '../helpers/fake-electron.js';
import { tinyModel } from '../helpers/models.js';
import { p9Bench, routerBench } from './escalation.js';
import { p4Bench, p5Bench } from './documents.js';
import { ledgerBench } from './ledger.js';
import { benchEval } from './eval.js';
import { benchLookup } from './lookup.js';
import { benchTuning } from './tuning.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 8);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 64);
const THREADS = resolveThreads(Number(process.env.BENCH_THREADS ?? 0));
const PROMPT = 'Tell me a long story about a small model that runs on a laptop.';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[]) => `min ${Math.min(...xs).toFixed(2)} / max ${Math.max(...xs).toFixed(2)}`;
const f = (n: number, d = 2) => n.toFixed(d);

async function main() {
  console.log(`Modest bench — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, threads ${THREADS}`);
  const t0 = performance.now();
  const model = await tinyModel('qwen-shaped');
  console.log(`model: ${model.path} (${(fs.statSync(model.path).size / 1e6).toFixed(0)} MB, ready in ${f((performance.now() - t0) / 1000, 1)} s)\n`);

  // BENCH_ONLY=p2,el runs some sections only (while working on one of them).
  const only = process.env.BENCH_ONLY?.split(',');
  const sections: [string, (p: string) => Promise<void>][] = [
    ['p1', p1],
    ['c', confidenceCost],
    ['p2', p2],
    ['p3', async () => void (await benchTuning((line) => console.log(line)))],
    ['el', eventLoop],
    ['t', threads],
    ['r', async () => routerBench()],
    ['p9', () => p9Bench(THREADS, TOKENS)],
    ['l', () => ledgerBench()],
    ['p4', () => p4Bench(THREADS)],
    ['p5', () => p5Bench(THREADS)],
    ['p10', async () => void (await benchLookup((line) => console.log(line)))],
    ['ev', async () => benchEval((line) => console.log(line))],
  ];
  for (const [name, run] of sections) if (!only || only.includes(name)) await run(model.path);
}

/** P1: interleave engine and LlamaChatSession runs so drift in machine speed hits both alike. */
async function p1(modelPath: string) {
  const engine = await LocalEngine.load({ modelPath, threads: THREADS, contextSize: 1024, sequences: 1 });
  const llama = await sharedLlama();
  const plainModel = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const plainCtx = await plainModel.createContext({ contextSize: 1024, threads: THREADS });

  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Fresh conversation id each run, so both sides evaluate the full prompt.
    const r = await engine.generate({
      conversationId: `p1-${i}`,
      systemPrompt: '',
      turns: [{ role: 'user', content: PROMPT }],
      maxTokens: TOKENS,
      temperature: 0,
    });
    ours.push(r.tokensPerSecond ?? 0);

    const seq = plainCtx.getSequence();
    const session = new LlamaChatSession({ contextSequence: seq });
    let first = 0;
    let n = 0;
    await session.prompt(PROMPT, {
      maxTokens: TOKENS,
      temperature: 0,
      onTextChunk: () => {
        n++;
        if (n === 1) first = performance.now();
      },
    });
    const decodeMs = performance.now() - first;
    theirs.push(((n - 1) * 1000) / decodeMs);
    session.dispose({ disposeSequence: true });
  }
  const ratios = ours.map((o, i) => o / theirs[i]!);
  console.log(`P1 decode tok/s with confidence ÷ plain LlamaChatSession (${RUNS} interleaved runs, ${TOKENS} tokens)`);
  console.log(`   Modest engine:     median ${f(median(ours))} tok/s (${spread(ours)})`);
  console.log(`   LlamaChatSession:  median ${f(median(theirs))} tok/s (${spread(theirs)})`);
  console.log(`   P1 = ${f(median(ratios), 3)}  (per-run ratios ${spread(ratios)})  goal ≥ 0.95  ${median(ratios) >= 0.95 ? 'MET' : 'NOT MET'}\n`);
  await plainCtx.dispose();
  await plainModel.dispose();
  await engine.dispose();
}

/** C: the same sequence, raw node-llama-cpp decode loops, interleaved with and without confidence. */
async function confidenceCost(modelPath: string) {
  const llama = await sharedLlama();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const ctx = await model.createContext({ contextSize: 1024, threads: THREADS });
  const seq = ctx.getSequence();
  const prompt = model.tokenize(PROMPT);
  const msPerToken = async (confidence: boolean) => {
    await seq.clearHistory();
    let n = 0;
    let first = 0;
    const it = confidence
      ? seq.evaluateWithMetadata(prompt, { confidence: true }, { temperature: 0 })
      : seq.evaluate(prompt, { temperature: 0 });
    for await (const _ of it) {
      if (n === 0) first = performance.now();
      if (++n >= TOKENS) break;
    }
    return (performance.now() - first) / (n - 1);
  };
  const plain: number[] = [];
  const withConf: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await msPerToken(false));
    withConf.push(await msPerToken(true));
  }
  const extra = median(withConf) - median(plain);
  console.log(`C  full-vocabulary confidence (${prompt.length}-token prompt, ${RUNS} interleaved runs): ${f(median(plain))} -> ${f(median(withConf))} ms/token, +${f(extra)} ms = ${f((100 * extra) / median(plain), 1)}% of a token\n`);
  await ctx.dispose();
  await model.dispose();
}

/**
 * P2: time to first token of turn 10 ÷ turn 2. Two conversations stay warm in two sequences, one
 * with 1 exchange behind it and one with 9; each run asks both a fresh question, interleaved, so
 * both evaluate only that question against their cached history and machine noise hits both.
 */
async function p2(modelPath: string) {
  const engine = await LocalEngine.load({ modelPath, threads: THREADS, contextSize: 4096, sequences: 2 });
  const history = async (conversationId: string, exchanges: number) => {
    const turns: { role: 'user' | 'assistant'; content: string }[] = [];
    for (let i = 1; i <= exchanges; i++) {
      turns.push({ role: 'user', content: `Question number ${i}: ${PROMPT}` });
      const r = await engine.generate({ conversationId, systemPrompt: 'You are a test.', turns, maxTokens: 24, temperature: 0 });
      turns.push({ role: 'assistant', content: r.text });
    }
    return turns;
  };
  const convs = [
    { id: 'turn2', turns: await history('turn2', 1), ttft: [] as number[], evaluated: 0, prompt: 0 },
    { id: 'turn10', turns: await history('turn10', 9), ttft: [] as number[], evaluated: 0, prompt: 0 },
  ];
  for (let run = 0; run < RUNS; run++) {
    for (const c of convs) {
      const turns = [...c.turns, { role: 'user' as const, content: `Fresh question ${run}: ${PROMPT}` }];
      const r = await engine.generate({ conversationId: c.id, systemPrompt: 'You are a test.', turns, maxTokens: 1, temperature: 0 });
      c.ttft.push(r.ttftMs ?? NaN);
      c.evaluated = r.evaluatedPromptTokens;
      c.prompt = r.promptTokens;
    }
  }
  const [t2, t10] = convs.map((c) => median(c.ttft)) as [number, number];
  const ratios = convs[1]!.ttft.map((t, i) => t / convs[0]!.ttft[i]!);
  const ratio = median(ratios);
  console.log(`P2 time to first token, turn 10 ÷ turn 2 (${RUNS} interleaved runs): ${f(t10, 1)} ms ÷ ${f(t2, 1)} ms, median ratio ${f(ratio, 3)} (${spread(ratios)})  goal ≤ 1.2  ${ratio <= 1.2 ? 'MET' : 'NOT MET'}`);
  console.log(`   turn 2: ${convs[0]!.prompt}-token prompt, ${convs[0]!.evaluated} evaluated · turn 10: ${convs[1]!.prompt}-token prompt, ${convs[1]!.evaluated} evaluated (the rest from the KV cache)`);
  // For scale: the same turn 10 with no cache at all (a new conversation id takes a sequence cold).
  const cold = await engine.generate({
    conversationId: 'cold',
    systemPrompt: 'You are a test.',
    turns: [...convs[1]!.turns, { role: 'user', content: `Fresh question cold: ${PROMPT}` }],
    maxTokens: 1,
    temperature: 0,
  });
  console.log(`   without the cache, turn 10 evaluates ${cold.evaluatedPromptTokens} tokens: ${f(cold.ttftMs ?? NaN, 0)} ms = ${f((cold.ttftMs ?? NaN) / t2, 2)}× turn 2\n`);
  await engine.dispose();
}

/**
 * EL: the process that serves the window streams a long reply while we watch its event loop:
 * once over real HTTP (browser mode), once over the desktop IPC adapter and the bundled preload
 * (the Electron main process's path, with Electron's message passing stood in for).
 */
async function eventLoop(modelPath: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-bench-'));
  const storage = openStorage(dataDir);
  storage.settings.update({ maxReplyTokens: 500, contextSize: 2048, sequences: 1, threads: THREADS });
  const core = createCore(storage);
  await core.models.load(modelPath, storage.settings.get());
  const server = await startHttpServer({ api: core.api });
  const overHttp = createClient(createHttpTransport({ baseUrl: `http://127.0.0.1:${server.port}`, getToken: () => server.token }));
  const ipcMain = new FakeIpcMain();
  const win = { webContents: new FakeWebContents(1), frameUrl: APP_URL };
  const adapter = registerIpc(ipcMain, core.api, createSenderCheck(new Set([1])));
  const overIpc = createClient(createIpcTransport(loadPreload(ipcMain, win).bridge!));

  for (const [label, client] of [['HTTP', overHttp], ['IPC', overIpc]] as const) {
    const conv = await client.createConversation({});
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    let tokens = 0;
    const t = performance.now();
    for await (const e of client.streams.sendMessage({ conversationId: conv.id, text: PROMPT })) {
      if (e.type === 'done') tokens = e.message.stats?.completionTokens ?? 0;
    }
    h.disable();
    console.log(`EL largest event-loop delay while streaming a ${tokens}-token reply over ${label}: ${f(h.max / 1e6, 1)} ms (p99 ${f(h.percentile(99) / 1e6, 1)} ms, ${f((performance.now() - t) / 1000, 1)} s)`);
  }
  console.log('');
  adapter.dispose();
  await server.close();
  await core.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

async function threads(modelPath: string) {
  const counts = [...new Set([1, 2, 4])];
  const results: string[] = [];
  for (const n of counts) {
    const engine = await LocalEngine.load({ modelPath, threads: n, contextSize: 512, sequences: 1 });
    const r = await engine.generate({ conversationId: 't', systemPrompt: '', turns: [{ role: 'user', content: PROMPT }], maxTokens: 32, temperature: 0 });
    results.push(`${n} thread${n > 1 ? 's' : ''}: ${f(r.tokensPerSecond ?? 0)} tok/s`);
    await engine.dispose();
  }
  console.log(`T  decode speed by threads (${os.availableParallelism()} logical cores; default here ${resolveThreads(0)}): ${results.join(' · ')}`);
}

await main();
