/** Router evaluation: `modest eval report` and the app's Evaluation view. Pure functions over a parsed CSV. */
export { parseResultsCsv, REQUIRED_COLUMNS, SIGNAL_PREFIX, type ResultsTable } from './csv.js';
export {
  APGR_GRID,
  apgrOf,
  argsortAscending,
  auroc,
  CPT_TOLERANCE,
  curvePoints,
  escalationCurve,
  filterOrder,
  firstReaching,
  foldApgrs,
  PERCENT_GRID,
  PGR_NA_TOLERANCE,
  pgrDenominator,
  pgrs,
  randomSummary,
  summarize,
  totals,
  type Curve,
  type Totals,
} from './metrics.js';
export { DEFAULT_RESAMPLES, DEFAULT_SEED, groupRows, mulberry32, nextUp, quantile, operatingPoint, recommend, solve, solver, type GroupedRows, type Solver, type RecommendOptions, type RecommendResult } from './bootstrap.js';
export { featureColumns, fitLogistic, learnedRouter, predictLearned, promptFeatures, DEFAULT_FOLDS, L2, MIN_ROWS_FOR_LEARNED, type LearnedOptions, type LearnedResult, type LogisticModel } from './logistic.js';
export { buildReport, DEFAULT_SIGNAL, type ReportOptions } from './report.js';
export { chartGeometry, escapeXml, reportSvg, type ChartGeometry, type Point } from './chart-svg.js';
