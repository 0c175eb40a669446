import type { Confidence, Conversation, DocTaskInfo, Escalation, Message, MessageStatus, Price, ReplyStats, Sampler, SearchHit, Settings, UsageSummary } from '../contract/index.js';

/** What the chat service records about one model call; one row each, kept for usage and cost views. */
export interface UsageEventInput {
  /** When the call started, ms since epoch. */
  time: number;
  conversationId: string;
  messageId: string | null;
  route: 'local' | 'cloud';
  model: string;
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  durationMs: number;
  tokensPerSecond: number | null;
  minP: number | null;
  p10: number | null;
  meanLogp: number | null;
  margin1: number | null;
  tokenCount: number;
  /** Null when the call failed before sampling began. */
  sampler: Sampler | null;
  /** Always 0 for local calls. */
  costUsd: number;
  outcome: 'ok' | 'aborted' | 'error';
  error: string | null;
  /** Why the call went where it did, e.g. "local confidence 0.31 < 0.55 (p10)". */
  reason: string | null;
  /** The provider's token counts never arrived; these were counted locally. */
  usageEstimated: boolean;
  /** Cloud calls: 'openai' (any OpenAI-compatible endpoint) or 'anthropic'. */
  provider: string | null;
}

export interface UsageEvent extends UsageEventInput {
  id: number;
}

export type Clock = () => number;

export interface MessageInsert {
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  task?: DocTaskInfo | null;
}

export interface MessagePatch {
  content?: string;
  status?: MessageStatus;
  stats?: ReplyStats | null;
  error?: string | null;
  escalation?: Escalation | null;
  task?: DocTaskInfo | null;
}

export interface ConversationRepo {
  /** Chats (not evaluation runs) not soft-deleted, most recently active first. */
  list(): Conversation[];
  /** Throws AppError('NOT_FOUND') if missing or soft-deleted. */
  get(id: string): Conversation;
  /** Default title "New chat". */
  create(title?: string): Conversation;
  /**
   * The live conversation of kind 'eval' with this title, created if there is none: it holds an
   * evaluation run's usage rows, and list, search and export leave it out.
   */
  evalConversation(title: string): Conversation;
  rename(id: string, title: string): Conversation;
  setKeepLocal(id: string, keepLocal: boolean): Conversation;
  /** Hidden from list and search until restored or purged. */
  softDelete(id: string): void;
  restore(id: string): Conversation;
  /** Hard-deletes soft-deleted conversations with their messages; returns how many. */
  purgeDeleted(): number;
  touch(id: string): void;
}

export interface MessageRepo {
  /** Oldest first. */
  list(conversationId: string): Message[];
  get(id: string): Message;
  insert(m: MessageInsert): Message;
  update(id: string, patch: MessagePatch): Message;
  /** Removes the messages after this one in its conversation (and this one when inclusive); returns how many. */
  deleteAfter(messageId: string, opts: { inclusive: boolean }): number;
}

export interface UsageRepo {
  /** Returns the new row's id. */
  insert(e: UsageEventInput): number;
  /** Oldest first; with `limit`, the most recent `limit` rows. */
  list(opts?: { conversationId?: string; limit?: number }): UsageEvent[];
  /** Marks a local call whose answer the cloud replaced (the dashboard counts it as a cloud answer). */
  markEscalated(id: number): void;
  /**
   * The message's latest local call that still counts as its answer (not escalated, not failed):
   * the row to mark escalated when a cloud reply asked for later replaces it.
   */
  latestLocalAnswer(messageId: string): number | null;
  /** Dollars spent on cloud calls since `since` (ms since epoch). */
  cloudSpendSince(since: number): number;
}

export type LabelKind = 'thumbs-up' | 'thumbs-down' | 'asked-cloud';

export interface LabelRepo {
  /** A thumb replaces the other thumb on the same message; `null` clears both. */
  setThumb(messageId: string, kind: 'thumbs-up' | 'thumbs-down' | null): void;
  add(messageId: string, kind: LabelKind): void;
  list(messageId?: string): { messageId: string; kind: LabelKind; createdAt: number }[];
  /**
   * Labelled answers the local model gave, with its confidence: acceptable when thumbed up,
   * not when thumbed down or sent to the cloud by "Ask cloud". A thumb on an answer the cloud
   * gave says nothing about the local model and is left out.
   */
  localVerdicts(): LocalVerdict[];
}

export interface LocalVerdict {
  messageId: string;
  acceptable: boolean;
  confidence: Confidence;
}

export interface SettingsRepo {
  get(): Settings;
  /** Validated; throws AppError('BAD_REQUEST') and stores nothing when the patch is invalid. */
  update(patch: Partial<Settings>): Settings;
}

export interface ExportFile {
  filename: string;
  mimeType: string;
  content: string;
}

import type { DocumentRepo } from './documents.js';
import type { ModelRepo } from './models.js';

export interface Storage {
  readonly dataDir: string;
  readonly dbPath: string;
  /** Closes the database and releases the data-folder lock. Safe to call twice. */
  close(): void;
  conversations: ConversationRepo;
  messages: MessageRepo;
  usage: UsageRepo;
  labels: LabelRepo;
  documents: DocumentRepo;
  models: ModelRepo;
  settings: SettingsRepo;
  search(query: string, limit?: number): SearchHit[];
  /** The dashboard for [from, to); local tokens are priced at `price` for the all-cloud counterfactual. */
  usageSummary(from: number, to: number, price: Price | null, counterfactualModel: string): UsageSummary;
  /** Every usage row of [from, to) as a CSV file. */
  usageCsv(from: number, to: number): ExportFile;
  exportConversations(conversationId: string | undefined, format: 'markdown' | 'json'): ExportFile;
  /** Erases every conversation, message, usage row and search entry, then compacts the file. */
  deleteAll(): { conversations: number; messages: number };
}
