import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cloudError } from '../../app/cloud/errors.js';

/** The SDKs' own error classes, as they build them from a provider's 400 body. */
const openai400 = (message: string, code: string | null = null) =>
  OpenAI.APIError.generate(400, { error: { message, type: 'invalid_request_error', code } }, undefined, new Headers());
const anthropic400 = (message: string) =>
  Anthropic.APIError.generate(400, { type: 'error', error: { type: 'invalid_request_error', message } }, undefined, new Headers());

const codeOf = (err: unknown, provider: 'openai' | 'anthropic' = 'openai') => cloudError(err, provider, 'some-model', 'example.test').code;

describe('cloudError on a 400', () => {
  it('says "too large" for context-length wording, or OpenAI\'s context_length_exceeded code', () => {
    expect(codeOf(openai400("This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."))).toBe('CLOUD_TOO_LARGE');
    expect(codeOf(openai400('Request rejected', 'context_length_exceeded'))).toBe('CLOUD_TOO_LARGE');
    expect(codeOf(openai400('The input exceeds the context window of this model.'))).toBe('CLOUD_TOO_LARGE');
    expect(codeOf(anthropic400('prompt is too long: 208000 tokens > 200000 maximum'), 'anthropic')).toBe('CLOUD_TOO_LARGE');
  });

  it('keeps other 400s that mention tokens out of "too large", with the provider\'s words in the detail', () => {
    const said = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
    const e = cloudError(openai400(said, 'unsupported_parameter'), 'openai', 'o3', 'api.openai.com');
    expect(e.code).toBe('CLOUD_BAD_RESPONSE');
    expect(e.message).toContain('(400)');
    expect(e.message).not.toContain('max_completion_tokens');
    expect(e.detail).toContain(said);
    expect(codeOf(anthropic400('max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-x'), 'anthropic')).toBe('CLOUD_BAD_RESPONSE');
    expect(codeOf(openai400('Invalid value for temperature: too many decimals in maximum'))).toBe('CLOUD_BAD_RESPONSE');
  });
});
