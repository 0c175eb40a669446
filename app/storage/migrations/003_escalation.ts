/**
 * Cloud escalation: why each call went where it did, whether its usage was estimated, which
 * provider served it; the escalation state of a reply (with the local draft it replaced); and the
 * labels a person gives answers (thumbs, "ask cloud"), kept for calibration later.
 *
 * keep_local was created defaulting to 1 before anything could escalate; nobody ever chose it, so
 * every conversation starts as not kept local and the person marks the ones that must stay.
 */
export const sql = `
ALTER TABLE usage_events ADD COLUMN reason TEXT;
ALTER TABLE usage_events ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0 CHECK (usage_estimated IN (0, 1));
ALTER TABLE usage_events ADD COLUMN provider TEXT;
CREATE INDEX usage_by_route_time ON usage_events (route, time);

ALTER TABLE messages ADD COLUMN escalation_json TEXT CHECK (escalation_json IS NULL OR json_valid(escalation_json));

UPDATE conversations SET keep_local = 0;

CREATE TABLE labels (
  id         INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('thumbs-up', 'thumbs-down', 'asked-cloud')),
  created_at INTEGER NOT NULL
);
CREATE INDEX labels_by_message ON labels (message_id);
`;
