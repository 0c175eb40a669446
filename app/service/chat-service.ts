import { callCloud, createRestorer, restore, type CloudOutcome } from '../cloud/index.js';
import { AppError, logFault, type ChatEvent, type Escalation, type Message, type ReplyStats, type Settings } from '../contract/index.js';
import type { Engine, GenerateResult, Turn } from '../inference/index.js';
import { decideAfter, decideBefore, EarlyMonitor, type Decision } from '../routing/index.js';
import type { Storage, UsageEventInput } from '../storage/index.js';
import { ActiveReplies } from './active-replies.js';
import { Channel } from './channel.js';
import { toStats } from './reply-stats.js';
import { documentsMayGoToCloud } from './document-tasks.js';
import type { CloudEscalation } from './cloud-escalation.js';
import type { ModelHost } from './model-host.js';
import { titleFromMessage } from './title.js';

/** How often a streaming reply is written to disk, so a crash loses at most this much. */
export const PARTIAL_SAVE_MS = 1000;

/**
 * The data flow of one reply: commit the user's message, stream the model's reply while saving it
 * as partial every second, then complete it and log one usage row. Stop keeps what was written.
 */
export class ChatService {
  private readonly active = new ActiveReplies();

  constructor(
    private readonly storage: Storage,
    private readonly models: ModelHost,
    private readonly cloud: CloudEscalation,
  ) {}

  activeGenerations(): { conversationId: string; messageId: string }[] {
    return this.active.list();
  }

  stop(messageId: string): boolean {
    return this.active.stop(messageId);
  }

  /** Graceful shutdown: every running reply ends as partial, and is saved so. */
  stopAll(): Promise<void> {
    return this.active.stopAll();
  }

  async send(conversationId: string, text: string, signal: AbortSignal, toCloud = false): Promise<AsyncIterable<ChatEvent>> {
    this.assertAccepting();
    const engine = this.models.require();
    if (text.trim() === '') throw new AppError('MESSAGE_EMPTY');
    this.storage.conversations.get(conversationId);
    this.assertIdle(conversationId);
    // Refuse before saving anything: a message the model can never read is not worth keeping,
    // unless the router may send it to the cloud instead.
    const settings = this.storage.settings.get();
    const forced = toCloud ? this.chosenCloud(settings, conversationId) : await this.tooLongForLocal(engine, settings, conversationId, text);

    // Checked again after the wait, then written in one synchronous run, so two sends race safely.
    this.assertAccepting();
    const conversation = this.storage.conversations.get(conversationId);
    this.assertIdle(conversationId);
    const user = this.storage.messages.insert({ conversationId, role: 'user', content: text, status: 'complete' });
    if (conversation.title === 'New chat' && this.storage.messages.list(conversationId).length === 1) {
      this.storage.conversations.rename(conversationId, titleFromMessage(text));
    }
    return this.reply(conversationId, { temperature: 0 }, signal, user, forced);
  }

  /** The person picked the cloud for this message: refused (nothing saved) where it may not go. */
  private chosenCloud(settings: Settings, conversationId: string): Decision {
    const refusal = this.cloudRefusal(conversationId);
    if (refusal) throw new AppError('CONFLICT', { message: refusal });
    if (!this.cloud.ready(settings)) this.cloud.assertKey(settings);
    return decideBefore({ mode: settings.escalationMode, keepLocal: false, userChoseCloud: true, promptTokens: 0, localContext: 1 });
  }

  /**
   * Why nothing from this conversation may go to the cloud, read from storage each time it is
   * asked: "keep local" and Off can be switched on while a reply is being written.
   */
  private cloudRefusal(conversationId: string): string | null {
    if (this.storage.conversations.get(conversationId).keepLocal) return 'This conversation is kept local, so nothing from it is sent to the cloud.';
    if (this.storage.settings.get().escalationMode === 'off') return 'Cloud escalation is off. Turn it on in Settings first.';
    return null;
  }

  /**
   * PROMPT_TOO_LONG stands unless Auto mode can send the message to the cloud; then the
   * before-rule decides, with the token numbers in its reason.
   */
  private async tooLongForLocal(engine: Engine, settings: Settings, conversationId: string, text: string): Promise<Decision | undefined> {
    try {
      await engine.assertFits(settings.systemPrompt, { role: 'user', content: text }, settings.maxReplyTokens);
      return undefined;
    } catch (err) {
      const e = AppError.from(err);
      const m = /tokens=(\d+) budget=(\d+)/.exec(e.detail ?? '');
      if (e.code !== 'PROMPT_TOO_LONG' || !m || !this.cloud.ready(settings)) throw e;
      const decision = decideBefore({
        mode: settings.escalationMode,
        keepLocal: this.storage.conversations.get(conversationId).keepLocal,
        userChoseCloud: false,
        promptTokens: Number(m[1]),
        localContext: Number(m[2]),
      });
      if (decision.route !== 'cloud') throw e;
      // Checked before the message is saved: a question only the cloud can read, which the budget
      // then refuses, would be left in the chat with nobody able to answer it.
      const history = [...this.history(conversationId), { role: 'user' as const, content: text }];
      const affordable = await this.cloud.couldCall(settings, history, (t) => engine.countTokens(t));
      if (!affordable) {
        throw new AppError('PROMPT_TOO_LONG', {
          message: `${e.message} The cloud model could read it, but this month's cloud budget cannot cover the call.`,
          detail: e.detail,
        });
      }
      return decision;
    }
  }

  regenerate(messageId: string, signal: AbortSignal): AsyncIterable<ChatEvent> {
    this.assertAccepting();
    this.models.require();
    const target = this.storage.messages.get(messageId);
    if (target.role !== 'assistant') {
      throw new AppError('BAD_REQUEST', { message: 'Only a reply from the model can be regenerated.' });
    }
    this.storage.conversations.get(target.conversationId);
    this.assertIdle(target.conversationId);
    this.storage.messages.deleteAfter(messageId, { inclusive: true });
    const temperature = this.storage.settings.get().regenerateTemperature;
    return this.reply(target.conversationId, { temperature }, signal);
  }

  async editAndResend(messageId: string, text: string, signal: AbortSignal): Promise<AsyncIterable<ChatEvent>> {
    this.assertAccepting();
    const engine = this.models.require();
    if (text.trim() === '') throw new AppError('MESSAGE_EMPTY');
    const check = () => {
      const target = this.storage.messages.get(messageId);
      if (target.role !== 'user') throw new AppError('BAD_REQUEST', { message: 'Only your own messages can be edited.' });
      this.storage.conversations.get(target.conversationId);
      this.assertIdle(target.conversationId);
      return target;
    };
    check();
    // Every check before the first change: a refused edit leaves the conversation as it was.
    const settings = this.storage.settings.get();
    await engine.assertFits(settings.systemPrompt, { role: 'user', content: text }, settings.maxReplyTokens);
    this.assertAccepting();
    const target = check();
    this.storage.messages.deleteAfter(messageId, { inclusive: false });
    const user = this.storage.messages.update(messageId, { content: text });
    return this.reply(target.conversationId, { temperature: 0 }, signal, user);
  }

  /**
   * Runs `work` with new replies refused, after ending the running ones (Delete all my data must
   * not race a reply that starts in another window meanwhile).
   */
  async exclusive<T>(reason: string, work: () => T): Promise<T> {
    this.refusing = reason;
    try {
      await this.stopAll();
      return work();
    } finally {
      this.refusing = null;
    }
  }

  private refusing: string | null = null;

  private assertAccepting(): void {
    if (this.refusing) throw new AppError('CONFLICT', { message: this.refusing });
  }

  private assertIdle(conversationId: string): void {
    if (this.active.busy(conversationId)) throw new AppError('BUSY');
  }


  private history(conversationId: string, beforeMessageId?: string): Turn[] {
    const all = this.storage.messages.list(conversationId);
    const end = beforeMessageId ? all.findIndex((m) => m.id === beforeMessageId) : all.length;
    return all
      .slice(0, end === -1 ? all.length : end)
      .filter((m) => m.status !== 'error' && m.content !== '')
      .map((m) => ({ role: m.role, content: m.content }));
  }

  private reply(
    conversationId: string,
    sampling: { temperature: number },
    signal: AbortSignal,
    user?: Message,
    forced?: Decision,
  ): AsyncIterable<ChatEvent> {
    const engine = this.models.require();
    const settings = this.storage.settings.get();
    const history = this.history(conversationId);
    const assistant = this.storage.messages.insert({ conversationId, role: 'assistant', content: '', status: 'partial' });
    return this.stream(conversationId, assistant, signal, user, async (ctx) => {
      const keepLocal = this.storage.conversations.get(conversationId).keepLocal;
      const policy = this.cloud.policy(settings);
      if (forced) {
        // Ask mode shows the exact text and cost first: the reply waits, offered, for Send.
        if (forced.reason === 'you asked' && settings.escalationMode === 'ask' && settings.previewBeforeSend) {
          ctx.finish({ content: '', status: 'complete', escalation: offered(forced.reason, settings.cloudModel) });
          return;
        }
        return ctx.toCloud(settings, history, forced, null);
      }

      // Auto: watch each token, and stop the local model as soon as escalation is certain. Only when
      // the cloud can then take over (a key, room in the budget for the worst case): otherwise the
      // early stop would leave a token or two as the only answer.
      const canHandOver =
        policy.mode === 'auto' && !keepLocal && (await this.cloud.couldCall(settings, history, (t) => engine.countTokens(t)).catch(() => false));
      const monitor = canHandOver ? new EarlyMonitor(policy, settings.maxReplyTokens) : null;
      // Stopped, or the window gone, before the model started: the engine would still sample a
      // token before the stop reached its thread, so it is not started at all (and nothing ran to log).
      if (ctx.signal.aborted) {
        ctx.finish({ content: '', status: 'partial' });
        return;
      }
      const local = new AbortController();
      const stopLocal = () => local.abort(ctx.signal.reason);
      ctx.signal.addEventListener('abort', stopLocal, { once: true });
      let early: Decision | null = null;
      let result: GenerateResult;
      try {
        result = await engine.generate(
          {
            conversationId,
            systemPrompt: settings.systemPrompt,
            turns: history,
            maxTokens: settings.maxReplyTokens,
            temperature: sampling.temperature,
            signal: local.signal,
          },
          {
            onText: (piece) => ctx.text(piece),
            onToken: (p) => {
              if (!monitor || early) return;
              early = monitor.observe(p);
              if (early) local.abort(new Error('Escalating to the cloud.'));
            },
          },
        );
      } catch (err) {
        ctx.localFailed(engine.info.name, err);
        return;
      } finally {
        ctx.signal.removeEventListener('abort', stopLocal);
      }
      const stats = toStats(result, engine.info.name);
      if (ctx.signal.aborted) {
        ctx.finish({ content: result.text, status: 'partial', stats });
        this.logLocal(ctx, engine.info.name, result, 'aborted', null);
        return;
      }
      const decision = early ?? decideAfter(result.confidence, policy, keepLocal, lastUserText(history));
      this.logLocal(ctx, engine.info.name, result, early ? 'aborted' : 'ok', decision.reason);
      // A whole local answer stands when there is no key; one cut short for the cloud goes on to
      // toCloud even then, which saves it as partial with the reason.
      if (decision.route === 'local' || (decision.route === 'cloud' && !early && !this.cloud.ready(settings))) {
        ctx.finish({ content: result.text, status: 'complete', stats });
        return;
      }
      if (decision.route === 'offer') {
        const escalation = this.cloudRefusal(conversationId) ? null : offered(decision.reason, settings.cloudModel);
        ctx.finish({ content: result.text, status: 'complete', stats, escalation });
        return;
      }
      await ctx.toCloud(settings, history, decision, { content: result.text, stats, status: early ? 'partial' : 'complete', cut: early !== null });
    });
  }

  /** What Ask mode's preview shows: exactly what would be sent, to where, and what it may cost. */
  async preview(messageId: string) {
    const { settings, history } = this.escalationInputs(messageId);
    const engine = this.models.current;
    const prepared = await this.cloud.prepare(settings, history, (t) => engine?.countTokens(t) ?? Math.ceil(t.length / 4));
    return {
      provider: prepared.target.provider,
      model: prepared.target.model,
      host: prepared.host,
      system: prepared.request.system,
      turns: prepared.request.turns,
      inputTokens: prepared.inputTokens,
      estimatedCostUsd: prepared.estimatedCostUsd,
      maxCostUsd: prepared.maxCostUsd,
      priceKnown: prepared.priceKnown,
      budget: this.cloud.budget(settings),
    };
  }

  /**
   * "Ask <cloud model>" on a local answer: sends the conversation up to it (or the text the person
   * approved in the preview) and makes the cloud reply the answer, keeping the local one as draft.
   */
  escalate(messageId: string, signal: AbortSignal, approved?: { system: string; turns: Turn[] }): AsyncIterable<ChatEvent> {
    this.assertAccepting();
    const { settings, history, target } = this.escalationInputs(messageId);
    this.assertIdle(target.conversationId);
    if (target.task && !approved) {
      throw new AppError('CONFLICT', { message: 'Document text goes to the cloud only after you have seen it: open the preview and press Send.' });
    }
    this.storage.labels.add(messageId, 'asked-cloud');
    const draft: LocalDraft = { content: target.content, stats: target.stats, status: target.status === 'complete' ? 'complete' : 'partial', cut: false };
    const decision: Decision = { route: 'cloud', reason: target.escalation?.state === 'offered' ? target.escalation.reason : 'you asked' };
    return this.stream(target.conversationId, target, signal, undefined, (ctx) => {
      // The local call whose answer the cloud reply replaces: the dashboard then counts this
      // message once, as a cloud answer, as it does when Auto escalates.
      ctx.localUsageId = this.storage.usage.latestLocalAnswer(target.id);
      return ctx.toCloud(settings, history, decision, draft, approved);
    });
  }

  private escalationInputs(messageId: string) {
    const target = this.storage.messages.get(messageId);
    if (target.role !== 'assistant') throw new AppError('BAD_REQUEST', { message: 'Only a reply from the model can be sent to the cloud.' });
    const refusal = this.cloudRefusal(target.conversationId);
    if (refusal) throw new AppError('CONFLICT', { message: refusal });
    const settings = this.storage.settings.get();
    if (target.task) {
      // A document answer sends the one request its task prepared (only the passages it needs),
      // and only while its documents may still go to the cloud.
      const request = target.task.cloud;
      if (!request) throw new AppError('CONFLICT', { message: 'This answer has nothing to send to the cloud: it was not doubtful, or its documents are local-only.' });
      const docs = target.task.documentIds.map((id) => this.storage.documents.get(id));
      if (!documentsMayGoToCloud(settings.documentsToCloud, docs)) {
        throw new AppError('CONFLICT', { message: 'These documents stay on this computer. Allow the cloud for them on their chips, or in Settings, first.' });
      }
      return { target, settings: { ...settings, systemPrompt: request.system }, history: [{ role: 'user' as const, content: request.user }] };
    }
    return { target, settings, history: this.history(target.conversationId, messageId) };
  }

  /**
   * The shared life of one reply on screen: events out, a partial save every second, the final
   * save, and the bookkeeping of Stop and shutdown. `work` decides what fills the message.
   */
  private stream(
    conversationId: string,
    assistant: Message,
    signal: AbortSignal,
    user: Message | undefined,
    work: (ctx: ReplyContext) => Promise<void>,
  ): AsyncIterable<ChatEvent> {
    const controller = new AbortController();
    const onClientGone = () => controller.abort(new Error('The window closed the stream.'));
    // Gone already (closed while the request was being checked): the listener would never fire.
    if (signal.aborted) onClientGone();
    else signal.addEventListener('abort', onClientGone, { once: true });

    const out = new Channel<ChatEvent>();
    if (user) out.push({ type: 'user', message: user });
    out.push({ type: 'start', message: assistant });

    let text = '';
    let dirty = false;
    let finished = false;
    let usageRows = 0;
    const saveTimer = setInterval(() => {
      if (!dirty) return;
      dirty = false;
      try {
        this.storage.messages.update(assistant.id, { content: text, status: 'partial' });
      } catch (err) {
        // A failed periodic save must not end the reply; the final save still runs.
        console.error('[modest] partial save failed:', err);
      }
    }, PARTIAL_SAVE_MS);

    const started = Date.now();
    const ctx: ReplyContext = {
      localUsageId: null,
      conversationId,
      messageId: assistant.id,
      started,
      signal: controller.signal,
      logUsage: (row) => {
        const id = this.storage.usage.insert(row);
        usageRows++;
        return id;
      },
      text: (piece) => {
        text += piece;
        dirty = true;
        out.push({ type: 'delta', messageId: assistant.id, text: piece });
      },
      finish: (patch) => {
        const saved = this.storage.messages.update(assistant.id, { error: null, ...patch });
        // Only once saved: if the save throws, run() must still see the reply as unfinished and
        // send the error, or the stream would just end with neither done nor error.
        finished = true;
        dirty = false;
        out.push({ type: 'done', message: saved });
      },
      localFailed: (model, err, { logUsage = true } = {}) => {
        const e = AppError.from(err);
        logFault(e);
        finished = true;
        out.push({ type: 'error', messageId: assistant.id, error: e.toPayload() });
        try {
          this.storage.messages.update(assistant.id, { content: text, status: 'error', error: e.message });
          if (logUsage) ctx.logUsage({ ...emptyUsage(ctx, 'local', model), outcome: 'error', error: e.message });
        } catch (saveErr) {
          // The database itself failed; the stream has already said what went wrong.
          console.error('[modest] could not record a failed reply:', saveErr);
        }
      },
      toCloud: async (settings, history, decision, draft, approved) => {
        const engine = this.models.current;
        const countTokens = (t: string) => engine?.countTokens(t) ?? Math.ceil(t.length / 4);
        const escalation = (state: Escalation['state'], error: string | null, localDraft: Escalation['localDraft'] = null): Escalation => ({
          state,
          reason: decision.reason,
          cloudModel: settings.cloudModel,
          localDraft,
          error,
        });
        const keepLocalAnswer = (state: 'declined' | 'failed', e: AppError) => {
          if (!draft) {
            // Nothing local to fall back on. No local call happened, so no local usage row: the
            // cloud call, when one was made, has logged its own.
            ctx.localFailed(settings.cloudModel, e, { logUsage: false });
            return;
          }
          // A local answer stopped early for the cloud is a fragment: saved as partial, and said so.
          const error = draft.cut ? `${e.message} The local answer was stopped early to ask the cloud, so it is incomplete.` : e.message;
          ctx.finish({ content: draft.content, status: draft.status, stats: draft.stats, escalation: escalation(state, error) });
        };
        // Stop before any cloud text arrived: the local answer is still the best there is.
        const stoppedFirst = () => {
          const error = `Stopped before ${settings.cloudModel} answered.`;
          if (draft) ctx.finish({ content: draft.content, status: draft.status, stats: draft.stats, escalation: escalation('declined', error) });
          else ctx.finish({ content: '', status: 'partial', escalation: escalation('declined', error) });
        };
        // The conversation's "keep local" and the mode are read again here, not taken from when
        // the reply began: the person may have switched them while the local model was writing.
        const refused = (): boolean => {
          const why = this.cloudRefusal(ctx.conversationId);
          if (why) keepLocalAnswer('declined', new AppError('CONFLICT', { message: why }));
          return why !== null;
        };
        if (refused()) return;
        if (ctx.signal.aborted) return stoppedFirst();
        let prepared;
        let release: () => void;
        try {
          prepared = await this.cloud.prepare(settings, history, countTokens, approved);
          release = this.cloud.reserve(settings, prepared.maxCostUsd);
        } catch (err) {
          const e = AppError.from(err);
          keepLocalAnswer(e.code === 'BUDGET_EXCEEDED' ? 'declined' : 'failed', e);
          return;
        }
        // Preparing awaits the tokenizer: check both again before anything leaves the machine.
        if (ctx.signal.aborted || this.cloudRefusal(ctx.conversationId)) {
          release();
          if (!refused()) stoppedFirst();
          return;
        }
        text = '';
        out.push({ type: 'escalate', messageId: assistant.id, reason: decision.reason, cloudModel: settings.cloudModel });
        // Placeholders are put back as the reply streams, holding back any split across pieces.
        const restorer = createRestorer(prepared.redactions);
        let outcome: CloudOutcome;
        try {
          outcome = await callCloud(prepared.target, prepared.request, {
            signal: controller.signal,
            onText: (piece) => {
              const shown = restorer.push(piece);
              if (shown) ctx.text(shown);
            },
            countTokens,
          });
          const rest = restorer.flush();
          if (rest) ctx.text(rest);
        } finally {
          release();
        }
        const usage = this.cloud.usageOf(settings, outcome);
        ctx.logUsage({
          ...emptyUsage(ctx, 'cloud', outcome.model),
          ...usage,
          reason: decision.reason,
          time: Date.now(),
        });
        if (!outcome.ok) {
          logFault(outcome.error);
          keepLocalAnswer('failed', outcome.error);
          return;
        }
        if (outcome.stopReason === 'aborted' && outcome.text === '') return stoppedFirst();
        if (ctx.localUsageId !== null) this.storage.usage.markEscalated(ctx.localUsageId);
        ctx.finish({
          content: restore(outcome.text, prepared.redactions),
          status: outcome.stopReason === 'aborted' ? 'partial' : 'complete',
          stats: cloudStats(outcome, settings, usage.costUsd),
          escalation: escalation('escalated', null, draft && { content: draft.content, stats: draft.stats }),
        });
      },
    };

    const run = async () => {
      try {
        await work(ctx);
        if (!finished) ctx.finish({ content: text, status: controller.signal.aborted ? 'partial' : 'complete' });
      } catch (err) {
        // A call already logged its row; a second, made-up one would count a call that never was.
        if (!finished) ctx.localFailed(this.models.current?.info.name ?? 'unknown', err, { logUsage: usageRows === 0 });
      } finally {
        clearInterval(saveTimer);
        signal.removeEventListener('abort', onClientGone);
        this.active.delete(assistant.id);
        out.close();
      }
    };
    this.active.run(assistant.id, conversationId, controller, run);
    return out;
  }

  private logLocal(ctx: ReplyContext, model: string, r: GenerateResult, outcome: 'ok' | 'aborted', reason: string | null): void {
    ctx.localUsageId = ctx.logUsage({
      ...emptyUsage(ctx, 'local', model),
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      ttftMs: r.ttftMs,
      durationMs: r.durationMs,
      tokensPerSecond: r.tokensPerSecond,
      minP: r.confidence.minP,
      p10: r.confidence.p10,
      meanLogp: r.confidence.meanLogp,
      margin1: r.confidence.margin1,
      tokenCount: r.confidence.tokenCount,
      sampler: r.sampler,
      outcome,
      reason,
    });
  }
}

/** The local answer a cloud reply would replace, and what to save if it does not. */
interface LocalDraft {
  content: string;
  stats: ReplyStats | null;
  status: 'complete' | 'partial';
  /** Auto's early stop cut it short to hand over to the cloud. */
  cut: boolean;
}

interface ReplyContext {
  /** The local call's usage row, marked escalated when the cloud reply replaces its answer. */
  localUsageId: number | null;
  conversationId: string;
  messageId: string;
  started: number;
  signal: AbortSignal;
  /** Writes one usage row; returns its id. */
  logUsage(row: UsageEventInput): number;
  text(piece: string): void;
  finish(patch: { content: string; status: 'complete' | 'partial'; stats?: ReplyStats | null; escalation?: Escalation | null }): void;
  /** Ends the reply with an error. `logUsage: false` when no local call happened to log. */
  localFailed(model: string, err: unknown, opts?: { logUsage?: boolean }): void;
  toCloud(settings: Settings, history: Turn[], decision: Decision, draft: LocalDraft | null, approved?: { system: string; turns: Turn[] }): Promise<void>;
}

function emptyUsage(ctx: ReplyContext, route: 'local' | 'cloud', model: string): UsageEventInput {
  return {
    time: ctx.started,
    conversationId: ctx.conversationId,
    messageId: ctx.messageId,
    route,
    model,
    promptTokens: 0,
    completionTokens: 0,
    ttftMs: null,
    durationMs: Date.now() - ctx.started,
    tokensPerSecond: null,
    minP: null,
    p10: null,
    meanLogp: null,
    margin1: null,
    tokenCount: 0,
    sampler: null,
    costUsd: 0,
    outcome: 'ok',
    error: null,
    reason: null,
    usageEstimated: false,
    provider: null,
  };
}

function offered(reason: string, cloudModel: string): Escalation {
  return { state: 'offered', reason, cloudModel, localDraft: null, error: null };
}

function cloudStats(o: Extract<CloudOutcome, { ok: true }>, s: Settings, costUsd: number): ReplyStats {
  return {
    model: o.model,
    route: 'cloud',
    promptTokens: o.usage.inputTokens,
    evaluatedPromptTokens: o.usage.inputTokens,
    completionTokens: o.usage.outputTokens,
    ttftMs: o.ttftMs,
    durationMs: o.durationMs,
    tokensPerSecond: o.durationMs > 0 ? (o.usage.outputTokens * 1000) / o.durationMs : null,
    confidence: { minP: null, p10: null, meanLogp: null, margin1: null, tokenCount: 0 },
    sampler: { temperature: 0, topK: 0, topP: 1, seed: null },
    droppedMessages: 0,
    stopReason: o.stopReason === 'aborted' ? 'aborted' : o.stopReason === 'max-tokens' ? 'max-tokens' : 'eog',
    costUsd,
    usageEstimated: o.usage.estimated,
  };
}

/** The message being answered: what an adopted learned router reads its prompt features from. */
function lastUserText(history: readonly Turn[]): string {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.role === 'user') return history[i]!.content;
  return '';
}
