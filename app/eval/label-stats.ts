import { APP_SIGNALS, type Confidence, type LabelStats } from '../contract/index.js';
import { DEFAULT_POLICY, scoreReply } from '../routing/index.js';
import { signalValue } from '../routing/signals.js';
import { auroc } from './metrics.js';

export interface Verdict {
  acceptable: boolean;
  confidence: Confidence;
}

/**
 * The local-correctness view of in-app labels. A thumb says whether the local answer was
 * acceptable, never whether the cloud's would have been better, so this ranks signals by how
 * well they find bad local answers (AUROC) and gives the threshold that flags a chosen share of
 * them: no PGR, no cost.
 */
export function labelStats(verdicts: readonly Verdict[], flagShare: number, shortAnswerTokens: number): LabelStats {
  const acceptable = verdicts.filter((v) => v.acceptable).length;
  const unacceptable = verdicts.length - acceptable;
  const policy = { ...DEFAULT_POLICY, shortAnswerTokens };
  const signals = (['default', ...APP_SIGNALS] as const).map((signal) => {
    const scores = Float64Array.from(verdicts, (v) =>
      signal === 'default' ? (scoreReply(v.confidence, policy)?.value ?? 0) : signalValue(v.confidence, signal),
    );
    const good = Uint8Array.from(verdicts, (v) => (v.acceptable ? 1 : 0));
    const threshold = flaggingThreshold(scores, good, flagShare);
    let flaggedGood = 0;
    if (threshold !== null) for (let i = 0; i < scores.length; i++) if (good[i] && scores[i]! < threshold) flaggedGood++;
    return {
      signal,
      auroc: verdicts.length > 0 ? auroc(scores, good) : null,
      threshold,
      flagged_acceptable_share: threshold !== null && acceptable > 0 ? flaggedGood / acceptable : null,
    };
  });
  return { labels: verdicts.length, acceptable, unacceptable, flag_share: flagShare, signals };
}

/**
 * The smallest threshold (escalate when score < threshold) that flags at least `share` of the
 * unacceptable answers: halfway between the k-th lowest unacceptable score and the next higher
 * score of any answer, so it reads as a clean cut rather than one answer's exact value.
 */
export function flaggingThreshold(scores: Float64Array, good: Uint8Array, share: number): number | null {
  const bad: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!good[i]) bad.push(scores[i]!);
  if (bad.length === 0) return null;
  bad.sort((a, b) => a - b);
  const k = Math.max(1, Math.ceil(share * bad.length - 1e-9));
  const cut = bad[k - 1]!;
  let next = Infinity;
  for (const s of scores) if (s > cut && s < next) next = s;
  return Number.isFinite(next) ? (cut + next) / 2 : cut + Math.max(1e-6, Math.abs(cut) * 1e-6);
}
