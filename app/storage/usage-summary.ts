import type Database from 'better-sqlite3';
import type { Price, UsageSummary } from '../contract/index.js';
import type { ExportFile } from './types.js';

// PLACEHOLDER: being implemented (see helper task). Signatures are fixed.
export function createUsageSummary(_db: Database.Database): (from: number, to: number, price: Price | null, counterfactualModel: string) => UsageSummary {
  return () => {
    throw new Error('not implemented');
  };
}

export function createUsageCsv(_db: Database.Database): (from: number, to: number) => ExportFile {
  return () => {
    throw new Error('not implemented');
  };
}
