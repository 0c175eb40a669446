import type { DocTask } from '../contract/index.js';
import type { DocumentRecord } from '../storage/index.js';

const SUMMARIZE = /^\s*\/?(?:please\s+)?(?:summari[sz]e|sum up|tl;?dr|give me a summary)\b/i;
const EXTRACT = /^\s*\/?(?:please\s+)?extract\b\s*(?:the\s+)?(?:fields?\s*)?:?\s*(.*)$/is;

/**
 * What a chat message asks of the conversation's documents, or null to chat as usual (no document
 * is ready). "Summarize…" summarizes, "Extract a, b and c" extracts those fields, anything else is
 * a question answered from the documents' passages.
 */
export function taskFromChat(text: string, docs: readonly DocumentRecord[]): { documentIds: string[]; task: DocTask } | null {
  const ready = docs.filter((d) => d.status === 'ready');
  if (ready.length === 0 || text.trim() === '') return null;
  const documentIds = ready.map((d) => d.id).slice(0, 20);
  if (SUMMARIZE.test(text)) return { documentIds, task: { kind: 'summarize' } };
  const m = EXTRACT.exec(text);
  if (m) {
    const fields = (m[1] ?? '')
      .replace(/\bfrom\b.*$/is, '')
      .split(/,|;|\band\b|\n/i)
      .map((f) => f.trim().replace(/[.?!]+$/, ''))
      .filter((f) => f !== '' && f.length <= 80)
      .slice(0, 40);
    if (fields.length > 0) return { documentIds, task: { kind: 'extract', fields } };
  }
  return { documentIds, task: { kind: 'ask', question: text.trim().slice(0, 4000) } };
}
