import { AppError, logFault, type ChatEvent, type Message, type ReplyStats } from '../contract/index.js';
import type { GenerateResult, Turn } from '../inference/index.js';
import type { Storage } from '../storage/index.js';
import { Channel } from './channel.js';
import type { ModelHost } from './model-host.js';
import { titleFromMessage } from './title.js';

/** How often a streaming reply is written to disk, so a crash loses at most this much. */
export const PARTIAL_SAVE_MS = 1000;

interface Active {
  conversationId: string;
  controller: AbortController;
  /** Settles once the reply is saved, however it ended (run() never rejects). */
  finished: Promise<void>;
}

/**
 * The data flow of one reply: commit the user's message, stream the model's reply while saving it
 * as partial every second, then complete it and log one usage row. Stop keeps what was written.
 */
export class ChatService {
  private readonly active = new Map<string, Active>();

  constructor(
    private readonly storage: Storage,
    private readonly models: ModelHost,
  ) {}

  activeGenerations(): { conversationId: string; messageId: string }[] {
    return [...this.active].map(([messageId, a]) => ({ messageId, conversationId: a.conversationId }));
  }

  stop(messageId: string): boolean {
    const a = this.active.get(messageId);
    if (!a) return false;
    a.controller.abort(new Error('Stopped by the user.'));
    return true;
  }

  /** Graceful shutdown: every running reply ends as partial, and is saved so. */
  async stopAll(): Promise<void> {
    const running = [...this.active.values()];
    for (const a of running) a.controller.abort(new Error('Modest is shutting down.'));
    await Promise.all(running.map((a) => a.finished));
  }

  async send(conversationId: string, text: string, signal: AbortSignal): Promise<AsyncIterable<ChatEvent>> {
    this.assertAccepting();
    const engine = this.models.require();
    if (text.trim() === '') throw new AppError('MESSAGE_EMPTY');
    this.storage.conversations.get(conversationId);
    this.assertIdle(conversationId);
    // Refuse before saving anything: a message the model can never read is not worth keeping.
    const settings = this.storage.settings.get();
    await engine.assertFits(settings.systemPrompt, { role: 'user', content: text }, settings.maxReplyTokens);

    // Checked again after the wait, then written in one synchronous run, so two sends race safely.
    this.assertAccepting();
    const conversation = this.storage.conversations.get(conversationId);
    this.assertIdle(conversationId);
    const user = this.storage.messages.insert({ conversationId, role: 'user', content: text, status: 'complete' });
    if (conversation.title === 'New chat' && this.storage.messages.list(conversationId).length === 1) {
      this.storage.conversations.rename(conversationId, titleFromMessage(text));
    }
    return this.reply(conversationId, { temperature: 0 }, signal, user);
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
    for (const a of this.active.values()) if (a.conversationId === conversationId) throw new AppError('BUSY');
  }


  private reply(
    conversationId: string,
    sampling: { temperature: number },
    signal: AbortSignal,
    user?: Message,
  ): AsyncIterable<ChatEvent> {
    const engine = this.models.require();
    const settings = this.storage.settings.get();
    const history: Turn[] = this.storage.messages
      .list(conversationId)
      .filter((m) => m.status !== 'error' && m.content !== '')
      .map((m) => ({ role: m.role, content: m.content }));
    const assistant = this.storage.messages.insert({ conversationId, role: 'assistant', content: '', status: 'partial' });

    const controller = new AbortController();
    const onClientGone = () => controller.abort(new Error('The window closed the stream.'));
    signal.addEventListener('abort', onClientGone, { once: true });

    const out = new Channel<ChatEvent>();
    if (user) out.push({ type: 'user', message: user });
    out.push({ type: 'start', message: assistant });

    let text = '';
    let dirty = false;
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
    const run = async () => {
      try {
        const result = await engine.generate(
          {
            conversationId,
            systemPrompt: settings.systemPrompt,
            turns: history,
            maxTokens: settings.maxReplyTokens,
            temperature: sampling.temperature,
            signal: controller.signal,
          },
          {
            onText: (piece) => {
              text += piece;
              dirty = true;
              out.push({ type: 'delta', messageId: assistant.id, text: piece });
            },
          },
        );
        const status = result.stopReason === 'aborted' ? 'partial' : 'complete';
        const saved = this.storage.messages.update(assistant.id, { content: result.text, status, stats: toStats(result, engine.info.name) });
        this.logUsage(conversationId, assistant.id, engine.info.name, started, result, status === 'partial' ? 'aborted' : 'ok', null);
        out.push({ type: 'done', message: saved });
      } catch (err) {
        const e = AppError.from(err);
        logFault(e);
        out.push({ type: 'error', messageId: assistant.id, error: e.toPayload() });
        try {
          this.storage.messages.update(assistant.id, { content: text, status: 'error', error: e.message });
          this.logUsage(conversationId, assistant.id, engine.info.name, started, null, 'error', e.message);
        } catch (saveErr) {
          // The database itself failed; the stream has already said what went wrong.
          console.error('[modest] could not record a failed reply:', saveErr);
        }
      } finally {
        clearInterval(saveTimer);
        signal.removeEventListener('abort', onClientGone);
        this.active.delete(assistant.id);
        out.close();
      }
    };
    // Registered before run() starts: its finally (which removes the entry) may run synchronously.
    const entry: Active = { conversationId, controller, finished: Promise.resolve() };
    this.active.set(assistant.id, entry);
    entry.finished = run();
    return out;
  }

  private logUsage(
    conversationId: string,
    messageId: string,
    model: string,
    started: number,
    r: GenerateResult | null,
    outcome: 'ok' | 'aborted' | 'error',
    error: string | null,
  ): void {
    this.storage.usage.insert({
      time: started,
      conversationId,
      messageId,
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
      outcome,
      error,
    });
  }
}

function toStats(r: GenerateResult, model: string): ReplyStats {
  return {
    model,
    route: 'local',
    promptTokens: r.promptTokens,
    evaluatedPromptTokens: r.evaluatedPromptTokens,
    completionTokens: r.completionTokens,
    ttftMs: r.ttftMs,
    durationMs: r.durationMs,
    tokensPerSecond: r.tokensPerSecond,
    confidence: r.confidence,
    sampler: r.sampler,
    droppedMessages: r.droppedMessages,
    stopReason: r.stopReason,
  };
}
