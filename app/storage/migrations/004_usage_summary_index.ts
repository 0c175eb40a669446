/**
 * escalated: a local call whose answer was replaced by a cloud one. Without it the dashboard
 * would count an escalated message as handled locally, and price it twice in the all-cloud
 * counterfactual (its local tokens and its real cloud call).
 *
 * Indexes for the savings dashboard (usage summary), measured on 1,000,000 rows (npm run bench,
 * DASH): without them one summary reads every table row several times (seconds); with them each
 * part is one scan of a narrow index.
 *
 * - usage_totals covers the per-day totals (calls, tokens, spend by route over a time range) and
 *   the cloud spend since a time (the budget), so it replaces usage_by_route_time (route, time).
 * - usage_by_duration gives duration order per route: a percentile is LIMIT 1 OFFSET k on it.
 * - usage_cloud_reasons (partial: cloud rows with a reason) groups escalation reasons without a sort.
 * - usage_escalated and usage_errors (partial, small) subtract the calls whose answer was not kept,
 *   so the wide per-day scans stay as narrow as they were.
 */
export const sql = `
ALTER TABLE usage_events ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0 CHECK (escalated IN (0, 1));
CREATE INDEX usage_totals ON usage_events (route, time, prompt_tokens, completion_tokens, cost_usd);
CREATE INDEX usage_escalated ON usage_events (time, prompt_tokens, completion_tokens) WHERE escalated = 1;
CREATE INDEX usage_errors ON usage_events (route, time) WHERE outcome = 'error';
DROP INDEX usage_by_route_time;
CREATE INDEX usage_by_duration ON usage_events (route, duration_ms, time);
CREATE INDEX usage_cloud_reasons ON usage_events (reason, time) WHERE route = 'cloud' AND reason IS NOT NULL;
`;
