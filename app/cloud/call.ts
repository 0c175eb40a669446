import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { AppError } from '../contract/index.js';
import { cloudError } from './errors.js';
import { roughTokenCount, type CloudOutcome, type CloudRequest, type CloudTarget, type TokenCounter } from './types.js';

/** What a provider's stream reports, in the provider-neutral shape the caller keeps. */
interface Sink {
  text(piece: string): void;
  usage(u: { input?: number; output?: number }): void;
  stop(reason: 'end' | 'max-tokens'): void;
  model(name: string): void;
  /** Called once the response started streaming: from here, silence counts against the timeout. */
  streaming(): void;
}

export interface CallOptions {
  signal?: AbortSignal;
  onText?: (piece: string) => void;
  countTokens?: TokenCounter;
}

export function hostOf(target: CloudTarget): string {
  const fallback = target.provider === 'anthropic' ? 'api.anthropic.com' : 'api.openai.com';
  try {
    return target.baseUrl ? new URL(target.baseUrl).host : fallback;
  } catch {
    return target.baseUrl ?? fallback;
  }
}

/**
 * One streamed cloud reply through the provider's official SDK. Never throws for a failed call:
 * the outcome carries the error together with whatever text arrived and the usage (the
 * provider's, or estimated with `countTokens` when it never came), so the caller can always log
 * the call and keep the local answer.
 */
export async function callCloud(target: CloudTarget, req: CloudRequest, opts: CallOptions = {}): Promise<CloudOutcome> {
  const started = performance.now();
  const abort = new AbortController();
  const onUserAbort = () => abort.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onUserAbort();
  opts.signal?.addEventListener('abort', onUserAbort, { once: true });

  let text = '';
  let ttftMs: number | null = null;
  let model = target.model;
  let stopReason: 'end' | 'max-tokens' = 'end';
  const reported: { input?: number; output?: number } = {};
  let timedOut = false;
  let watchdog: NodeJS.Timeout | undefined;
  let watching = false;
  const rearm = () => {
    if (!watching) return;
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      timedOut = true;
      abort.abort(new Error('The stream went silent.'));
    }, target.timeoutMs);
  };

  const sink: Sink = {
    text(piece) {
      rearm();
      if (piece === '') return;
      ttftMs ??= performance.now() - started;
      text += piece;
      opts.onText?.(piece);
    },
    usage(u) {
      rearm();
      if (u.input !== undefined) reported.input = u.input;
      if (u.output !== undefined) reported.output = u.output;
    },
    stop(reason) {
      stopReason = reason;
    },
    model(name) {
      if (name) model = name;
    },
    streaming() {
      watching = true;
      rearm();
    },
  };

  const count = async (s: string): Promise<number> => {
    try {
      return await (opts.countTokens ?? roughTokenCount)(s);
    } catch {
      // The local model may be gone (unloaded mid-call); a rough count still beats none.
      return roughTokenCount(s);
    }
  };
  const usage = async () => {
    // A request refused or never answered before its stream began (401, 404, connection refused,
    // no response in time) is not billed by the provider: estimating its input would charge the
    // monthly budget for a call that cost nothing.
    if (!watching && reported.input === undefined && reported.output === undefined) return { inputTokens: 0, outputTokens: 0, estimated: false };
    return {
      inputTokens: reported.input ?? (await count([req.system, ...req.turns.map((t) => t.content)].join('\n'))),
      outputTokens: reported.output ?? (await count(text)),
      estimated: reported.input === undefined || reported.output === undefined,
    };
  };
  const base = async () => {
    const durationMs = performance.now() - started;
    return { text, usage: await usage(), model, ttftMs, durationMs };
  };

  const silent = () =>
    new AppError('CLOUD_TIMEOUT', {
      message: `The cloud reply from ${hostOf(target)} stopped arriving for ${Math.round(target.timeoutMs / 1000)} s, so Modest gave up on it.`,
    });
  try {
    if (target.provider === 'anthropic') await streamAnthropic(target, req, abort.signal, sink);
    else await streamOpenAI(target, req, abort.signal, sink);
    // The SDKs end an aborted stream quietly, without throwing: say why it ended.
    if (opts.signal?.aborted) return { ok: true, stopReason: 'aborted', ...(await base()) };
    if (timedOut) return { ok: false, error: silent(), ...(await base()) };
    return { ok: true, stopReason, ...(await base()) };
  } catch (err) {
    if (opts.signal?.aborted) return { ok: true, stopReason: 'aborted', ...(await base()) };
    const error = timedOut ? silent() : cloudError(brokenStream(err), target.provider, target.model, hostOf(target));
    return { ok: false, error, ...(await base()) };
  } finally {
    clearTimeout(watchdog);
    opts.signal?.removeEventListener('abort', onUserAbort);
  }
}

/** A connection that dies mid-stream surfaces from fetch as a bare TypeError('terminated'). */
function brokenStream(err: unknown): unknown {
  const cause = (err as { cause?: { code?: string } } | null)?.cause;
  if (err instanceof TypeError && (err.message === 'terminated' || cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET')) {
    return new OpenAI.APIConnectionError({ message: 'The connection broke in the middle of the reply.', cause: err });
  }
  return err;
}

async function streamOpenAI(target: CloudTarget, req: CloudRequest, signal: AbortSignal, sink: Sink): Promise<void> {
  const client = new OpenAI({
    apiKey: target.apiKey,
    baseURL: target.baseUrl ?? undefined,
    timeout: target.timeoutMs,
    maxRetries: target.maxRetries,
  });
  const stream = await client.chat.completions.create(
    {
      model: target.model,
      messages: [{ role: 'system', content: req.system }, ...req.turns],
      // max_tokens rather than max_completion_tokens: every OpenAI-compatible server knows it.
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      stream: true,
      stream_options: { include_usage: true },
    },
    { signal },
  );
  sink.streaming();
  for await (const chunk of stream) {
    if (chunk.model) sink.model(chunk.model);
    const choice = chunk.choices[0];
    if (choice?.delta?.content) sink.text(choice.delta.content);
    else sink.text('');
    if (choice?.finish_reason) sink.stop(choice.finish_reason === 'length' ? 'max-tokens' : 'end');
    if (chunk.usage) sink.usage({ input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens });
  }
}

async function streamAnthropic(target: CloudTarget, req: CloudRequest, signal: AbortSignal, sink: Sink): Promise<void> {
  const client = new Anthropic({
    apiKey: target.apiKey,
    baseURL: target.baseUrl ?? undefined,
    timeout: target.timeoutMs,
    maxRetries: target.maxRetries,
  });
  const stream = await client.messages.create(
    {
      model: target.model,
      system: req.system,
      messages: req.turns,
      max_tokens: req.maxTokens,
      // No temperature: this SDK's Messages API no longer takes sampling parameters.
      stream: true,
    },
    { signal },
  );
  sink.streaming();
  for await (const event of stream) {
    switch (event.type) {
      case 'message_start':
        sink.model(event.message.model);
        // Output tokens here are a placeholder; message_delta carries the real count.
        sink.usage({ input: event.message.usage.input_tokens });
        break;
      case 'content_block_delta':
        sink.text(event.delta.type === 'text_delta' ? event.delta.text : '');
        break;
      case 'message_delta':
        sink.usage({ output: event.usage.output_tokens });
        if (event.delta.stop_reason) sink.stop(event.delta.stop_reason === 'max_tokens' ? 'max-tokens' : 'end');
        break;
      default:
        sink.text('');
    }
  }
}
