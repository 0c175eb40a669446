/**
 * The model manager.
 *
 * model_files: the .gguf files in <data>/models, by file name (downloaded from the catalog or
 * imported). model_downloads: a download in progress survives a crash or a restart here; the bytes
 * themselves are in the downloader's partial file, next to where the model will be.
 * model_tuning: the measured thread count per model file and machine (the same data folder can
 * move to another computer, where the old choice would be wrong).
 */
export const sql = `
CREATE TABLE model_files (
  id          TEXT PRIMARY KEY NOT NULL,
  name        TEXT NOT NULL,
  size_bytes  INTEGER NOT NULL,
  source      TEXT NOT NULL CHECK (source IN ('catalog', 'import')),
  catalog_id  TEXT,
  sha256      TEXT,
  added_at    INTEGER NOT NULL,
  -- The model Modest opens with next time is the one loaded last.
  loaded_at   INTEGER
) WITHOUT ROWID;

CREATE TABLE model_downloads (
  catalog_id  TEXT PRIMARY KEY NOT NULL,
  file_name   TEXT NOT NULL,
  url         TEXT NOT NULL,
  total_bytes INTEGER NOT NULL,
  -- active: was running when last seen (resumed at start-up); paused: the person paused it.
  state       TEXT NOT NULL CHECK (state IN ('active', 'paused')),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE model_tuning (
  model_key   TEXT NOT NULL,
  machine_key TEXT NOT NULL,
  tuning_json TEXT NOT NULL,
  PRIMARY KEY (model_key, machine_key)
) WITHOUT ROWID;
`;
