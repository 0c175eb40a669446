/**
 * Router evaluation runs (`modest eval run`).
 *
 * Their model calls are logged in usage_events like the app's own, and a usage row needs a
 * conversation: each run gets one of kind 'eval', which the conversation list, search and export
 * of all conversations leave out. Every conversation until now was a chat.
 */
export const sql = `
ALTER TABLE conversations ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat' CHECK (kind IN ('chat', 'eval'));
`;
