import { sql as v001 } from './001_init.js';
import { sql as v002 } from './002_search_settings.js';
import { sql as v003 } from './003_escalation.js';
import { sql as v004 } from './004_usage_summary_index.js';
import { sql as v005 } from './005_documents.js';
import { sql as v006 } from './006_models.js';
import { sql as v007 } from './007_eval.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * In order; `version` is what PRAGMA user_version holds once the migration is applied. The SQL
 * lives in TS modules rather than .sql files because tsc copies only .ts into dist/, and this way
 * the same import works from source and from the build. Never edit a shipped migration: add one.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001_init', sql: v001 },
  { version: 2, name: '002_search_settings', sql: v002 },
  { version: 3, name: '003_escalation', sql: v003 },
  { version: 4, name: '004_usage_summary_index', sql: v004 },
  { version: 5, name: '005_documents', sql: v005 },
  { version: 6, name: '006_models', sql: v006 },
  { version: 7, name: '007_eval', sql: v007 },
];
