import { AppError, DEFAULT_SETTINGS, MIN_LABELS_TO_ADOPT, type Settings } from '../contract/index.js';
import type { z } from 'zod';
import type { AdoptRouterInputSchema } from '../contract/index.js';
import { MIN_MEAN_LOGP } from '../routing/signals.js';

type AdoptInput = z.infer<typeof AdoptRouterInputSchema>;

const ESCALATE_ALL_SLACK = 1e-5; // as the settings schema allows

/**
 * The settings that put an evaluated router in force. Only scores Modest computes for each
 * reply can be adopted (the contract's enums see to the names); the threshold must also lie on
 * their scale, or the CSV's column was some other score under Modest's name.
 */
export function adoption(input: AdoptInput, now: number, labels: { acceptable: number; unacceptable: number }): Partial<Settings> {
  if (input.kind === 'reset') {
    return { routerScore: 'default', routerModel: null, routerProvenance: null, confidenceThreshold: DEFAULT_SETTINGS.confidenceThreshold };
  }
  // A thumbs-based threshold rests on the labels stored here, not on what the request claims.
  let count = input.provenance.count;
  if (input.provenance.source === 'labels') {
    count = labels.acceptable + labels.unacceptable;
    if (count < MIN_LABELS_TO_ADOPT || labels.unacceptable === 0) {
      throw new AppError('ROUTER_NOT_ADOPTABLE', {
        message: `A threshold from your thumbs needs at least ${MIN_LABELS_TO_ADOPT} labelled local answers, some of them thumbs-down; there are ${count} (${labels.unacceptable} thumbs-down).`,
      });
    }
  }
  const low = input.kind === 'threshold' && input.score === 'mean_logp' ? MIN_MEAN_LOGP : 0;
  // A hair above 1 is how "escalate every reply" is written when the top score is exactly 1
  // (the recommendation at 100%, a thumbs cut above the highest score).
  if (!(input.threshold >= low && input.threshold <= 1 + ESCALATE_ALL_SLACK)) {
    throw new AppError('ROUTER_NOT_ADOPTABLE', {
      message: `A threshold of ${input.threshold} is outside the range of that score (${low} to 1), so the evaluated column is not Modest's own score. Evaluate a CSV from \`modest eval run\`.`,
    });
  }
  const provenance = { ...input.provenance, count, adoptedAt: now };
  if (input.kind === 'threshold') {
    return { routerScore: input.score, routerModel: null, confidenceThreshold: input.threshold, routerProvenance: provenance };
  }
  return { routerScore: 'learned', routerModel: input.model, confidenceThreshold: input.threshold, routerProvenance: provenance };
}
