import { z } from 'zod';
import {
  ChatEventSchema,
  CloudPreviewSchema,
  ConversationSchema,
  ExportFormatSchema,
  ExportSchema,
  IdSchema,
  MAX_MESSAGE_CHARS,
  KeyStatusSchema,
  MessageSchema,
  ModelStateSchema,
  ProviderIdSchema,
  SearchHitSchema,
  SettingsSchema,
  StatusSchema,
  TurnSchema,
  UsageSummarySchema,
} from './schema.js';
import { DocTaskSchema, DocumentSchema, PassageSchema } from './documents.js';
import { CatalogIdSchema, DownloadSchema, InstalledModelSchema, ModelsOverviewSchema } from './models.js';
import { AdoptRouterInputSchema, EvalReportSchema, LabelStatsSchema, MAX_EVAL_CSV_BYTES } from './eval.js';

/**
 * The whole API, once. Each call has an input schema (checked at every transport boundary) and an
 * output schema; each stream has an input schema and the schema of the events it emits.
 * Transports (HTTP routes, Electron IPC, the renderer's client) are derived from these maps, so no
 * call name is ever repeated as a string.
 */
const Empty = z.object({}).strict();

const MessageText = z
  .string({ error: 'The message must be text.' })
  .max(MAX_MESSAGE_CHARS, `A message can be at most ${MAX_MESSAGE_CHARS.toLocaleString('en-US')} characters.`);

export const calls = {
  getStatus: { input: Empty, output: StatusSchema },
  loadModel: {
    input: z.object({ path: z.string().min(1, 'Give the path of a .gguf file.').max(4096) }).strict(),
    output: ModelStateSchema,
  },
  unloadModel: { input: Empty, output: ModelStateSchema },
  /** The catalog labelled for this machine, installed models, downloads, disk and hardware. */
  getModels: { input: Empty, output: ModelsOverviewSchema },
  /**
   * Starts (or resumes) a catalog model's download once the checks before it pass: the license
   * for gated models, the token, free disk, and that the server answers with the expected size.
   */
  downloadModel: {
    input: z.object({ catalogId: CatalogIdSchema, acceptLicense: z.boolean().optional() }).strict(),
    output: DownloadSchema,
  },
  /** Stops a download and keeps the partial file, so Resume continues from it. */
  pauseDownload: { input: z.object({ catalogId: CatalogIdSchema }).strict(), output: DownloadSchema },
  /** Stops a download and deletes the partial file. */
  cancelDownload: { input: z.object({ catalogId: CatalogIdSchema }).strict(), output: z.object({}) },
  /** Checks a .gguf on this computer, then brings it into the models folder (a hard link when it can). */
  importModel: {
    input: z.object({ path: z.string().trim().min(1, 'Give the path of a .gguf file.').max(4096) }).strict(),
    output: InstalledModelSchema,
  },
  deleteModel: { input: z.object({ id: z.string().min(1).max(255) }).strict(), output: z.object({ freedBytes: z.number() }) },
  /** Measures the loaded model again at each thread count, stores the choice and reloads with it. */
  retuneModel: { input: Empty, output: ModelStateSchema },
  updateSettings: { input: SettingsSchema.partial().strict(), output: SettingsSchema },
  /** Saves a cloud API key through the OS secret store; refused where keys are environment-only. */
  setApiKey: {
    input: z
      .object({
        provider: ProviderIdSchema,
        key: z
          .string()
          .trim()
          .min(8, 'That API key is too short to be real.')
          .max(512, 'That API key is too long.')
          .regex(/^[\x21-\x7e]+$/, 'An API key has no spaces or special characters.'),
      })
      .strict(),
    output: KeyStatusSchema,
  },
  deleteApiKey: { input: z.object({ provider: ProviderIdSchema }).strict(), output: KeyStatusSchema },

  listConversations: { input: Empty, output: z.array(ConversationSchema) },
  createConversation: {
    input: z.object({ title: z.string().max(200).optional() }).strict(),
    output: ConversationSchema,
  },
  renameConversation: {
    input: z.object({ id: IdSchema, title: z.string().trim().min(1, 'A title cannot be empty.').max(200) }).strict(),
    output: ConversationSchema,
  },
  /** A conversation kept local never goes to the cloud, whatever the mode. */
  setKeepLocal: { input: z.object({ id: IdSchema, keepLocal: z.boolean() }).strict(), output: ConversationSchema },
  /** Thumbs up or down on an answer (null clears it); stored for calibration. */
  labelMessage: {
    input: z.object({ messageId: IdSchema, thumb: z.enum(['up', 'down']).nullable() }).strict(),
    output: z.object({ messageId: IdSchema, thumb: z.enum(['up', 'down']).nullable() }),
  },
  /** The savings dashboard for [from, to), ms since epoch. */
  usageSummary: {
    input: z.object({ from: z.number().int().min(0), to: z.number().int().min(0) }).strict().refine((v) => v.from < v.to, 'The period must end after it starts.'),
    output: UsageSummarySchema,
  },
  /** Every usage row of [from, to) as CSV. */
  exportUsage: {
    input: z.object({ from: z.number().int().min(0), to: z.number().int().min(0) }).strict().refine((v) => v.from < v.to, 'The period must end after it starts.'),
    output: ExportSchema,
  },
  /** What "Ask the cloud model" would send for this reply, and its estimated cost. Sends nothing. */
  previewEscalation: { input: z.object({ messageId: IdSchema }).strict(), output: CloudPreviewSchema },
  /** Soft delete: `restoreConversation` undoes it until the app next starts. */
  deleteConversation: { input: z.object({ id: IdSchema }).strict(), output: z.object({ id: IdSchema }) },
  restoreConversation: { input: z.object({ id: IdSchema }).strict(), output: ConversationSchema },
  getMessages: { input: z.object({ conversationId: IdSchema }).strict(), output: z.array(MessageSchema) },
  search: {
    input: z.object({ query: z.string().max(1000), limit: z.number().int().min(1).max(200).optional() }).strict(),
    output: z.array(SearchHitSchema),
  },
  stopGeneration: {
    input: z.object({ messageId: IdSchema }).strict(),
    output: z.object({ stopped: z.boolean() }),
  },
  exportConversations: {
    /** Without `conversationId`, every conversation. */
    input: z.object({ conversationId: IdSchema.optional(), format: ExportFormatSchema }).strict(),
    output: ExportSchema,
  },
  /** The conversation's documents, oldest first, with indexing progress. */
  listDocuments: { input: z.object({ conversationId: IdSchema }).strict(), output: z.array(DocumentSchema) },
  /**
   * Attaches a file by its path on this computer (the desktop app's drop and file picker, or a path
   * typed in the browser mode). A file that cannot be read still attaches, with its error.
   */
  addDocumentPath: {
    input: z.object({ conversationId: IdSchema, path: z.string().min(1, 'Give the path of a file.').max(4096) }).strict(),
    output: DocumentSchema,
  },
  removeDocument: { input: z.object({ id: IdSchema }).strict(), output: z.object({ id: IdSchema }) },
  /** Stops indexing; what was read is kept, and Retry continues from there. */
  cancelDocument: { input: z.object({ id: IdSchema }).strict(), output: DocumentSchema },
  retryDocument: { input: z.object({ id: IdSchema }).strict(), output: DocumentSchema },
  /** Opens a password-protected PDF. The password is used for this indexing run and never stored. */
  unlockDocument: {
    input: z.object({ id: IdSchema, password: z.string().min(1, 'Type the password.').max(1000) }).strict(),
    output: DocumentSchema,
  },
  /** Lets this document's text go to the cloud (each send still goes through the preview). */
  setDocumentCloud: { input: z.object({ id: IdSchema, allowCloud: z.boolean() }).strict(), output: DocumentSchema },
  /** The passage a citation points at. */
  getPassage: { input: z.object({ chunkId: z.number().int().min(1) }).strict(), output: PassageSchema },
  /**
   * The router evaluation report for a results CSV (the columns `modest eval report` reads), on
   * `signal` (default local_confidence), with the threshold recommended for `target` PGR.
   */
  evalReport: {
    input: z
      .object({
        csv: z.string().min(1, 'The CSV file is empty.').max(MAX_EVAL_CSV_BYTES, 'That CSV is over 64 MB.'),
        name: z.string().max(255),
        target: z.number().gt(0, 'The target PGR must be above 0.').max(1, 'The target PGR is at most 1.'),
        signal: z.string().max(200).optional(),
      })
      .strict(),
    output: EvalReportSchema,
  },
  /** How well each signal separates the local answers people accepted from those they did not. */
  getLabelStats: {
    input: z.object({ flagShare: z.number().min(0.05, 'Flag at least 5%.').max(1, 'At most 100%.') }).strict(),
    output: LabelStatsSchema,
  },
  /** Puts a threshold on one signal, or a fitted model, in force (or resets to the default). */
  adoptRouter: { input: AdoptRouterInputSchema, output: SettingsSchema },
  deleteAllData: {
    input: z.object({ confirm: z.literal('DELETE', { error: 'Type DELETE to confirm.' }) }).strict(),
    output: z.object({ deleted: z.object({ conversations: z.number(), messages: z.number() }) }),
  },
} as const;

export const streams = {
  sendMessage: {
    /** `toCloud`: the person chose the cloud model for this message (the local model is skipped). */
    input: z.object({ conversationId: IdSchema, text: MessageText, toCloud: z.boolean().optional() }).strict(),
    event: ChatEventSchema,
  },
  /** Replaces an assistant reply with a sampled one (temperature from settings, new seed). */
  regenerate: { input: z.object({ messageId: IdSchema }).strict(), event: ChatEventSchema },
  /** Replaces a user message's text, drops everything after it, and answers again. */
  editAndResend: {
    input: z.object({ messageId: IdSchema, text: MessageText }).strict(),
    event: ChatEventSchema,
  },
  /** Summarize, ask or extract over documents attached to the conversation. */
  documentTask: {
    input: z
      .object({
        conversationId: IdSchema,
        documentIds: z.array(IdSchema).min(1, 'Choose at least one document.').max(20, 'At most 20 documents at once.'),
        task: DocTaskSchema,
      })
      .strict(),
    event: ChatEventSchema,
  },
  /**
   * Sends a local reply's conversation to the cloud model; the cloud reply becomes the answer and
   * the local one its draft. `approved` is the text the person saw (and maybe edited) in the preview.
   */
  escalate: {
    input: z
      .object({
        messageId: IdSchema,
        approved: z.object({ system: z.string().max(20_000), turns: z.array(TurnSchema).min(1).max(10_000) }).strict().optional(),
      })
      .strict(),
    event: ChatEventSchema,
  },
} as const;

export type Calls = typeof calls;
export type Streams = typeof streams;
export type CallName = keyof Calls;
export type StreamName = keyof Streams;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.infer<Calls[K]['output']>;
export type StreamInput<K extends StreamName> = z.input<Streams[K]['input']>;
export type StreamEvent<K extends StreamName> = z.infer<Streams[K]['event']>;

export const callNames = Object.keys(calls) as CallName[];
export const streamNames = Object.keys(streams) as StreamName[];

export function isCallName(name: string): name is CallName {
  return Object.hasOwn(calls, name);
}
export function isStreamName(name: string): name is StreamName {
  return Object.hasOwn(streams, name);
}

/** What the core implements; every transport serves exactly this. */
export type ApiHandlers = {
  calls: { [K in CallName]: (input: z.infer<Calls[K]['input']>) => Promise<CallOutput<K>> };
  streams: {
    /** May refuse (throw or reject) before the first event; transports turn that into a plain error. */
    [K in StreamName]: (
      input: z.infer<Streams[K]['input']>,
      signal: AbortSignal,
    ) => AsyncIterable<StreamEvent<K>> | Promise<AsyncIterable<StreamEvent<K>>>;
  };
};
