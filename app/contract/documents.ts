import { z } from 'zod';
import { IdSchema } from './ids.js';

/** What Modest can read; the kind is decided from the name and checked against the bytes. */
export const DocKindSchema = z.enum(['pdf', 'docx', 'txt', 'md', 'html', 'csv', 'json']);
export type DocKind = z.infer<typeof DocKindSchema>;

/**
 * `queued`: waiting for the extractor. `indexing`: being read into chunks (progress says how far).
 * `ready`: searchable and usable by tasks. `error`: `error` says why (and `needsPassword` whether a
 * password would help). `cancelled`: stopped by the person; Retry picks up where it stopped.
 */
export const DocStatusSchema = z.enum(['queued', 'indexing', 'ready', 'error', 'cancelled']);
export type DocStatus = z.infer<typeof DocStatusSchema>;

export const DocProgressSchema = z.object({
  done: z.number().int(),
  total: z.number().int().nullable(),
  unit: z.enum(['pages', 'bytes', 'rows', 'items']),
});
export type DocProgress = z.infer<typeof DocProgressSchema>;

export const DocumentSchema = z.object({
  id: IdSchema,
  conversationId: IdSchema,
  name: z.string(),
  kind: DocKindSchema.nullable(),
  sizeBytes: z.number(),
  /** PDFs only. */
  pages: z.number().int().nullable(),
  status: DocStatusSchema,
  progress: DocProgressSchema.nullable(),
  chunks: z.number().int(),
  /** Tokens of the whole text for the loaded model's tokenizer; null until counted (or no model). */
  tokens: z.number().int().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  needsPassword: z.boolean(),
  /** This document's text may go to the cloud (still through the consent preview). */
  allowCloud: z.boolean(),
  /** The same file was indexed before: its chunks were reused, not read again. */
  reused: z.boolean(),
  createdAt: z.number(),
});
export type DocumentInfo = z.infer<typeof DocumentSchema>;

/** One indexed passage, for showing what a citation points at. */
export const PassageSchema = z.object({
  chunkId: z.number().int(),
  documentId: IdSchema,
  documentName: z.string(),
  pageStart: z.number().int().nullable(),
  pageEnd: z.number().int().nullable(),
  heading: z.string().nullable(),
  text: z.string(),
});
export type Passage = z.infer<typeof PassageSchema>;

export const CitationSchema = z.object({
  /** What the answer says, e.g. "p. 12" — the text between the brackets. */
  label: z.string(),
  chunkId: z.number().int(),
  documentId: IdSchema,
  page: z.number().int().nullable(),
});
export type Citation = z.infer<typeof CitationSchema>;

export const ExtractValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const ExtractionSchema = z.object({
  columns: z.array(z.string()),
  /** One row per document (or per record the schema asks for). */
  rows: z.array(z.record(z.string(), ExtractValueSchema)),
});
export type Extraction = z.infer<typeof ExtractionSchema>;

/** Attached to the assistant message a document task wrote. */
export const DocTaskInfoSchema = z.object({
  kind: z.enum(['summarize', 'ask', 'extract']),
  documentIds: z.array(IdSchema),
  /** Citations the answer made, in order of appearance. */
  citations: z.array(CitationSchema),
  /** Every passage the model was given (Ask and long Extract): what it could have cited. */
  sources: z.array(CitationSchema),
  extraction: ExtractionSchema.nullable(),
  /** Map-reduce summaries: how many chunk summaries were reduced. */
  parts: z.number().int().nullable(),
  /**
   * The one cloud request this answer may be escalated with, when the local answer was doubtful
   * and the documents may go to the cloud: only the passages (or parts) it needs, never more.
   */
  cloud: z.object({ system: z.string(), user: z.string() }).nullable().default(null),
});
export type DocTaskInfo = z.infer<typeof DocTaskInfoSchema>;

const FieldName = z
  .string()
  .trim()
  .min(1, 'A field name cannot be empty.')
  .max(80, 'A field name can be at most 80 characters.')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .regex(/^[^\u0000-\u001f]+$/, 'A field name cannot contain control characters.');

export const MAX_SCHEMA_CHARS = 20_000;

export const DocTaskSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('summarize') }).strict(),
  z
    .object({
      kind: z.literal('ask'),
      question: z.string().trim().min(1, 'Type a question about the document.').max(4000, 'A question can be at most 4,000 characters.'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('extract'),
      /** Field names, or a JSON schema (as text) whose top level is an object. */
      fields: z.array(FieldName).min(1, 'Name at least one field.').max(40, 'At most 40 fields.').optional(),
      schema: z.string().max(MAX_SCHEMA_CHARS, 'That JSON schema is too long.').optional(),
    })
    .strict()
    .refine((v) => (v.fields === undefined) !== (v.schema === undefined), 'Give either field names or a JSON schema, not both.'),
]);
export type DocTask = z.infer<typeof DocTaskSchema>;

/** The browser mode's upload: the file is the raw request body; these travel in the query. */
export const UploadQuerySchema = z
  .object({
    conversationId: IdSchema,
    name: z.string().trim().min(1, 'The file needs a name.').max(255, 'That file name is too long.'),
  })
  .strict();
export type UploadQuery = z.infer<typeof UploadQuerySchema>;
export const UPLOAD_PATH = '/api/upload';

/** The labels an answer cites, in order of first appearance: "[p. 12]", "[p.12; p. 14]" and the like. */
export function citedLabels(answer: string): string[] {
  const out: string[] = [];
  for (const m of answer.matchAll(/\[([^[\]\n]{1,120})\]/g)) {
    for (const part of (m[1] ?? '').split(/[;,](?=\s*(?:p\.|pp\.|page|part)\s*\d)/i)) {
      const label = normalizeLabel(part);
      if (label && !out.includes(label)) out.push(label);
    }
  }
  return out;
}

/** "Page 12", "p.12", "P. 12 " all mean "p. 12"; names keep their case but lose stray spaces. */
export function normalizeLabel(raw: string): string {
  return raw
    .trim()
    .replace(/\bpages?\s*(\d+)/i, 'p. $1')
    .replace(/\bpp?\.\s*(\d+)/i, 'p. $1')
    .replace(/\bpart\s*(\d+)/i, 'part $1')
    .replace(/\s+/g, ' ');
}
