/**
 * Documents.
 *
 * P4  a 100-page PDF (about 2,000 characters a page), from drop (`addDocumentPath`) to indexed —
 *     extracted, chunked, stored with its FTS index and token-counted with the Qwen-shaped
 *     model's 151,936-token tokenizer. Goal ≤ 10 s. "The UI responsive throughout" is measured
 *     as the serving process's largest event-loop delay and the slowest `listDocuments` call
 *     (what the window polls) during indexing.
 * P5  map-reduce summary time, sequential (one sequence) ÷ parallel (up to 4 sequences of one
 *     context), same document, model and settings. Goal ≥ 1.5. The model is the Qwen-shaped one
 *     whose replies never stop by themselves, so every part summary decodes its full length.
 *     Also printed: the engine alone decoding 4 × 64 tokens one after another ÷ together, the
 *     ceiling for P5 on this machine (llama.cpp decodes a batch of 4 in about 4 single steps'
 *     time when one thread is compute-bound).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { ChatEvent } from '../../app/contract/index.js';
import { LocalEngine } from '../../app/inference/index.js';
import { createCore, type Core } from '../../app/service/index.js';
import { openStorage } from '../../app/storage/index.js';
import { tinyModel } from '../helpers/models.js';

const f = (n: number, d = 2) => n.toFixed(d);

async function reportPdf(pages: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const words = 'the report describes revenue growth margins customers regions products risks outlook and the plan for next year'.split(' ');
  for (let p = 1; p <= pages; p++) {
    const page = pdf.addPage([595, 842]);
    page.drawText(`Section ${p}`, { x: 50, y: 790, size: 16, font });
    for (let line = 0; line < 36; line++) {
      const text = Array.from({ length: 11 }, (_, i) => words[(p * 7 + line * 3 + i) % words.length]).join(' ');
      page.drawText(`${text}.`, { x: 50, y: 760 - line * 19, size: 10, font });
    }
  }
  return pdf.save();
}

async function withCore<T>(settings: Parameters<Core['storage']['settings']['update']>[0], modelPath: string, run: (core: Core) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-bench-docs-'));
  const storage = openStorage(dir);
  storage.settings.update(settings);
  const core = createCore(storage);
  try {
    await core.api.calls.loadModel({ path: modelPath });
    return await run(core);
  } finally {
    await core.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function waitReady(core: Core, conversationId: string, id: string, onTick?: () => Promise<void>) {
  for (;;) {
    await onTick?.();
    const d = (await core.api.calls.listDocuments({ conversationId })).find((x) => x.id === id)!;
    if (d.status === 'ready' && d.tokens !== null) return d;
    if (d.status === 'error' || d.status === 'cancelled') throw new Error(`indexing ended ${d.status}: ${d.error?.message}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function p4Bench(threads: number): Promise<void> {
  const model = await tinyModel('qwen-shaped');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-bench-pdf-'));
  const file = path.join(dir, 'report.pdf');
  fs.writeFileSync(file, await reportPdf(100));
  await withCore({ threads, contextSize: 2048, sequences: 2 }, model.path, async (core) => {
    const conv = await core.api.calls.createConversation({});
    const loop = monitorEventLoopDelay({ resolution: 10 });
    let slowestCall = 0;
    loop.enable();
    const t0 = performance.now();
    const doc = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: file });
    const ready = await waitReady(core, conv.id, doc.id, async () => {
      const c0 = performance.now();
      await core.api.calls.listDocuments({ conversationId: conv.id });
      slowestCall = Math.max(slowestCall, performance.now() - c0);
    });
    const seconds = (performance.now() - t0) / 1000;
    loop.disable();
    console.log(
      `P4  100-page PDF (${(fs.statSync(file).size / 1e6).toFixed(1)} MB, ${ready.chunks} passages, ${ready.tokens?.toLocaleString('en-US')} tokens) drop → indexed: ${f(seconds)} s (goal ≤ 10 s) ${seconds <= 10 ? 'MET' : 'NOT MET'}`,
    );
    console.log(`    while indexing: largest event-loop delay ${f(loop.max / 1e6, 1)} ms, slowest listDocuments ${f(slowestCall, 1)} ms`);
  });
  fs.rmSync(dir, { recursive: true, force: true });
}

function longReport(sections: number): string {
  return Array.from(
    { length: sections },
    (_, i) => `# Part ${i + 1}\n\n${'The quarterly report lists revenue, costs, customers and risks for this region in some detail. '.repeat(14)}`,
  ).join('\n\n');
}

async function summarizeOnce(core: Core, conversationId: string, documentId: string): Promise<{ seconds: number; parts: number }> {
  const t0 = performance.now();
  let parts = 0;
  for await (const e of (await core.api.streams.documentTask({ conversationId, documentIds: [documentId], task: { kind: 'summarize' } }, new AbortController().signal)) as AsyncIterable<ChatEvent>) {
    if (e.type === 'done') parts = e.message.task?.parts ?? 0;
    if (e.type === 'error') throw new Error(e.error.message);
  }
  return { seconds: (performance.now() - t0) / 1000, parts };
}

export async function p5Bench(threads: number): Promise<void> {
  const model = await tinyModel('qwen-shaped-doubtful');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-bench-md-'));
  const file = path.join(dir, 'report.md');
  fs.writeFileSync(file, longReport(Number(process.env.BENCH_P5_SECTIONS ?? 8)));
  await withCore({ threads, contextSize: 1024, sequences: 4, maxReplyTokens: 200 }, model.path, async (core) => {
    const conv = await core.api.calls.createConversation({});
    const doc = await core.api.calls.addDocumentPath({ conversationId: conv.id, path: file });
    await waitReady(core, conv.id, doc.id);
    core.tasks.maxParallel = 1;
    const sequential = await summarizeOnce(core, conv.id, doc.id);
    core.tasks.maxParallel = Number.POSITIVE_INFINITY;
    const parallel = await summarizeOnce(core, conv.id, doc.id);
    const ratio = sequential.seconds / parallel.seconds;
    console.log(
      `P5  map-reduce over ${parallel.parts} parts, then the combining pass: sequential ${f(sequential.seconds, 1)} s ÷ up to 4 parallel sequences ${f(parallel.seconds, 1)} s = ${f(ratio)} (goal ≥ 1.5) ${ratio >= 1.5 ? 'MET' : 'NOT MET'}`,
    );
  });
  const engine = await LocalEngine.load({ modelPath: model.path, threads, contextSize: 1024, sequences: 4 });
  const req = (i: number, tag: string) => ({
    conversationId: `p5-${tag}-${i}`,
    systemPrompt: '',
    turns: [{ role: 'user' as const, content: `Summarize part ${i}.` }],
    maxTokens: 64,
    temperature: 0,
    ephemeral: true,
  });
  let t0 = performance.now();
  for (let i = 0; i < 4; i++) await engine.generate(req(i, 'seq'));
  const seq = performance.now() - t0;
  t0 = performance.now();
  await Promise.all([0, 1, 2, 3].map((i) => engine.generate(req(i, 'par'))));
  const par = performance.now() - t0;
  await engine.dispose();
  console.log(`    engine alone, 4 × 64 tokens: one after another ${f(seq / 1000, 1)} s ÷ together ${f(par / 1000, 1)} s = ${f(seq / par)} (threads ${threads})`);
  fs.rmSync(dir, { recursive: true, force: true });
}
