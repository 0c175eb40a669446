import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Confidence } from '../../app/contract/index.js';
import { decideAfter, decideBefore, DEFAULT_POLICY, EarlyMonitor, type RoutingPolicy } from '../../app/routing/index.js';
import { createEnvKeyStore } from '../../app/secrets/index.js';
import { createCore } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { startFakeCloud } from '../helpers/fake-cloud.js';
import { tinyModel } from '../helpers/models.js';

const f = (n: number, d = 2) => n.toFixed(d);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** R: the router's whole decision for one message: the before-rules, 256 streamed tokens through the early monitor, the after-score. */
export function routerBench(): void {
  const policy: RoutingPolicy = { ...DEFAULT_POLICY, mode: 'auto' };
  const probs = Array.from({ length: 256 }, (_, i) => 0.35 + ((i * 7919) % 600) / 1000);
  const conf: Confidence = { minP: 0.35, p10: 0.4, meanLogp: -0.6, margin1: 0.5, tokenCount: 256 };
  const times: number[] = [];
  let sink = 0;
  for (let round = 0; round < 20; round++) {
    const t = performance.now();
    for (let i = 0; i < 1000; i++) {
      const before = decideBefore({ mode: 'auto', keepLocal: false, userChoseCloud: false, promptTokens: 900 + i, localContext: 4096 });
      const m = new EarlyMonitor(policy, 1024);
      for (const p of probs) if (m.observe(p)) break;
      sink += before.reason.length + decideAfter(conf, policy, false).reason.length;
    }
    times.push((performance.now() - t) / 1000);
  }
  console.log(`R   router decision per message (256 tokens observed): ${f(median(times) * 1000, 1)} µs (goal ≤ 1 ms)${sink < 0 ? '' : ''}\n`);
}

/**
 * P9: for a message that Auto escalates, when the cloud request leaves (as the stand-in provider
 * receives it) ÷ how long the full local reply takes, same model, prompt and reply length, on
 * the Qwen-shaped model whose every token is doubtful (p ≈ 5e-5).
 */
export async function p9Bench(threads: number, tokens: number): Promise<void> {
  const modelPath = (await tinyModel('qwen-shaped-doubtful')).path;
  const KEY = 'sk-bench-p9';
  const cloud = await startFakeCloud({ apiKey: KEY });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-bench-p9-'));
  const storage = openStorage(dataDir);
  storage.settings.update({ maxReplyTokens: tokens, contextSize: 1024, sequences: 1, threads, cloudBaseUrl: cloud.openaiBaseUrl, cloudTimeoutSeconds: 30 });
  const core = createCore(storage, { keys: createEnvKeyStore('bench', { OPENAI_API_KEY: KEY }) });
  await core.models.load(modelPath, storage.settings.get());
  const run = async (prompt: string) => {
    const c = storage.conversations.create();
    const t = performance.now();
    let left: number | null = null;
    const seen = cloud.received.length;
    for await (const _ of await core.api.streams.sendMessage({ conversationId: c.id, text: prompt }, new AbortController().signal)) {
      if (left === null && cloud.received.length > seen) left = performance.now() - t;
    }
    return { total: performance.now() - t, left };
  };
  const ratios: number[] = [];
  for (let i = 0; i < 3; i++) {
    storage.settings.update({ escalationMode: 'off' });
    const local = await run(`Story number ${i}: tell me about a small model.`);
    storage.settings.update({ escalationMode: 'auto' });
    const escalated = await run(`Story number ${i}: tell me about a small model, again.`);
    // The request leaves before its response streams: take the provider's receipt when the
    // stream loop missed it (it polls between events).
    ratios.push((escalated.left ?? escalated.total) / local.total);
  }
  console.log(`P9  cloud request leaves ÷ full local reply (${tokens} tokens): ${f(median(ratios), 3)} (runs ${ratios.map((r) => f(r, 3)).join(', ')}; goal ≤ 0.2)\n`);
  await core.shutdown();
  await cloud.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
