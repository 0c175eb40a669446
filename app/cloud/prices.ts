import type { Price, PriceTable } from '../contract/index.js';

export { PriceSchema, PriceTableSchema, type Price, type PriceTable } from '../contract/index.js';

/**
 * List prices as shipped (USD per million tokens, standard tier, no caching or batch discounts).
 * Providers change them; the user's own table in Settings overrides any entry.
 */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'deepseek-chat': { input: 0.27, output: 1.1 },
  'deepseek-reasoner': { input: 0.55, output: 2.19 },
};

/**
 * The price for a model name: the user's table before the shipped one, an exact name before the
 * longest matching prefix (so "claude-sonnet-4-5-20250929" is priced as "claude-sonnet-4-5").
 * Null when nothing matches: such a call is logged with cost 0 and says the price is unknown.
 */
export function priceFor(model: string, user: PriceTable = {}): Price | null {
  for (const table of [user, DEFAULT_PRICES]) {
    const exact = table[model];
    if (exact) return exact;
  }
  for (const table of [user, DEFAULT_PRICES]) {
    const prefix = Object.keys(table)
      .filter((k) => model.startsWith(k))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix) return table[prefix]!;
  }
  return null;
}

export function costUsd(price: Price | null, inputTokens: number, outputTokens: number): number {
  if (!price) return 0;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
