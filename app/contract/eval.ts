import { z } from 'zod';

/*
 * The router evaluation report: what `modest eval report --json` prints and what the app's
 * Evaluation view shows. Key names are snake_case because they are the CLI's documented output.
 *
 * Definitions (README, "Prove the savings"):
 * - acc(x): accuracy when the lowest-scoring x% of tasks go to the cloud and the rest stay local,
 *   ties and fractional counts resolved as the expected value under random tie-breaking.
 * - PGR(x) = (acc(x) − local) / (cloud − local); null (n/a) when cloud = local.
 * - apgr: mean of PGR at x = 0, 10, …, 100.
 * - cptN: the smallest x on a 1% grid whose PGR ≥ N/100.
 * - cost_at_cpt80: (every local call's cost + the escalated tasks' cloud cost) ÷ all-cloud cost, at cpt80.
 */

const Num = z.number();
const NullableNum = z.number().nullable();

export const CurvePointSchema = z.object({
  /** Percent of tasks escalated, 0…100. */
  x: z.number().int().min(0).max(100),
  accuracy: Num,
  pgr: NullableNum,
  /** Cost at x as a share of sending everything to the cloud; null when all-cloud costs nothing. */
  cost_share: NullableNum,
});
export type CurvePoint = z.infer<typeof CurvePointSchema>;

export const RouterSummarySchema = z.object({
  apgr: NullableNum,
  cpt50: NullableNum,
  cpt80: NullableNum,
  cost_at_cpt80: NullableNum,
});
export type RouterSummary = z.infer<typeof RouterSummarySchema>;

export const IntervalSchema = z.tuple([Num, Num]);

export const RecommendationSchema = z.object({
  target_pgr: Num,
  signal: z.string(),
  /** Escalate a task when its score is below this. */
  threshold: Num,
  threshold_ci: IntervalSchema,
  escalation_pct: Num,
  escalation_pct_ci: IntervalSchema,
  resamples: z.number().int(),
  seed: z.number().int(),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

/** The logistic-regression router, cross-validated: reported whether or not it wins. */
export const LearnedRouterSchema = z.object({
  folds: z.number().int(),
  features: z.array(z.string()),
  /** Mean held-out APGR of the fitted model. */
  apgr: NullableNum,
  /** The single signal with the best training APGR in each fold, scored on the held-out fold. */
  best_single_apgr: NullableNum,
  best_single_signal: z.string(),
  wins: z.boolean(),
  /** On the full-data fit's scores: the probability below which a task escalates to reach the target PGR, and that share. */
  threshold: NullableNum,
  escalation_pct: NullableNum,
  /** Fitted on every row: what Adopt stores. */
  model: z.object({
    features: z.array(z.string()),
    means: z.array(Num),
    scales: z.array(Num),
    weights: z.array(Num),
    intercept: Num,
  }),
});
export type LearnedRouter = z.infer<typeof LearnedRouterSchema>;

export const EvalReportSchema = z.object({
  rows: z.number().int(),
  /** The signal the curve, the summary figures and the recommendation use. */
  signal: z.string(),
  local_accuracy: Num,
  cloud_accuracy: Num,
  oracle_accuracy: Num,
  apgr: NullableNum,
  cpt50: NullableNum,
  cpt80: NullableNum,
  cost_at_cpt80: NullableNum,
  /** The same figures for a router that escalates tasks at random. */
  random: RouterSummarySchema,
  /** Each signal's AUROC against local_correct (ties count half); null when all rows are one class. */
  auroc: z.record(z.string(), NullableNum),
  /** Summary figures for every signal, keyed like auroc. */
  signals: z.record(z.string(), RouterSummarySchema),
  curve: z.array(CurvePointSchema),
  all_local_cost_usd: Num,
  all_cloud_cost_usd: Num,
  recommendation: RecommendationSchema.nullable(),
  learned: LearnedRouterSchema.nullable(),
  /** Why `learned` or `recommendation` is null, in words. */
  notes: z.array(z.string()),
});
export type EvalReport = z.infer<typeof EvalReportSchema>;

/** The scores the app computes for every local reply, by their CSV names (`signal_<name>`). */
/** The largest results CSV the app takes (the CLI reads any size). */
export const MAX_EVAL_CSV_BYTES = 64 * 1024 * 1024;

export const APP_SIGNALS = ['min_p', 'p10', 'mean_logp', 'margin1'] as const;
/** Cheap prompt features the learned router may use beside the signals. */
export const PROMPT_FEATURES = ['prompt_log_chars', 'prompt_has_number', 'prompt_has_code'] as const;

/**
 * What the router's threshold is compared with. `default`: p10, or the first token's margin for
 * short replies (what `eval run` writes as local_confidence); one signal; or the adopted learned
 * model's probability that the local answer is right.
 */
export const RouterScoreSchema = z.enum(['default', ...APP_SIGNALS, 'learned']);
export type RouterScore = z.infer<typeof RouterScoreSchema>;

export const LearnedModelSchema = z
  .object({
    features: z.array(z.enum(['local_confidence', ...APP_SIGNALS, ...PROMPT_FEATURES])).min(1).max(16),
    means: z.array(z.number()),
    scales: z.array(z.number().positive()),
    weights: z.array(z.number()),
    intercept: z.number(),
  })
  .refine((m) => m.means.length === m.features.length && m.scales.length === m.features.length && m.weights.length === m.features.length, {
    message: 'The model needs one mean, scale and weight per feature.',
  });
export type LearnedModel = z.infer<typeof LearnedModelSchema>;

/** Where the policy in force came from, shown in Settings. */
export const RouterProvenanceSchema = z.object({
  source: z.enum(['eval', 'labels']),
  /** Rows of the evaluation, or labels, it rests on. */
  count: z.number().int().min(0),
  /** E.g. the CSV's name and the target PGR. */
  detail: z.string().max(500),
  adoptedAt: z.number().int(),
});
export type RouterProvenance = z.infer<typeof RouterProvenanceSchema>;

export const AdoptRouterInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('threshold'), score: z.enum(['default', ...APP_SIGNALS]), threshold: z.number().finite(), provenance: RouterProvenanceSchema.omit({ adoptedAt: true }) }).strict(),
  z.object({ kind: z.literal('learned'), model: LearnedModelSchema, threshold: z.number().min(0).max(1), provenance: RouterProvenanceSchema.omit({ adoptedAt: true }) }).strict(),
  /** Back to the shipped default: p10 / margin at the settings' threshold. */
  z.object({ kind: z.literal('reset') }).strict(),
]);

/**
 * In-app labels (thumbs, "Ask cloud") say whether a local answer was acceptable, not whether the
 * cloud's was, so they give a local-correctness view only: no PGR.
 */
/**
 * Fewest labelled answers a thumbs-based threshold may rest on: below it, one more thumb can move
 * the threshold anywhere, and adopting it would route every reply on a guess.
 */
export const MIN_LABELS_TO_ADOPT = 10;

export const LabelStatsSchema = z.object({
  /** Local answers with a label and stored confidence. */
  labels: z.number().int(),
  acceptable: z.number().int(),
  unacceptable: z.number().int(),
  /** Share of the unacceptable answers a threshold should flag. */
  flag_share: z.number(),
  signals: z.array(
    z.object({
      signal: z.enum(['default', ...APP_SIGNALS]),
      auroc: z.number().nullable(),
      /** Flags (score < threshold) at least flag_share of the unacceptable answers; null without any. */
      threshold: z.number().nullable(),
      /** Share of the acceptable answers that threshold flags too (needless escalations). */
      flagged_acceptable_share: z.number().nullable(),
    }),
  ),
});
export type LabelStats = z.infer<typeof LabelStatsSchema>;
