import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { AppError, type ProviderId } from '../contract/index.js';

const NAMES: Record<ProviderId, string> = { openai: 'The OpenAI-compatible provider', anthropic: 'Anthropic', huggingface: 'Hugging Face' };

function isTimeout(err: unknown): boolean {
  return err instanceof OpenAI.APIConnectionTimeoutError || err instanceof Anthropic.APIConnectionTimeoutError;
}
function isConnection(err: unknown): boolean {
  return err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError;
}
function statusOf(err: unknown): number | undefined {
  if (err instanceof OpenAI.APIError || err instanceof Anthropic.APIError) return err.status;
  return undefined;
}

/** OpenAI-compatible servers put a machine-readable code on the error, e.g. context_length_exceeded. */
function codeOf(err: unknown): string | undefined {
  const code = err instanceof OpenAI.APIError ? err.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * How providers word "the prompt does not fit": OpenAI's "maximum context length is N tokens",
 * Anthropic's "prompt is too long: N tokens > M maximum", servers' "exceeds the context window".
 * Deliberately narrow: other 400s mention tokens too ("Unsupported parameter: 'max_tokens' ...
 * use 'max_completion_tokens'", "max_tokens: N > M, the maximum allowed output"), and calling
 * those "the conversation is too large" sends the person to shorten a chat that was never the problem.
 */
const TOO_LARGE_WORDING = /context[ _-]?(length|window|size)|maximum context|(prompt|input|request|messages?) (is|are) too (long|large)/i;

/** What the provider said about the error, for the log only: it never reaches the window. */
function providerDetail(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One sentence a person can act on, for every way a cloud call fails. The messages name the
 * provider and the model but never echo request headers, so the API key cannot leak through them.
 */
export function cloudError(err: unknown, provider: ProviderId, model: string, host: string): AppError {
  if (err instanceof AppError) return err;
  const who = NAMES[provider];
  const detail = providerDetail(err);
  if (isTimeout(err)) {
    return new AppError('CLOUD_TIMEOUT', { message: `${who} (${host}) did not answer in time. Try again, or raise the timeout in Settings.`, detail });
  }
  const status = statusOf(err);
  if (status === undefined && isConnection(err)) {
    return new AppError('CLOUD_UNAVAILABLE', { message: `Modest could not reach ${host}, or the connection broke. Check your network and try again.`, detail });
  }
  if (status === 401) return new AppError('CLOUD_AUTH', { message: `${who} refused the API key (401). Check the key in Settings.`, detail });
  if (status === 403) {
    return new AppError('CLOUD_AUTH', { message: `${who} does not allow this API key to use "${model}" (403).`, detail });
  }
  if (status === 404) {
    return new AppError('CLOUD_MODEL_NOT_FOUND', { message: `${who} does not know the model "${model}", or this key cannot use it (404). Check the model name in Settings.`, detail });
  }
  if (status === 413 || (status === 400 && (codeOf(err) === 'context_length_exceeded' || TOO_LARGE_WORDING.test(detail)))) {
    return new AppError('CLOUD_TOO_LARGE', { message: `This conversation is too large for "${model}". Start a new chat, or choose a model with a larger context.`, detail });
  }
  if (status === 429) {
    return new AppError('CLOUD_RATE_LIMITED', { message: `${who} is rate-limiting requests (429), even after retrying. Try again in a minute.`, detail });
  }
  if (status !== undefined && status >= 500) {
    return new AppError('CLOUD_UNAVAILABLE', { message: `${who} failed (${status}), even after retrying. Try again shortly.`, detail });
  }
  if (status === 400) {
    return new AppError('CLOUD_BAD_RESPONSE', {
      message: `${who} rejected the request as invalid (400). "${model}" or this server may not accept one of its settings; check the model and the base URL in Settings.`,
      detail,
    });
  }
  if (status !== undefined) {
    return new AppError('CLOUD_BAD_RESPONSE', { message: `${who} rejected the request (${status}).`, detail });
  }
  return new AppError('CLOUD_BAD_RESPONSE', { message: `${who} sent an answer Modest could not read.`, detail });
}
