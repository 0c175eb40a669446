export { callCloud, hostOf, type CallOptions } from './call.js';
export { cloudError } from './errors.js';
export { createRestorer, redact, restore, type RedactionKind } from './redact.js';
export { costUsd, DEFAULT_PRICES, priceFor, PriceSchema, PriceTableSchema, type Price, type PriceTable } from './prices.js';
export { roughTokenCount, type CloudOutcome, type CloudRequest, type CloudTarget, type CloudTurn, type CloudUsage, type TokenCounter } from './types.js';
