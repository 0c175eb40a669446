import type { CloudPreview, Conversation, DocumentInfo, EvalReport, LabelStats, Message, ModelsOverview, Passage, SearchHit, Status } from '../../app/contract/index.js';
import { createStore, useSelector } from './lib/store.js';

/** A reply being written in one conversation, as this window sees it. */
export interface Generation {
  conversationId: string;
  /** Known once the stream's `start` event arrived (or from getStatus after a reload). */
  messageId: string | null;
  /** Null when the reply was started by another window (or before a reload): we only watch it. */
  controller: AbortController | null;
  stopping: boolean;
}

export interface ToastData {
  id: number;
  text: string;
  kind: 'info' | 'error';
  action?: { label: string; run: () => void };
}

export interface AppState {
  /** 'missing': no token in the address or this tab; 'rejected': the server refused it. */
  auth: 'ok' | 'missing' | 'rejected';
  status: Status | null;
  /** Set when the server could not be reached; the banner offers a retry. */
  offline: boolean;
  /** A failure to start at all (e.g. the first getStatus failed with an error sentence). */
  fatal: string | null;
  conversations: Conversation[];
  conversationsLoaded: boolean;
  /** Null: a new chat that is saved when its first message is sent. */
  activeId: string | null;
  /** Messages per conversation, kept while the window lives so switching back is instant. */
  messages: Record<string, Message[]>;
  /** Conversation whose messages are being fetched for the first time. */
  loadingMessages: string | null;
  generations: Record<string, Generation>;
  /** Error shown above the composer (e.g. a message that is too long). */
  composerError: string | null;
  /** A message to scroll to and highlight (from search). */
  focusMessageId: string | null;
  modelLoadError: string | null;
  searchQuery: string;
  searchHits: SearchHit[] | null;
  searchError: string | null;
  settingsOpen: boolean;
  shortcutsOpen: boolean;
  dashboardOpen: boolean;
  /** Thumbs given in this window (the server keeps them as labels). */
  ratings: Record<string, 'up' | 'down' | null>;
  /** Ask mode's consent preview: what would be sent for this reply, before anything is. */
  preview: { message: Message; data: CloudPreview | null; error: string | null } | null;
  toasts: ToastData[];
  /** Documents attached to each conversation, as last listed. */
  documents: Record<string, DocumentInfo[]>;
  /** Files on their way to Modest (the browser mode's upload), by a temporary id. */
  uploads: Record<string, Upload>;
  /** Long document tasks: how far each running one is. */
  taskProgress: Record<string, { done: number; total: number; label: string }>;
  /** The passage a clicked citation points at. */
  passage: { chunkId: number; data: Passage | null; error: string | null } | null;
  /** The Ask / Extract form for these documents. */
  docDialog: { kind: 'ask' | 'extract'; documentIds: string[] } | null;
  /** The model manager: catalog, installed files, downloads (see models.ts). */
  models: ModelsSlice;
  /** The router evaluation dialog (see evaluation.ts); kept while the window lives. */
  evaluation: EvaluationSlice;
}

export interface EvaluationSlice {
  open: boolean;
  tab: 'csv' | 'labels';
  /** The results CSV picked or dropped, as text. */
  file: { name: string; csv: string } | null;
  /** Target PGR for the recommendation, 0.5…1. */
  target: number;
  /** The signal asked for; null: the report's default (local_confidence). */
  signal: string | null;
  report: EvalReport | null;
  /** What is under way: reading the file or computing the report. */
  busy: 'reading' | 'computing' | null;
  error: string | null;
  /** The confirmation line after Adopt (or Reset). */
  adopted: string | null;
  /** An adoptRouter call is on its way. */
  adopting: boolean;
  labels: { flagShare: number; stats: LabelStats | null; busy: boolean; error: string | null };
}

export interface ModelsSlice {
  /** The last getModels answer; null until the first one arrives. */
  overview: ModelsOverview | null;
  /** Why the overview could not be read (shown where it would be). */
  error: string | null;
  /** Why a download could not start or resume (license, token, disk…), by catalog id. */
  startErrors: Record<string, string>;
  /** Catalog ids with a download, pause or cancel call on its way. */
  busy: Record<string, boolean>;
  /** A retuneModel call is measuring. */
  retuning: boolean;
  /** The model catalog dialog ("Download models…", "Choose a model…"). */
  catalogOpen: boolean;
}

export interface Upload {
  id: string;
  conversationId: string;
  name: string;
  sizeBytes: number;
  loaded: number;
  cancel: () => void;
}

export const initialState: AppState = {
  auth: 'ok',
  status: null,
  offline: false,
  fatal: null,
  conversations: [],
  conversationsLoaded: false,
  activeId: null,
  messages: {},
  loadingMessages: null,
  generations: {},
  composerError: null,
  focusMessageId: null,
  modelLoadError: null,
  searchQuery: '',
  searchHits: null,
  searchError: null,
  settingsOpen: false,
  shortcutsOpen: false,
  dashboardOpen: false,
  ratings: {},
  preview: null,
  toasts: [],
  documents: {},
  uploads: {},
  taskProgress: {},
  passage: null,
  docDialog: null,
  models: { overview: null, error: null, startErrors: {}, busy: {}, retuning: false, catalogOpen: false },
  evaluation: {
    open: false,
    tab: 'csv',
    file: null,
    target: 0.95,
    signal: null,
    report: null,
    busy: null,
    error: null,
    adopted: null,
    adopting: false,
    labels: { flagShare: 0.8, stats: null, busy: false, error: null },
  },
};

export const store = createStore<AppState>(initialState);

export function useApp<T>(select: (s: AppState) => T): T {
  return useSelector(store, select);
}

const NO_MESSAGES: Message[] = [];

export function selectActiveMessages(s: AppState): Message[] {
  return (s.activeId && s.messages[s.activeId]) || NO_MESSAGES;
}

export function selectActiveGeneration(s: AppState): Generation | null {
  return (s.activeId && s.generations[s.activeId]) || null;
}

export function selectModelReady(s: AppState): boolean {
  return s.status?.model.state === 'ready';
}
