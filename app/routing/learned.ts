import type { LearnedModel } from '../contract/index.js';

/**
 * The learned router at routing time: a logistic regression fitted by `modest eval report`
 * (app/eval/logistic.ts) on standardised features. Here, not in app/eval, so routing keeps
 * importing only the contract and the fit and the live score cannot drift apart.
 */
export function predictLearned(model: Pick<LearnedModel, 'means' | 'scales' | 'weights' | 'intercept'>, row: readonly number[]): number {
  let z = model.intercept;
  for (let i = 0; i < model.weights.length; i++) z += (model.weights[i]! * ((row[i] ?? 0) - model.means[i]!)) / model.scales[i]!;
  // Two forms so that a large |z| never computes exp of a large positive number.
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export interface PromptFeatures {
  prompt_log_chars: number;
  prompt_has_number: number;
  prompt_has_code: number;
}

const CODE = /```|^(?: {4}|\t)\S|[;{}]|\bdef |\bfunction |=>/m;

/** Cheap facts about the prompt that predict trouble for a small model: length, numbers, code. */
export function promptFeatures(prompt: string): PromptFeatures {
  return {
    prompt_log_chars: Math.log1p(prompt.length),
    prompt_has_number: /\d/.test(prompt) ? 1 : 0,
    prompt_has_code: CODE.test(prompt) ? 1 : 0,
  };
}
