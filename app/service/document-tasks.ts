import {
  AppError,
  type ChatEvent,
  type Citation,
  type DocTask,
  type DocTaskInfo,
  type Escalation,
  type Message,
  type ReplyStats,
} from '../contract/index.js';
import { cell, FIELD_MAX_CHARS, schemaForFields, schemaFromText, type ExtractionPlan } from '../documents/extract-schema.js';
import { split } from '../documents/chunker.js';
import * as P from '../documents/prompts.js';
import { replyReserve, type Engine, type GenerateResult, type JsonSchema } from '../inference/index.js';
import type { Chunk, DocumentRecord, Storage, UsageEventInput } from '../storage/index.js';
import { decideAfter } from '../routing/index.js';
import { ActiveReplies } from './active-replies.js';
import { Channel } from './channel.js';
import { toStats } from './reply-stats.js';
import type { CloudEscalation } from './cloud-escalation.js';
import type { DocumentService } from './document-service.js';
import type { ModelHost } from './model-host.js';
import { titleFromMessage } from './title.js';

/** Separators and labels between pieces of document text, and rounding in the estimates. */
const TEMPLATE_MARGIN = 16;
const MAP_REPLY_TOKENS = 200;
const SUMMARY_REPLY_TOKENS = 600;
const ASK_REPLY_TOKENS = 512;
const SEARCH_CANDIDATES = 40;
const SAVE_EVERY_MS = 1000;

interface Run {
  engine: Engine;
  conversationId: string;
  message: Message;
  task: DocTaskInfo;
  signal: AbortSignal;
  out: Channel<ChatEvent>;
  text: string;
  lastStats: ReplyStats | null;
  /** Calls whose answer the policy doubts: what the cloud would be offered. */
  doubtful: { label: string; reason: string }[];
  /** The single request the cloud would get, built by the task as it goes. */
  cloudRequest: { system: string; user: string } | null;
}

export interface DocumentTaskInput {
  conversationId: string;
  documentIds: string[];
  task: DocTask;
}

/**
 * Summarize, Ask and Extract over a conversation's documents. Each task writes its answer as an
 * assistant message (with the task's citations or table attached), logs every model call in the
 * usage ledger, and runs under the same Stop as a chat reply.
 */
export class DocumentTasks {
  private readonly active = new ActiveReplies();
  /** Map-reduce sequences at once; the bench sets 1 to measure what parallel decoding buys. */
  maxParallel = Number.POSITIVE_INFINITY;

  constructor(
    private readonly storage: Storage,
    private readonly models: ModelHost,
    private readonly docs: DocumentService,
    private readonly cloud: CloudEscalation,
    private readonly chatBusy: (conversationId: string) => boolean,
  ) {}

  activeGenerations(): { conversationId: string; messageId: string }[] {
    return this.active.list();
  }

  busy(conversationId: string): boolean {
    return this.active.busy(conversationId);
  }

  stop(messageId: string): boolean {
    return this.active.stop(messageId);
  }

  stopAll(): Promise<void> {
    return this.active.stopAll();
  }

  /** Every check comes before the first write: a refused task leaves the conversation untouched. */
  async start(input: DocumentTaskInput, signal: AbortSignal, userText?: string): Promise<AsyncIterable<ChatEvent>> {
    const engine = this.models.require();
    const conversation = this.storage.conversations.get(input.conversationId);
    const docs = this.readyDocuments(input.conversationId, input.documentIds);
    const plan = input.task.kind === 'extract' ? extractionPlan(input.task) : null;
    for (const d of docs) await this.docs.indexer.countTokens(d.sha256!, signal);
    if (this.busy(input.conversationId) || this.chatBusy(input.conversationId)) throw new AppError('BUSY');

    const content = userText ?? describe(input.task, docs);
    const user = this.storage.messages.insert({ conversationId: input.conversationId, role: 'user', content, status: 'complete' });
    if (conversation.title === 'New chat' && this.storage.messages.list(input.conversationId).length === 1) {
      this.storage.conversations.rename(input.conversationId, titleFromMessage(content));
    }
    const task: DocTaskInfo = { kind: input.task.kind, documentIds: docs.map((d) => d.id), citations: [], sources: [], extraction: null, parts: null, cloud: null };
    const message = this.storage.messages.insert({ conversationId: input.conversationId, role: 'assistant', content: '', status: 'partial', task });

    const controller = new AbortController();
    const onClientGone = () => controller.abort(new Error('The window went away.'));
    signal.addEventListener('abort', onClientGone, { once: true });
    if (signal.aborted) onClientGone();
    const out = new Channel<ChatEvent>();
    out.push({ type: 'user', message: user });
    out.push({ type: 'start', message });
    const run: Run = { engine, conversationId: input.conversationId, message, task, signal: controller.signal, out, text: '', lastStats: null, doubtful: [], cloudRequest: null };

    const saver = setInterval(() => {
      try {
        this.storage.messages.update(message.id, { content: run.text, task: run.task });
      } catch {
        // The final save reports any real failure; a missed interim save only loses a second.
      }
    }, SAVE_EVERY_MS);
    const work = async () => {
      try {
        if (input.task.kind === 'summarize') await this.summarize(run, docs);
        else if (input.task.kind === 'ask') await this.ask(run, docs, input.task.question);
        else await this.extract(run, docs, plan!);
        const aborted = controller.signal.aborted;
        this.finish(run, aborted ? 'partial' : 'complete', null, aborted ? null : this.offer(run, docs));
      } catch (err) {
        if (controller.signal.aborted) this.finish(run, 'partial', null);
        else {
          const e = AppError.from(err);
          this.finish(run, run.text === '' ? 'error' : 'partial', e);
        }
      } finally {
        clearInterval(saver);
        signal.removeEventListener('abort', onClientGone);
        this.active.delete(message.id);
        out.close();
      }
    };
    this.active.run(message.id, input.conversationId, controller, work);
    return out;
  }

  /**
   * A doubtful answer over documents is only ever offered (even in Auto: document text goes to the
   * cloud through the preview alone), and only when the documents may go there at all.
   */
  private offer(run: Run, docs: readonly DocumentRecord[]): Escalation | null {
    if (run.doubtful.length === 0 || !run.cloudRequest) return null;
    const s = this.storage.settings.get();
    if (s.escalationMode === 'off' || this.storage.conversations.get(run.conversationId).keepLocal) return null;
    const first = run.doubtful[0]!;
    const reason =
      run.task.parts !== null ? `${run.doubtful.length} of ${run.task.parts} parts were doubtful (${first.label}: ${first.reason})` : first.reason;
    if (!documentsMayGoToCloud(s.documentsToCloud, docs.map((d) => this.storage.documents.get(d.id)))) {
      return {
        state: 'declined',
        reason,
        cloudModel: s.cloudModel,
        localDraft: null,
        error: 'Documents stay on this computer unless you allow it: use the lock on the document’s chip, or allow all documents in Settings, to be offered the cloud model.',
      };
    }
    run.task.cloud = run.cloudRequest;
    return { state: 'offered', reason, cloudModel: s.cloudModel, localDraft: null, error: null };
  }

  /**
   * Scores a finished call the way Ask mode would; a doubtful one is remembered for the offer.
   * `prompt` is what the model read, for an adopted learned router's prompt features.
   */
  private score(run: Run, label: string, r: GenerateResult, prompt: string): boolean {
    const policy = { ...this.cloud.policy(this.storage.settings.get()), mode: 'ask' as const };
    const d = decideAfter(r.confidence, policy, false, prompt);
    if (d.route === 'local') return false;
    run.doubtful.push({ label, reason: d.reason });
    return true;
  }

  private finish(run: Run, status: 'complete' | 'partial' | 'error', error: AppError | null, escalation: Escalation | null = null): void {
    try {
      const final = this.storage.messages.update(run.message.id, {
        content: run.text,
        status,
        stats: run.lastStats,
        error: error ? error.message : null,
        task: run.task,
        escalation,
      });
      if (error) run.out.push({ type: 'error', messageId: run.message.id, error: error.toPayload() });
      run.out.push({ type: 'done', message: final });
    } catch (err) {
      run.out.push({ type: 'error', messageId: run.message.id, error: AppError.from(err).toPayload() });
    }
  }

  private readyDocuments(conversationId: string, ids: readonly string[]): (DocumentRecord & { sha256: string })[] {
    return [...new Set(ids)].map((id) => {
      const d = this.storage.documents.get(id);
      if (d.conversationId !== conversationId) throw new AppError('DOC_NOT_FOUND', { message: 'That document is not attached to this conversation.' });
      if (d.status !== 'ready' || d.sha256 === null) {
        throw d.status === 'error'
          ? new AppError('DOC_NOT_READY', { message: `“${d.name}” could not be read: ${d.error?.message ?? 'see its chip.'}` })
          : new AppError('DOC_NOT_READY', { message: `“${d.name}” is still being indexed. Try again when its chip says Ready.` });
      }
      return d as DocumentRecord & { sha256: string };
    });
  }

  /**
   * Tokens left for document text in one prompt: the context, less the engine's reply reserve,
   * less the prompt's own words (system prompt and instructions, counted with this model's
   * tokenizer) and a margin for the chat template and labels.
   */
  private async room(run: Run, replyTokens: number, system: string, skeleton: string): Promise<number> {
    const ctx = run.engine.info.contextSize;
    const fixed = await run.engine.countPrompt(system, [{ role: 'user', content: skeleton }]);
    return ctx - replyReserve(ctx, replyTokens) - fixed - TEMPLATE_MARGIN;
  }

  private counted(run: Run, sha256: string): (c: Chunk) => number {
    const counts = this.storage.documents.tokenCounts(sha256, run.engine.tokenizerId);
    // A chunk counted by no tokenizer yet is estimated: about 3 characters a token, on the safe side.
    return (c) => counts.get(c.id) ?? Math.ceil(c.text.length / 3);
  }

  // ---- Summarize -------------------------------------------------------------------------------

  private async summarize(run: Run, docs: readonly (DocumentRecord & { sha256: string })[]): Promise<void> {
    const reply = Math.min(SUMMARY_REPLY_TOKENS, this.storage.settings.get().maxReplyTokens, Math.floor(run.engine.info.contextSize / 4));
    const name = docs.map((d) => d.name).join(', ');
    const chunks = docs.flatMap((d) => {
      const tokens = this.counted(run, d.sha256);
      return this.storage.documents.chunks(d.sha256).map((c) => ({ c, doc: d, tokens: tokens(c) + 2 }));
    });
    const total = chunks.reduce((s, x) => s + x.tokens, 0);
    if (total <= (await this.room(run, reply, P.SUMMARY_SYSTEM, P.summarizeWhole(name, '')))) {
      const text = chunks.map((x) => x.c.text).join('\n\n');
      const user = P.summarizeWhole(name, text);
      const r = await this.generate(run, P.SUMMARY_SYSTEM, user, { maxTokens: reply, lookup: true, stream: true }, 'document summary: whole document');
      if (this.score(run, 'the summary', r, user)) run.cloudRequest = { system: P.SUMMARY_SYSTEM, user };
      return;
    }

    // Map: windows of consecutive chunks, each summarized on its own sequence.
    const windowBudget = await this.room(run, this.mapReplyTokens(run), P.SUMMARY_SYSTEM, P.summarizePart(name, 'pp. 0000–0000', ''));
    const windows: (typeof chunks)[] = [];
    let current: typeof chunks = [];
    let size = 0;
    for (const x of chunks.flatMap((x) => fitChunk(x, windowBudget))) {
      if (current.length > 0 && (size + x.tokens > windowBudget || x.doc !== current[0]!.doc)) {
        windows.push(current);
        current = [];
        size = 0;
      }
      current.push(x);
      size += x.tokens;
    }
    if (current.length > 0) windows.push(current);

    run.task.parts = windows.length;
    const parts: { where: string; summary: string }[] = new Array(windows.length);
    let done = 0;
    const progress = () =>
      run.out.push({ type: 'progress', messageId: run.message.id, done, total: windows.length + 1, label: `Summarized ${done} of ${windows.length} parts` });
    progress();
    let next = 0;
    const doubtfulParts = new Set<number>();
    const worker = async (slot: number) => {
      while (next < windows.length && !run.signal.aborted) {
        const i = next++;
        const w = windows[i]!;
        const where = describeSpan(w.map((x) => x.c));
        const prompt = P.summarizePart(w[0]!.doc.name, where, w.map((x) => x.c.text).join('\n\n'));
        const r = await this.generate(
          run,
          P.SUMMARY_SYSTEM,
          prompt,
          { maxTokens: this.mapReplyTokens(run), lookup: true, stream: false, key: `map-${slot}` },
          `document summary: part ${i + 1} of ${windows.length}`,
        );
        parts[i] = { where: docs.length > 1 ? `${w[0]!.doc.name}, ${where}` : where, summary: r.text.trim() };
        if (this.score(run, where, r, prompt)) doubtfulParts.add(i);
        done++;
        progress();
      }
    };
    await Promise.all(Array.from({ length: this.parallelism(run, windows.length) }, (_, w) => worker(w)));
    if (run.signal.aborted) return;
    if (doubtfulParts.size > 0) {
      // The cloud would get the raw text of the doubtful parts only, and local summaries of the rest.
      const cloudParts = parts.map((p, i) => ({
        where: p.where,
        summary: doubtfulParts.has(i) ? null : p.summary,
        text: doubtfulParts.has(i) ? windows[i]!.map((x) => x.c.text).join('\n\n') : null,
      }));
      run.cloudRequest = { system: P.SUMMARY_SYSTEM, user: P.cloudSummary(name, cloudParts) };
    }

    // Reduce: combine the part summaries, in rounds if even they do not fit at once. Groups are
    // packed by counted tokens (at least two summaries each, so every round shrinks the list).
    const mapReply = this.mapReplyTokens(run);
    let level = parts;
    const reduceRoom = (replyTokens: number) => this.room(run, replyTokens, P.SUMMARY_SYSTEM, P.reduceSummaries(name, []));
    const finalRoom = await reduceRoom(reply);
    while (level.length > 1 && (await run.engine.countTokens(P.reduceSummaries(name, level))) - (await run.engine.countTokens(P.reduceSummaries(name, []))) > finalRoom) {
      const budget = await reduceRoom(mapReply);
      const counts = await run.engine.countTokensMany(level.map((p) => `[${p.where}]\n${p.summary}`));
      // Any two summaries must fit together, or the rounds would never shrink: an over-long one is cut.
      const half = Math.floor(budget / 2) - 4;
      // A cut by characters only estimates the tokens, so each cut is counted again.
      for (let tries = 0; tries < 4 && counts.some((t) => t > half); tries++) {
        level = level.map((p, i) => {
          const t = counts[i]!;
          return t <= half ? p : { ...p, summary: p.summary.slice(0, Math.floor((p.summary.length * half * 0.8) / t)) };
        });
        counts.splice(0, counts.length, ...(await run.engine.countTokensMany(level.map((p) => `[${p.where}]\n${p.summary}`))));
      }
      const groups: (typeof level)[] = [];
      let group: typeof level = [];
      let size = 0;
      for (const [i, p] of level.entries()) {
        const t = counts[i]! + 4;
        if (group.length >= 2 && size + t > budget) {
          groups.push(group);
          group = [];
          size = 0;
        }
        group.push(p);
        size += t;
      }
      groups.push(group);
      const next: typeof level = [];
      for (const g of groups) {
        if (g.length === 1) {
          next.push(g[0]!);
          continue;
        }
        const r = await this.generate(run, P.SUMMARY_SYSTEM, P.reduceSummaries(name, g), { maxTokens: mapReply, lookup: true, stream: false }, 'document summary: combining parts');
        if (run.signal.aborted) return;
        // The span from the group's first part to its last, so labels stay short however many rounds.
        next.push({ where: `${g[0]!.where.split(' – ')[0]} – ${g.at(-1)!.where.split(' – ').at(-1)}`, summary: r.text.trim() });
      }
      level = next;
    }
    run.out.push({ type: 'progress', messageId: run.message.id, done: windows.length, total: windows.length + 1, label: 'Writing the summary' });
    await this.generate(run, P.SUMMARY_SYSTEM, P.reduceSummaries(name, level), { maxTokens: reply, lookup: true, stream: true }, 'document summary: final');
  }

  /** A part summary: short, and small enough that a handful of them fit one combining prompt. */
  private mapReplyTokens(run: Run): number {
    return Math.min(MAP_REPLY_TOKENS, Math.floor(run.engine.info.contextSize / 6));
  }

  private parallelism(run: Run, work = Number.POSITIVE_INFINITY): number {
    return Math.max(1, Math.min(run.engine.info.sequences, this.maxParallel, work));
  }

  // ---- Ask -------------------------------------------------------------------------------------

  private async ask(run: Run, docs: readonly (DocumentRecord & { sha256: string })[], question: string): Promise<void> {
    const askReply = Math.min(ASK_REPLY_TOKENS, this.storage.settings.get().maxReplyTokens);
    const passages = this.retrieve(run, docs, question, await this.room(run, askReply, P.ASK_SYSTEM, P.askPrompt(question, [])));
    run.task.sources = passages.map((p) => p.citation);
    const user = P.askPrompt(question, passages.map((p) => ({ label: p.citation.label, text: p.text })));
    const r = await this.generate(
      run,
      P.ASK_SYSTEM,
      user,
      { maxTokens: askReply, stream: true },
      'document question',
    );
    if (this.score(run, 'the answer', r, user)) run.cloudRequest = { system: P.ASK_SYSTEM, user };
    const byLabel = new Map(passages.map((p) => [p.citation.label.toLowerCase(), p.citation]));
    run.task.citations = P.citedLabels(run.text).flatMap((l) => {
      const c = byLabel.get(l.toLowerCase());
      return c ? [c] : [];
    });
  }

  /**
   * The best passages for a query (BM25 over the documents' chunks) that fit `budget` tokens, in
   * reading order. A query with no searchable words falls back to each document's opening.
   */
  private retrieve(run: Run, docs: readonly (DocumentRecord & { sha256: string })[], query: string, budget: number) {
    const bySha = new Map(docs.map((d) => [d.sha256, d]));
    let hits: Chunk[] = this.storage.documents.search([...bySha.keys()], query, SEARCH_CANDIDATES);
    if (hits.length === 0) hits = docs.flatMap((d) => this.storage.documents.chunks(d.sha256).slice(0, 8));
    const chosen: Chunk[] = [];
    let used = 0;
    for (const c of hits) {
      const t = this.counted(run, c.sha256)(c) + 12;
      if (used + t <= budget) {
        chosen.push(c);
        used += t;
      } else if (chosen.length === 0) {
        // Even the best passage is longer than the room (a small context): its opening still helps.
        const piece = fitChunk({ c, tokens: t }, budget)[0]!;
        chosen.push(piece.c);
        used += piece.tokens;
      }
    }
    const order = [...bySha.keys()];
    chosen.sort((a, b) => order.indexOf(a.sha256) - order.indexOf(b.sha256) || a.ord - b.ord);
    return chosen.map((c) => {
      const doc = bySha.get(c.sha256)!;
      const citation: Citation = {
        label: P.passageLabel(c, docs.length > 1 ? doc.name : null),
        chunkId: c.id,
        documentId: doc.id,
        page: c.pageStart,
      };
      return { citation, text: c.text };
    });
  }

  // ---- Extract ---------------------------------------------------------------------------------

  private async extract(run: Run, docs: readonly (DocumentRecord & { sha256: string })[], plan: ExtractionPlan): Promise<void> {
    // Room for every field at its bound (a token is at least about two characters of a value).
    const replyTokens = Math.min(Math.floor(run.engine.info.contextSize / 2), 64 + plan.columns.length * (FIELD_MAX_CHARS / 2 + 16));
    const columns = docs.length > 1 ? ['document', ...plan.columns] : plan.columns;
    const rows: Record<string, string | number | boolean | null>[] = [];
    run.task.extraction = { columns, rows };
    for (const [i, d] of docs.entries()) {
      if (run.signal.aborted) return;
      run.out.push({ type: 'progress', messageId: run.message.id, done: i, total: docs.length, label: `Reading ${d.name}` });
      const budget = await this.room(run, replyTokens, P.EXTRACT_SYSTEM, P.extractPrompt(d.name, plan.columns, ''));
      const tokens = this.counted(run, d.sha256);
      const all = this.storage.documents.chunks(d.sha256);
      const whole = all.reduce((s, c) => s + tokens(c) + 2, 0) <= budget;
      let text: string;
      if (whole) text = all.map((c) => c.text).join('\n\n');
      else {
        const passages = this.retrieve(run, [d], plan.columns.join(' '), budget);
        run.task.sources.push(...passages.map((p) => p.citation));
        text = passages.map((p) => p.text).join('\n\n');
      }
      const user = P.extractPrompt(d.name, plan.columns, text);
      const r = await this.generate(
        run,
        P.EXTRACT_SYSTEM,
        user,
        { maxTokens: replyTokens, lookup: true, stream: false, jsonSchema: plan.schema },
        `document extraction: ${d.name}`,
      );
      if (run.signal.aborted) return;
      // One request at most: the first doubtful document's, asking for the same fields as JSON.
      if (this.score(run, d.name, r, user) && !run.cloudRequest) {
        run.cloudRequest = { system: P.EXTRACT_SYSTEM, user: `${user}\n\nAnswer with one JSON object whose keys are exactly: ${plan.columns.join(', ')}.` };
      }
      let value: unknown;
      try {
        value = JSON.parse(r.text);
      } catch (err) {
        throw new AppError('GENERATION_FAILED', {
          message: `The model's answer for “${d.name}” ended before its JSON was complete. Ask for fewer fields, or raise the reply length in Settings.`,
          detail: String(err),
        });
      }
      const obj = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
      const row: Record<string, string | number | boolean | null> = docs.length > 1 ? { document: d.name } : {};
      for (const c of plan.columns) row[c] = cell(obj[c]);
      rows.push(row);
      run.text = markdownTable(columns, rows);
    }
  }

  // ---- One model call --------------------------------------------------------------------------

  private async generate(
    run: Run,
    system: string,
    prompt: string,
    opts: { maxTokens: number; stream: boolean; lookup?: boolean; jsonSchema?: object; key?: string },
    reason: string,
  ): Promise<GenerateResult> {
    const key = `doc-task:${run.message.id}:${opts.key ?? 'main'}`;
    const started = Date.now();
    const model = run.engine.info.name;
    try {
      const r = await run.engine.generate(
        {
          conversationId: key,
          systemPrompt: system,
          turns: [{ role: 'user', content: prompt }],
          maxTokens: opts.maxTokens,
          temperature: 0,
          signal: run.signal,
          // Task steps must not push the person's warm conversations out of the KV cache.
          ephemeral: true,
          ...(opts.lookup ? { lookup: true } : {}),
          ...(opts.jsonSchema ? { jsonSchema: opts.jsonSchema as JsonSchema } : {}),
        },
        opts.stream
          ? {
              onText: (piece) => {
                run.text += piece;
                run.out.push({ type: 'delta', messageId: run.message.id, text: piece });
              },
            }
          : {},
      );
      run.lastStats = toStats(r, model);
      this.log(run, started, model, reason, r, null);
      return r;
    } catch (err) {
      this.log(run, started, model, reason, null, AppError.from(err));
      throw err;
    }
  }

  private log(run: Run, started: number, model: string, reason: string, r: GenerateResult | null, error: AppError | null): void {
    const row: UsageEventInput = {
      time: started,
      conversationId: run.conversationId,
      messageId: run.message.id,
      route: 'local',
      model,
      promptTokens: r?.promptTokens ?? 0,
      completionTokens: r?.completionTokens ?? 0,
      ttftMs: r?.ttftMs ?? null,
      durationMs: r?.durationMs ?? Date.now() - started,
      tokensPerSecond: r?.tokensPerSecond ?? null,
      minP: r?.confidence.minP ?? null,
      p10: r?.confidence.p10 ?? null,
      meanLogp: r?.confidence.meanLogp ?? null,
      margin1: r?.confidence.margin1 ?? null,
      tokenCount: r?.confidence.tokenCount ?? 0,
      sampler: r?.sampler ?? null,
      costUsd: 0,
      outcome: error ? 'error' : r?.stopReason === 'aborted' ? 'aborted' : 'ok',
      error: error?.message ?? null,
      reason,
      usageEstimated: false,
      provider: null,
    };
    this.storage.usage.insert(row);
  }
}

/** Document text may go to the cloud only when settings allow every document, or each one allows it. */
export function documentsMayGoToCloud(allDocuments: boolean, docs: readonly DocumentRecord[]): boolean {
  return allDocuments || docs.every((d) => d.allowCloud);
}

/**
 * A chunk bigger than a whole window (a small context) is cut into pieces that fit, at sentence
 * ends, sized by the chunk's own characters-per-token so the estimate stays on the safe side.
 */
function fitChunk<T extends { c: Chunk; tokens: number }>(x: T, budget: number): T[] {
  if (x.tokens <= budget) return [x];
  const charsPerToken = x.c.text.length / x.tokens;
  const pieces = split(x.c.text, Math.max(200, Math.floor(budget * charsPerToken * 0.85)));
  return pieces.map((text) => ({ ...x, c: { ...x.c, text }, tokens: Math.ceil(text.length / charsPerToken) + 2 }));
}

function extractionPlan(task: Extract<DocTask, { kind: 'extract' }>): ExtractionPlan {
  return task.schema !== undefined ? schemaFromText(task.schema) : schemaForFields(task.fields ?? []);
}

function describe(task: DocTask, docs: readonly DocumentRecord[]): string {
  const names = docs.map((d) => d.name).join(', ');
  if (task.kind === 'summarize') return `Summarize ${names}`;
  if (task.kind === 'ask') return `${task.question}\n\n(about ${names})`;
  return `Extract from ${names}: ${task.fields ? task.fields.join(', ') : 'the fields of my JSON schema'}`;
}

/** "pp. 3–7", "p. 4", or "parts 2–5" for documents without pages. */
function describeSpan(chunks: readonly Chunk[]): string {
  const first = chunks[0]!;
  const last = chunks.at(-1)!;
  if (first.pageStart !== null) {
    const a = first.pageStart;
    const b = last.pageEnd ?? last.pageStart ?? a;
    return a === b ? `p. ${a}` : `pp. ${a}–${b}`;
  }
  return first.ord === last.ord ? `part ${first.ord + 1}` : `parts ${first.ord + 1}–${last.ord + 1}`;
}

function markdownTable(columns: readonly string[], rows: readonly Record<string, string | number | boolean | null>[]): string {
  const esc = (v: unknown) => String(v ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((c) => esc(r[c])).join(' | ')} |`),
  ].join('\n');
}
