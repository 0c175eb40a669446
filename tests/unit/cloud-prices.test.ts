import { expect, it } from 'vitest';
import { costUsd, DEFAULT_PRICES, priceFor, PriceTableSchema } from '../../app/cloud/index.js';

it('prices a model by exact name, then by the longest matching prefix', () => {
  expect(priceFor('gpt-4.1-mini')).toEqual({ input: 0.4, output: 1.6 });
  // Dated snapshots price as their family, and the longer prefix wins over "gpt-4.1".
  expect(priceFor('gpt-4.1-mini-2025-04-14')).toEqual({ input: 0.4, output: 1.6 });
  expect(priceFor('claude-sonnet-4-5-20250929')).toEqual(DEFAULT_PRICES['claude-sonnet-4-5']);
  expect(priceFor('my-own-vllm-model')).toBeNull();
});

it('lets the user\'s table override and extend the shipped one', () => {
  const user = { 'gpt-4.1-mini': { input: 0.3, output: 1.2 }, 'my-own': { input: 0, output: 0 } };
  expect(priceFor('gpt-4.1-mini', user)).toEqual({ input: 0.3, output: 1.2 });
  expect(priceFor('my-own-7b', user)).toEqual({ input: 0, output: 0 });
  expect(priceFor('gpt-4o', user)).toEqual(DEFAULT_PRICES['gpt-4o']);
});

it('computes a call\'s cost from its usage, and 0 for an unknown price', () => {
  expect(costUsd({ input: 2, output: 8 }, 1_000_000, 500_000)).toBeCloseTo(6, 10);
  expect(costUsd({ input: 0.4, output: 1.6 }, 1200, 300)).toBeCloseTo(0.00096, 12);
  expect(costUsd(null, 1000, 1000)).toBe(0);
});

it('validates an edited price table', () => {
  expect(PriceTableSchema.safeParse({ 'gpt-x': { input: -1, output: 1 } }).success).toBe(false);
  expect(PriceTableSchema.safeParse({ '': { input: 1, output: 1 } }).success).toBe(false);
  expect(PriceTableSchema.safeParse(DEFAULT_PRICES).success).toBe(true);
});
