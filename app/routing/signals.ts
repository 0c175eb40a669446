import type { Confidence } from '../contract/index.js';

/**
 * A reply's confidence fields as numbers, the same way everywhere they are compared: in the CSV
 * `eval run` writes, and when an adopted router scores a live reply. A field the reply does not
 * have (no tokens, no second candidate) takes the lowest value of its scale, because an answer
 * with nothing to judge it by should not look confident: 0 for probabilities and the margin,
 * MIN_MEAN_LOGP for the mean log-probability.
 */
export const MIN_MEAN_LOGP = -100;

export type SignalName = 'min_p' | 'p10' | 'mean_logp' | 'margin1';

export function signalValue(c: Confidence, name: SignalName): number {
  switch (name) {
    case 'min_p':
      return c.minP ?? 0;
    case 'p10':
      return c.p10 ?? 0;
    case 'mean_logp':
      return c.meanLogp === null ? MIN_MEAN_LOGP : Math.max(MIN_MEAN_LOGP, c.meanLogp);
    case 'margin1':
      return c.margin1 ?? 0;
  }
}
