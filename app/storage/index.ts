/** The public face of app/storage: everything else here is an implementation detail. */
export { openStorage } from './open.js';
export { defaultDataDir } from './data-dir.js';
export { useSqliteNativeBinding } from './native-binding.js';
export { buildFtsQuery } from './fts-query.js';
export type {
  ConversationRepo,
  ExportFile,
  MessageInsert,
  MessagePatch,
  MessageRepo,
  SettingsRepo,
  Storage,
  UsageEvent,
  UsageEventInput,
  UsageRepo,
} from './types.js';
export type { Chunk, ChunkHit, ChunkInput, DocFile, DocumentRecord, DocumentRepo } from './documents.js';
export type { DownloadRecord, ModelFileRecord, ModelRepo } from './models.js';
