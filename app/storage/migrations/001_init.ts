/**
 * Conversations, messages and the usage log.
 *
 * messages has its own INTEGER PRIMARY KEY (`seq`): it is the stable rowid the FTS index (002)
 * points at — an implicit rowid may be renumbered by VACUUM — and it gives "oldest first" a total
 * order even when two messages share a millisecond.
 */
export const sql = `
CREATE TABLE conversations (
  id         TEXT PRIMARY KEY NOT NULL,
  title      TEXT NOT NULL,
  keep_local INTEGER NOT NULL DEFAULT 1 CHECK (keep_local IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE INDEX conversations_by_activity ON conversations (deleted_at, updated_at DESC);

CREATE TABLE messages (
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content         TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('complete', 'partial', 'error')),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  stats_json      TEXT CHECK (stats_json IS NULL OR json_valid(stats_json)),
  error           TEXT
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, seq);

CREATE TABLE usage_events (
  id                INTEGER PRIMARY KEY,
  time              INTEGER NOT NULL,
  conversation_id   TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  -- The call still happened (and may have cost money) after its reply is regenerated away.
  message_id        TEXT REFERENCES messages (id) ON DELETE SET NULL,
  route             TEXT NOT NULL CHECK (route IN ('local', 'cloud')),
  model             TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  ttft_ms           REAL,
  duration_ms       REAL NOT NULL,
  tokens_per_second REAL,
  min_p             REAL,
  p10               REAL,
  mean_logp         REAL,
  margin1           REAL,
  token_count       INTEGER NOT NULL,
  sampler_json      TEXT CHECK (sampler_json IS NULL OR json_valid(sampler_json)),
  cost_usd          REAL NOT NULL DEFAULT 0,
  outcome           TEXT NOT NULL CHECK (outcome IN ('ok', 'aborted', 'error')),
  error             TEXT
);
CREATE INDEX usage_by_conversation ON usage_events (conversation_id, time);
CREATE INDEX usage_by_message ON usage_events (message_id);
CREATE INDEX usage_by_time ON usage_events (time);
`;
