/**
 * The words each document task says to the model. Kept apart from the flow so the prompts can be
 * read (and changed) in one place, and so the citation format the parser expects is defined once.
 */

export const SUMMARY_SYSTEM =
  'You summarize documents faithfully. Keep names, numbers, dates and obligations exactly as written. Do not add anything the document does not say.';

export function summarizeWhole(name: string, text: string): string {
  return `Summarize the document “${name}” in a short paragraph followed by its key points as a bullet list.\n\n<document>\n${text}\n</document>`;
}

export function summarizePart(name: string, where: string, text: string): string {
  return `This is one part (${where}) of the document “${name}”. Summarize this part in 3 to 5 sentences.\n\n<part>\n${text}\n</part>`;
}

export function reduceSummaries(name: string, parts: readonly { where: string; summary: string }[]): string {
  const body = parts.map((p) => `[${p.where}]\n${p.summary}`).join('\n\n');
  return `These are summaries of consecutive parts of the document “${name}”. Combine them into one summary of the whole document: a short paragraph, then its key points as a bullet list.\n\n${body}`;
}

/**
 * The cloud's share of a map-reduce summary: the raw text of the parts the local model was unsure
 * of, and only the local summaries of the rest.
 */
export function cloudSummary(name: string, parts: readonly { where: string; summary: string | null; text: string | null }[]): string {
  const body = parts.map((p) => (p.text !== null ? `[${p.where} — full text]\n${p.text}` : `[${p.where} — summary]\n${p.summary ?? ''}`)).join('\n\n');
  return `Summarize the document “${name}”. For some of its parts you are given the full text, for the others a summary. Write one summary of the whole document: a short paragraph, then its key points as a bullet list.\n\n${body}`;
}

export const ASK_SYSTEM =
  'You answer questions using only the numbered passages given. After each fact, cite the passage it came from with its label in square brackets, for example [p. 12]. If the passages do not contain the answer, say that the documents do not say.';

export function askPrompt(question: string, passages: readonly { label: string; text: string }[]): string {
  const body = passages.map((p) => `[${p.label}]\n${p.text}`).join('\n\n');
  return `Passages:\n\n${body}\n\nQuestion: ${question}`;
}

export const EXTRACT_SYSTEM =
  'You extract fields from documents into JSON. Copy values exactly as they appear in the text. Use an empty string when the document does not give a value.';

export function extractPrompt(name: string, fields: readonly string[], text: string): string {
  return `Extract these fields from the document “${name}”: ${fields.join(', ')}.\n\n<document>\n${text}\n</document>`;
}

/**
 * A citation label for a passage: its page where the document has pages, else its part number.
 * With several documents the name comes first, so two "p. 3"s stay apart.
 */
export function passageLabel(p: { pageStart: number | null; ord: number }, docName: string | null): string {
  const where = p.pageStart !== null ? `p. ${p.pageStart}` : `part ${p.ord + 1}`;
  return docName ? `${docName}, ${where}` : where;
}

export { citedLabels, normalizeLabel } from '../contract/index.js';
