import type Database from 'better-sqlite3';
import { TuningSchema, type Tuning } from '../contract/index.js';
import type { Clock } from './types.js';

export interface ModelFileRecord {
  id: string;
  name: string;
  sizeBytes: number;
  source: 'catalog' | 'import';
  catalogId: string | null;
  sha256: string | null;
  addedAt: number;
}

export interface DownloadRecord {
  catalogId: string;
  fileName: string;
  url: string;
  totalBytes: number;
  state: 'active' | 'paused';
}

export interface ModelRepo {
  files(): ModelFileRecord[];
  file(id: string): ModelFileRecord | null;
  addFile(f: Omit<ModelFileRecord, 'addedAt'>): ModelFileRecord;
  removeFile(id: string): void;
  markLoaded(id: string): void;
  /** The installed model loaded most recently, if any. */
  lastLoaded(): ModelFileRecord | null;
  downloads(): DownloadRecord[];
  saveDownload(d: DownloadRecord): void;
  removeDownload(catalogId: string): void;
  tuning(modelKey: string, machineKey: string): Tuning | null;
  saveTuning(modelKey: string, machineKey: string, tuning: Tuning): void;
}

interface FileRow {
  id: string;
  name: string;
  size_bytes: number;
  source: 'catalog' | 'import';
  catalog_id: string | null;
  sha256: string | null;
  added_at: number;
}

const toFile = (r: FileRow): ModelFileRecord => ({
  id: r.id,
  name: r.name,
  sizeBytes: r.size_bytes,
  source: r.source,
  catalogId: r.catalog_id,
  sha256: r.sha256,
  addedAt: r.added_at,
});

export function createModelRepo(db: Database.Database, now: Clock): ModelRepo {
  const q = {
    files: db.prepare<[], FileRow>('SELECT * FROM model_files ORDER BY added_at, id'),
    file: db.prepare<[string], FileRow>('SELECT * FROM model_files WHERE id = ?'),
    addFile: db.prepare(
      `INSERT INTO model_files (id, name, size_bytes, source, catalog_id, sha256, added_at) VALUES (@id, @name, @sizeBytes, @source, @catalogId, @sha256, @addedAt)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, size_bytes = excluded.size_bytes, source = excluded.source,
         catalog_id = excluded.catalog_id, sha256 = excluded.sha256, added_at = excluded.added_at`,
    ),
    removeFile: db.prepare<[string]>('DELETE FROM model_files WHERE id = ?'),
    markLoaded: db.prepare<[number, string]>('UPDATE model_files SET loaded_at = ? WHERE id = ?'),
    lastLoaded: db.prepare<[], FileRow>('SELECT * FROM model_files WHERE loaded_at IS NOT NULL ORDER BY loaded_at DESC LIMIT 1'),
    downloads: db.prepare<[], { catalog_id: string; file_name: string; url: string; total_bytes: number; state: 'active' | 'paused' }>(
      'SELECT catalog_id, file_name, url, total_bytes, state FROM model_downloads ORDER BY created_at',
    ),
    saveDownload: db.prepare(
      `INSERT INTO model_downloads (catalog_id, file_name, url, total_bytes, state, created_at, updated_at) VALUES (@catalogId, @fileName, @url, @totalBytes, @state, @now, @now)
       ON CONFLICT (catalog_id) DO UPDATE SET file_name = excluded.file_name, url = excluded.url, total_bytes = excluded.total_bytes, state = excluded.state, updated_at = excluded.updated_at`,
    ),
    removeDownload: db.prepare<[string]>('DELETE FROM model_downloads WHERE catalog_id = ?'),
    tuning: db.prepare<[string, string], { tuning_json: string }>('SELECT tuning_json FROM model_tuning WHERE model_key = ? AND machine_key = ?'),
    saveTuning: db.prepare<[string, string, string]>(
      'INSERT INTO model_tuning (model_key, machine_key, tuning_json) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET tuning_json = excluded.tuning_json',
    ),
  };
  return {
    files: () => q.files.all().map(toFile),
    file: (id) => {
      const r = q.file.get(id);
      return r ? toFile(r) : null;
    },
    addFile: (f) => {
      const rec = { ...f, addedAt: now() };
      q.addFile.run(rec);
      return rec;
    },
    removeFile: (id) => void q.removeFile.run(id),
    markLoaded: (id) => void q.markLoaded.run(now(), id),
    lastLoaded: () => {
      const r = q.lastLoaded.get();
      return r ? toFile(r) : null;
    },
    downloads: () =>
      q.downloads.all().map((r) => ({ catalogId: r.catalog_id, fileName: r.file_name, url: r.url, totalBytes: r.total_bytes, state: r.state })),
    saveDownload: (d) => void q.saveDownload.run({ ...d, now: now() }),
    removeDownload: (id) => void q.removeDownload.run(id),
    tuning: (modelKey, machineKey) => {
      const r = q.tuning.get(modelKey, machineKey);
      if (!r) return null;
      // A row from another version that no longer parses is simply measured again.
      const parsed = TuningSchema.safeParse(JSON.parse(r.tuning_json));
      return parsed.success ? parsed.data : null;
    },
    saveTuning: (modelKey, machineKey, tuning) => void q.saveTuning.run(modelKey, machineKey, JSON.stringify(tuning)),
  };
}
