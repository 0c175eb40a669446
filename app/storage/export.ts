import type { Conversation, Message } from '../contract/index.js';
import type { Clock, ConversationRepo, ExportFile, MessageRepo } from './types.js';

export const EXPORT_FORMAT = 'modest-export';
export const EXPORT_VERSION = 1;

export interface JsonExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: number;
  conversations: (Conversation & { messages: Message[] })[];
}

export function createExporter(conversations: ConversationRepo, messages: MessageRepo, now: Clock) {
  return (conversationId: string | undefined, format: 'markdown' | 'json'): ExportFile => {
    // get() throws NOT_FOUND for a missing or deleted conversation, as the API promises.
    const chosen = conversationId === undefined ? conversations.list() : [conversations.get(conversationId)];
    const items = chosen.map((c) => ({ ...c, messages: messages.list(c.id) }));
    const exportedAt = now();
    const stem = `modest-${conversationId === undefined ? 'conversations' : slug(chosen[0]!.title)}-${isoDay(exportedAt)}`;
    if (format === 'json') {
      const doc: JsonExport = { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt, conversations: items };
      return { filename: `${stem}.json`, mimeType: 'application/json', content: `${JSON.stringify(doc, null, 2)}\n` };
    }
    return { filename: `${stem}.md`, mimeType: 'text/markdown; charset=utf-8', content: toMarkdown(items, exportedAt) };
  };
}

function toMarkdown(items: (Conversation & { messages: Message[] })[], exportedAt: number): string {
  if (items.length === 0) return `# Modest conversations\n\nNo conversations. Exported ${stamp(exportedAt)}.\n`;
  const docs = items.map((c) => {
    const parts = [
      `# ${oneLine(c.title)}`,
      `*Started ${stamp(c.createdAt)} · exported from Modest ${stamp(exportedAt)}*`,
    ];
    for (const m of c.messages) {
      const who = m.role === 'user' ? '**You**' : '**Modest**';
      parts.push(`${who} · ${stamp(m.createdAt)}${statusNote(m)}`);
      if (m.content !== '') parts.push(m.content);
    }
    return parts.join('\n\n');
  });
  return `${docs.join('\n\n---\n\n')}\n`;
}

function statusNote(m: Message): string {
  if (m.status === 'partial') return ' *(unfinished: the reply was interrupted)*';
  if (m.status === 'error') return ` *(failed${m.error ? `: ${oneLine(m.error)}` : ''})*`;
  return '';
}

/** UTC, so the same data always exports to the same text whatever machine runs it. */
function stamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * ASCII letters, digits and dashes only: safe on Windows (no reserved characters, and the
 * "modest-" prefix rules out names like CON or NUL), macOS and Linux, and in a URL.
 */
export function slug(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');
  return s || 'conversation';
}
