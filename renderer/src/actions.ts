import type { CallOutput, ChatEvent, Conversation, DocTask, Message, ProviderId, Settings, Status } from '../../app/contract/index.js';
import { api, errorMessage, forgetToken, hasAccess, isAbortError, isUnauthorized, NetworkError } from './api.js';
import { loadDocuments } from './documents.js';
import { createDeltaBatcher } from './lib/batcher.js';
import { clearAllDrafts } from './lib/drafts.js';
import { store, type AppState, type Generation, type ToastData } from './state.js';

type ExportFile = CallOutput<'exportConversations'>;

const set = store.set;
const get = store.get;

/* ---------- failures every action shares ---------- */

/** Network down → banner; token refused → sign-in screen; anything else → the caller decides. */
export function handleCommon(err: unknown): boolean {
  if (err instanceof NetworkError) {
    set({ offline: true });
    return true;
  }
  if (isUnauthorized(err)) {
    forgetToken();
    set({ auth: 'rejected' });
    return true;
  }
  return false;
}

/** Runs a call; on failure shows a toast with the error sentence and returns undefined. */
export async function attempt<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    const out = await run();
    if (get().offline) set({ offline: false });
    return out;
  } catch (err) {
    if (!handleCommon(err)) toast(errorMessage(err), 'error');
    return undefined;
  }
}

/* ---------- toasts ---------- */

let toastSeq = 0;
const toastTimers = new Map<number, ReturnType<typeof setTimeout>>();

export function toast(text: string, kind: ToastData['kind'] = 'info', action?: ToastData['action'], ms = 6000): number {
  const id = ++toastSeq;
  // The same message twice (a button clicked again) shows once, with its timer restarted.
  for (const t of get().toasts) if (t.text === text && t.kind === kind) dismissToast(t.id);
  set((s) => ({ toasts: [...s.toasts.slice(-3), { id, text, kind, action }] }));
  toastTimers.set(
    id,
    setTimeout(() => dismissToast(id), kind === 'error' ? Math.max(ms, 9000) : ms),
  );
  return id;
}

export function dismissToast(id: number): void {
  clearTimeout(toastTimers.get(id));
  toastTimers.delete(id);
  set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

/* ---------- start-up, status, connection ---------- */

const ACTIVE_KEY = 'modest.activeConversation';
let rememberingActive = false;

/** A reload returns to the conversation that was open (and so to its unsent draft). */
function rememberActiveConversation(): void {
  if (rememberingActive) return;
  rememberingActive = true;
  let last = get().activeId;
  store.subscribe(() => {
    const id = get().activeId;
    if (id === last) return;
    last = id;
    try {
      if (id) sessionStorage.setItem(ACTIVE_KEY, id);
      else sessionStorage.removeItem(ACTIVE_KEY);
    } catch {
      // No session storage: a reload opens a new chat, nothing worse.
    }
  });
}

function forgetActiveConversation(): void {
  try {
    sessionStorage.removeItem(ACTIVE_KEY);
  } catch {
    // No session storage: nothing was remembered.
  }
}

function rememberedConversation(): string | null {
  try {
    return sessionStorage.getItem(ACTIVE_KEY);
  } catch {
    return null;
  }
}

export async function init(): Promise<void> {
  if (!hasAccess()) {
    set({ auth: 'missing' });
    return;
  }
  try {
    const status = await api.getStatus({});
    set({ status, offline: false, fatal: null, auth: 'ok' });
    if (status.model.state === 'loading') void pollModelLoad();
    await refreshConversations();
    const remembered = rememberedConversation();
    if (get().activeId === null && remembered && get().conversations.some((c) => c.id === remembered)) {
      set({ activeId: remembered });
    }
    rememberActiveConversation();
    const active = get().activeId;
    if (active) await loadMessages(active, { force: true });
    watchRemoteGenerations(status);
  } catch (err) {
    if (!handleCommon(err)) set({ fatal: errorMessage(err) });
  }
}

export async function refreshStatus(): Promise<Status | undefined> {
  try {
    const status = await api.getStatus({});
    const wasOffline = get().offline;
    set({ status, offline: false });
    if (wasOffline) void refreshConversations();
    return status;
  } catch (err) {
    handleCommon(err);
    return undefined;
  }
}

let heartbeat: ReturnType<typeof setTimeout> | undefined;

/**
 * Notices when Modest stops (the banner appears) and when it is back (the banner goes), without
 * waiting for the next click. Quiet while the window is hidden.
 */
export function startHeartbeat(): () => void {
  const tick = async () => {
    const s = get();
    if (s.auth === 'ok' && document.visibilityState === 'visible') {
      if (s.status) await refreshStatus();
      else if (s.offline) await init();
    }
    heartbeat = setTimeout(tick, get().offline ? 4000 : 15_000);
  };
  heartbeat = setTimeout(tick, 15_000);
  return () => clearTimeout(heartbeat);
}

/** The retry banner: try again, and pick up whatever happened meanwhile. */
export async function retryConnection(): Promise<void> {
  await init();
}

/* ---------- conversations ---------- */

export async function refreshConversations(): Promise<void> {
  const list = await attempt(() => api.listConversations({}));
  if (list) set({ conversations: list, conversationsLoaded: true });
}

export function upsertConversation(c: Conversation): void {
  set((s) => {
    const rest = s.conversations.filter((x) => x.id !== c.id);
    return { conversations: [c, ...rest].sort((a, b) => b.updatedAt - a.updatedAt) };
  });
}

export function newChat(): void {
  set({ activeId: null, composerError: null, focusMessageId: null });
  focusComposer();
}

export async function openConversation(id: string, focusMessageId: string | null = null): Promise<void> {
  set({ activeId: id, composerError: null, focusMessageId });
  await loadMessages(id, { force: !get().generations[id] });
}

async function loadMessages(id: string, { force }: { force: boolean }): Promise<void> {
  const had = get().messages[id];
  if (had && !force) return;
  if (!had) set({ loadingMessages: id });
  try {
    const list = await api.getMessages({ conversationId: id });
    // A reply that started while we fetched owns the list now; do not overwrite it.
    if (!get().generations[id]?.controller) set((s) => ({ messages: { ...s.messages, [id]: list } }));
    void loadDocuments(id);
  } catch (err) {
    if (!handleCommon(err)) {
      toast(errorMessage(err), 'error');
      // The conversation is gone (deleted elsewhere): fall back to a new chat.
      if (get().activeId === id) set({ activeId: null });
      void refreshConversations();
    }
  } finally {
    if (get().loadingMessages === id) set({ loadingMessages: null });
  }
}

export async function renameConversation(id: string, title: string): Promise<boolean> {
  const trimmed = title.trim();
  if (!trimmed) return false;
  const c = await attempt(() => api.renameConversation({ id, title: trimmed }));
  if (!c) return false;
  set((s) => ({ conversations: s.conversations.map((x) => (x.id === id ? c : x)) }));
  return true;
}

/** Forgets a conversation in this window, dropping a reply it is still streaming here. */
function dropConversation(id: string): void {
  const g = get().generations[id];
  g?.controller?.abort(GONE);
  set((s) => {
    const { [id]: _gone, ...messages } = s.messages;
    const { [id]: _generation, ...generations } = s.generations;
    return {
      conversations: s.conversations.filter((c) => c.id !== id),
      messages,
      generations,
      activeId: s.activeId === id ? null : s.activeId,
      searchHits: s.searchHits?.filter((h) => h.conversationId !== id) ?? null,
    };
  });
}

export async function deleteConversation(id: string): Promise<void> {
  const before = get().conversations.find((c) => c.id === id);
  const ok = await attempt(() => api.deleteConversation({ id }));
  if (!ok) return;
  dropConversation(id);
  const title = before?.title ?? 'Conversation';
  const toastId = toast(`Deleted “${shorten(title, 40)}”.`, 'info', {
    label: 'Undo',
    run: () => {
      dismissToast(toastId);
      void restoreConversation(id);
    },
  }, 10_000);
}

export async function restoreConversation(id: string): Promise<void> {
  const c = await attempt(() => api.restoreConversation({ id }));
  if (!c) return;
  upsertConversation(c);
  await openConversation(c.id);
}

/* ---------- search ---------- */

let searchTimer: ReturnType<typeof setTimeout> | undefined;
let searchSeq = 0;

export function setSearchQuery(query: string): void {
  set({ searchQuery: query, searchError: null });
  clearTimeout(searchTimer);
  if (query.trim() === '') {
    searchSeq++;
    set({ searchHits: null });
    return;
  }
  searchTimer = setTimeout(() => void runSearch(query), 180);
}

async function runSearch(query: string): Promise<void> {
  const seq = ++searchSeq;
  try {
    const hits = await api.search({ query, limit: 40 });
    if (seq === searchSeq) set({ searchHits: hits, searchError: null });
  } catch (err) {
    if (seq !== searchSeq) return;
    if (!handleCommon(err)) set({ searchHits: [], searchError: errorMessage(err) });
  }
}

export function clearSearch(): void {
  setSearchQuery('');
}

/* ---------- replies ---------- */

let tempSeq = 0;

/**
 * The abort reason for a stream whose conversation was deleted: its remaining events are dropped,
 * so a late `done` cannot bring the conversation's messages back.
 */
const GONE = 'modest:conversation-deleted';

function patchMessages(conversationId: string, f: (list: Message[]) => Message[]): void {
  set((s) => ({ messages: { ...s.messages, [conversationId]: f(s.messages[conversationId] ?? []) } }));
}

function putMessage(conversationId: string, m: Message, replaceId: string = m.id): void {
  patchMessages(conversationId, (list) => {
    const i = list.findIndex((x) => x.id === replaceId || x.id === m.id);
    if (i === -1) return [...list, m];
    const next = list.slice();
    next[i] = m;
    return next;
  });
}

function setGeneration(conversationId: string, g: Generation | null): void {
  set((s) => {
    const { [conversationId]: _old, ...rest } = s.generations;
    return { generations: g ? { ...rest, [conversationId]: g } : rest };
  });
}

/** Deltas are applied to the store at most once per animation frame. */
const batcher = createDeltaBatcher((pending) => {
  set((s) => {
    let messages = s.messages;
    for (const [messageId, text] of pending) {
      for (const [cid, list] of Object.entries(messages)) {
        const i = list.findIndex((m) => m.id === messageId);
        if (i === -1) continue;
        const next = list.slice();
        const m = next[i]!;
        next[i] = { ...m, content: m.content + text };
        messages = { ...messages, [cid]: next };
        break;
      }
    }
    return { messages };
  });
});

/**
 * Runs one reply stream into the store. Resolves `true` once the server accepted the request (its
 * first event arrived), `false` if it refused before streaming (the reason is shown above the
 * composer); the stream itself keeps running in the background.
 */
function runReply(
  conversationId: string,
  open: (signal: AbortSignal) => AsyncIterable<ChatEvent>,
  opts: { tempUserId?: string; onRefused?: () => void; showRefusal?: (reason: string) => void } = {},
): Promise<boolean> {
  const controller = new AbortController();
  const gone = () => controller.signal.aborted && controller.signal.reason === GONE;
  setGeneration(conversationId, { conversationId, messageId: null, controller, stopping: false });
  set({ composerError: null });

  return new Promise<boolean>((resolveStarted) => {
    let started = false;
    const markStarted = () => {
      if (!started) {
        started = true;
        resolveStarted(true);
      }
    };
    let replyId: string | null = null;

    void (async () => {
      try {
        for await (const ev of open(controller.signal)) {
          if (gone()) break;
          switch (ev.type) {
            case 'user':
              putMessage(conversationId, ev.message, opts.tempUserId);
              markStarted();
              break;
            case 'start':
              replyId = ev.message.id;
              putMessage(conversationId, ev.message);
              set((s) => {
                const g = s.generations[conversationId];
                return g ? { generations: { ...s.generations, [conversationId]: { ...g, messageId: ev.message.id } } } : {};
              });
              markStarted();
              // Stop was pressed before the reply had an id: stop it now that it has one.
              if (get().generations[conversationId]?.stopping) void api.stopGeneration({ messageId: ev.message.id }).catch(() => controller.abort());
              break;
            case 'delta':
              batcher.push(ev.messageId, ev.text);
              break;
            case 'progress':
              set((s) => ({ taskProgress: { ...s.taskProgress, [ev.messageId]: { done: ev.done, total: ev.total, label: ev.label } } }));
              break;
            case 'escalate':
              // The local text so far becomes the draft; the cloud reply streams in from empty.
              batcher.flush();
              patchMessages(conversationId, (list) =>
                list.map((m) =>
                  m.id === ev.messageId
                    ? {
                        ...m,
                        content: '',
                        escalation: { state: 'escalated', reason: ev.reason, cloudModel: ev.cloudModel, localDraft: { content: m.content, stats: m.stats }, error: null },
                      }
                    : m,
                ),
              );
              break;
            case 'done':
              batcher.flush();
              putMessage(conversationId, ev.message);
              clearTaskProgress(ev.message.id);
              // A message sent to the cloud by choice, in Ask mode: show what will be sent first.
              if (ev.message.escalation?.state === 'offered' && ev.message.escalation.reason === 'you asked' && ev.message.content === '') {
                void askCloud(ev.message);
              }
              break;
            case 'error': {
              batcher.flush();
              markStarted();
              const id = ev.messageId ?? replyId;
              if (id) {
                patchMessages(conversationId, (list) =>
                  list.map((m) => (m.id === id ? { ...m, status: 'error', error: ev.error.message } : m)),
                );
              } else {
                toast(ev.error.message, 'error');
              }
              break;
            }
          }
        }
      } catch (err) {
        batcher.flush();
        if (gone()) {
          // Its conversation was deleted (or all data): the store has already forgotten it.
        } else if (isAbortError(err, controller.signal)) {
          // We dropped the stream ourselves (Stop could not be asked politely): show what was saved.
          if (replyId) void loadMessages(conversationId, { force: true });
        } else if (!started) {
          if (opts.tempUserId) patchMessages(conversationId, (list) => list.filter((m) => m.id !== opts.tempUserId));
          if (!handleCommon(err)) {
            const reason = errorMessage(err);
            if (opts.showRefusal) opts.showRefusal(reason);
            else set({ composerError: reason });
          }
          opts.onRefused?.();
        } else if (!handleCommon(err)) {
          toast(errorMessage(err), 'error');
        }
      } finally {
        batcher.flush();
        // Only this stream's own entry: after a delete and Undo, a newer reply may own the slot.
        if (get().generations[conversationId]?.controller === controller) setGeneration(conversationId, null);
        if (!started) resolveStarted(false);
        // Titles and order change when a conversation gets a reply (a deleted one has left the list).
        if (!gone()) void refreshConversations();
      }
    })();
  });
}

function clearTaskProgress(messageId: string): void {
  if (!(messageId in get().taskProgress)) return;
  set((s) => {
    const { [messageId]: _done, ...rest } = s.taskProgress;
    return { taskProgress: rest };
  });
}

/** Summarize, Ask or Extract over documents: the answer streams in like a reply. */
export async function runDocumentTask(conversationId: string, documentIds: string[], task: DocTask): Promise<boolean> {
  if (get().generations[conversationId]) {
    toast('Wait for the reply to finish, or stop it, then try again.', 'error');
    return false;
  }
  return runReply(conversationId, (signal) => api.streams.documentTask({ conversationId, documentIds, task }, signal), {
    showRefusal: (reason) => toast(reason, 'error'),
  });
}

export async function sendMessage(text: string, opts: { toCloud?: boolean } = {}): Promise<boolean> {
  if (text.trim() === '') {
    set({ composerError: 'Type a message before sending.' });
    return false;
  }
  let id = get().activeId;
  if (id && get().generations[id]) return false;
  let created = false;
  if (!id) {
    const c = await attempt(() => api.createConversation({}));
    if (!c) return false;
    upsertConversation(c);
    set((s) => ({ activeId: c.id, messages: { ...s.messages, [c.id]: [] } }));
    id = c.id;
    created = true;
  }
  const conversationId = id;
  const now = Date.now();
  const tempUserId = `pending-${++tempSeq}`;
  putMessage(conversationId, {
    id: tempUserId,
    conversationId,
    role: 'user',
    content: text,
    status: 'complete',
    createdAt: now,
    updatedAt: now,
    stats: null,
    error: null,
    escalation: null,
    task: null,
  });
  return runReply(conversationId, (signal) => api.streams.sendMessage({ conversationId, text, ...(opts.toCloud ? { toCloud: true } : {}) }, signal), {
    tempUserId,
    // The server refuses before saving anything, so a first message refused leaves an empty
    // conversation: remove it, and the window is back in the new chat (the composer gets the text).
    onRefused: created ? () => discardEmptyConversation(conversationId) : undefined,
  });
}

function discardEmptyConversation(id: string): void {
  if (get().messages[id]?.length) return;
  // Also marks the stream gone, so it does not refresh the list before the server has deleted it.
  dropConversation(id);
  api.deleteConversation({ id }).catch(() => {
    // Offline or refused: the list shows the server's truth (an empty "New chat", as before).
    void refreshConversations();
  });
}

export async function regenerate(message: Message): Promise<boolean> {
  const conversationId = message.conversationId;
  if (get().generations[conversationId]) return false;
  patchMessages(conversationId, (list) => {
    const i = list.findIndex((m) => m.id === message.id);
    return i === -1 ? list : list.slice(0, i);
  });
  return runReply(conversationId, (signal) => api.streams.regenerate({ messageId: message.id }, signal), {
    onRefused: () => void loadMessages(conversationId, { force: true }),
  });
}

/**
 * Resolves `true` once the edit was accepted and the new reply streams. When refused, the reason
 * goes to `showRefusal` (the edit box keeps the text and shows it) rather than above the composer.
 */
export async function editAndResend(
  message: Message,
  text: string,
  showRefusal: (reason: string) => void = (reason) => set({ composerError: reason }),
): Promise<boolean> {
  const conversationId = message.conversationId;
  if (text.trim() === '') {
    showRefusal('Type a message before sending.');
    return false;
  }
  if (get().generations[conversationId]) {
    showRefusal('Wait for the reply to finish, or stop it, then send again.');
    return false;
  }
  patchMessages(conversationId, (list) => {
    const i = list.findIndex((m) => m.id === message.id);
    return i === -1 ? list : [...list.slice(0, i), { ...message, content: text }];
  });
  return runReply(conversationId, (signal) => api.streams.editAndResend({ messageId: message.id, text }, signal), {
    showRefusal,
    onRefused: () => void loadMessages(conversationId, { force: true }),
  });
}

/** Stop keeps what was written: the stream then ends with the reply marked partial. */
export async function stopGeneration(conversationId: string | null = get().activeId): Promise<void> {
  if (!conversationId) return;
  const g = get().generations[conversationId];
  if (!g || g.stopping) return;
  setGeneration(conversationId, { ...g, stopping: true });
  if (!g.messageId) return; // stopped as soon as the `start` event names the reply
  try {
    await api.stopGeneration({ messageId: g.messageId });
  } catch (err) {
    // Could not ask politely: dropping the stream also stops the reply on the server.
    g.controller?.abort();
    handleCommon(err);
  }
}

/* ---------- replies started elsewhere (another window, or before a reload) ---------- */

let watchTimer: ReturnType<typeof setTimeout> | undefined;

function watchRemoteGenerations(status: Status | null): void {
  if (!status) return;
  const s = get();
  const remote = status.activeGenerations.filter((g) => !s.generations[g.conversationId]?.controller);
  const generations: AppState['generations'] = {};
  for (const [cid, g] of Object.entries(s.generations)) if (g.controller) generations[cid] = g;
  for (const g of remote) {
    generations[g.conversationId] = {
      conversationId: g.conversationId,
      messageId: g.messageId,
      controller: null,
      stopping: s.generations[g.conversationId]?.stopping ?? false,
    };
  }
  set({ generations });
  clearTimeout(watchTimer);
  if (remote.length === 0) return;
  watchTimer = setTimeout(async () => {
    const active = get().activeId;
    if (active && remote.some((g) => g.conversationId === active)) await loadMessages(active, { force: true });
    const next = await refreshStatus();
    watchRemoteGenerations(next ?? get().status);
    if (next && active && !next.activeGenerations.some((g) => g.conversationId === active)) {
      await loadMessages(active, { force: true });
      void refreshConversations();
    }
  }, 1000);
}

/* ---------- the model ---------- */

let polling = false;

async function pollModelLoad(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 400));
      const status = await refreshStatus();
      if (!status || status.model.state !== 'loading') break;
    }
  } finally {
    polling = false;
  }
}

export async function loadModel(path: string): Promise<boolean> {
  const trimmed = path.trim();
  if (!trimmed) {
    set({ modelLoadError: 'Give the path of a .gguf file.' });
    return false;
  }
  set((s) => ({
    modelLoadError: null,
    status: s.status ? { ...s.status, model: { state: 'loading', path: trimmed, progress: 0 } } : s.status,
  }));
  void pollModelLoad();
  try {
    const model = await api.loadModel({ path: trimmed });
    set((s) => ({ status: s.status ? { ...s.status, model } : s.status }));
    await refreshStatus();
    return true;
  } catch (err) {
    if (!handleCommon(err)) set({ modelLoadError: errorMessage(err) });
    await refreshStatus();
    return false;
  }
}

export async function unloadModel(): Promise<void> {
  const model = await attempt(() => api.unloadModel({}));
  if (model) set((s) => ({ status: s.status ? { ...s.status, model } : s.status }));
}

/* ---------- settings and data ---------- */

export async function updateSettings(patch: Partial<Settings>): Promise<string | null> {
  try {
    const settings = await api.updateSettings(patch);
    set((s) => ({ status: s.status ? { ...s.status, settings } : s.status }));
    await refreshStatus();
    return null;
  } catch (err) {
    if (handleCommon(err)) return errorMessage(err);
    await refreshStatus();
    return errorMessage(err);
  }
}

/* ---------- the cloud ---------- */

/**
 * "Ask <cloud model>" on a local answer. With the preview on (the default) it only opens the
 * consent dialog; nothing leaves the machine until Send there.
 */
export async function askCloud(message: Message): Promise<void> {
  // Document text always goes through the preview, whatever the setting says.
  if (get().status?.settings.previewBeforeSend === false && !message.task) {
    await sendToCloud(message, undefined);
    return;
  }
  set({ preview: { message, data: null, error: null } });
  try {
    const data = await api.previewEscalation({ messageId: message.id });
    if (get().preview?.message.id === message.id) set({ preview: { message, data, error: null } });
  } catch (err) {
    handleCommon(err);
    if (get().preview?.message.id === message.id) set({ preview: { message, data: null, error: errorMessage(err) } });
  }
}

export function closePreview(): void {
  set({ preview: null });
}

/** Sends the reply's conversation (or exactly the text approved in the preview) to the cloud model. */
export async function sendToCloud(message: Message, approved: { system: string; turns: { role: 'user' | 'assistant'; content: string }[] } | undefined): Promise<boolean> {
  set({ preview: null });
  const ok = await runReply(message.conversationId, (signal) => api.streams.escalate({ messageId: message.id, ...(approved ? { approved } : {}) }, signal), {
    showRefusal: (reason) => toast(reason, 'error'),
  });
  void refreshStatus();
  return ok;
}

export async function rateMessage(message: Message, thumb: 'up' | 'down' | null): Promise<void> {
  const done = await attempt(() => api.labelMessage({ messageId: message.id, thumb }));
  if (done) set((s) => ({ ratings: { ...s.ratings, [message.id]: thumb } }));
}

export async function setKeepLocal(conversationId: string, keepLocal: boolean): Promise<void> {
  const c = await attempt(() => api.setKeepLocal({ id: conversationId, keepLocal }));
  if (c) {
    upsertConversation(c);
    toast(keepLocal ? 'This conversation stays on this computer: it is never sent to the cloud.' : 'This conversation may use the cloud, as your settings allow.');
  }
}

export function openDashboard(open = true): void {
  set({ dashboardOpen: open });
}

/** Saves or clears a cloud API key; returns the error sentence, or null when it worked. */
export async function saveApiKey(provider: ProviderId, key: string | null): Promise<string | null> {
  try {
    const keys = key === null ? await api.deleteApiKey({ provider }) : await api.setApiKey({ provider, key });
    set((s) => ({ status: s.status ? { ...s.status, keys } : s.status }));
    return null;
  } catch (err) {
    handleCommon(err);
    return errorMessage(err);
  }
}

export async function exportConversations(format: 'markdown' | 'json', conversationId?: string): Promise<ExportFile | null> {
  return (await attempt(() => api.exportConversations({ format, ...(conversationId ? { conversationId } : {}) }))) ?? null;
}

export async function deleteAllData(): Promise<string | null> {
  try {
    // The server ends running replies itself before deleting; their streams are dropped after.
    const { deleted } = await api.deleteAllData({ confirm: 'DELETE' });
    for (const g of Object.values(get().generations)) g.controller?.abort(GONE);
    set({ conversations: [], messages: {}, activeId: null, searchHits: null, searchQuery: '', generations: {}, documents: {}, taskProgress: {} });
    // What this window kept on its own: unsent drafts and the conversation to reopen on reload.
    clearAllDrafts();
    forgetActiveConversation();
    toast(
      `Deleted ${deleted.conversations} conversation${deleted.conversations === 1 ? '' : 's'} and ${deleted.messages} message${deleted.messages === 1 ? '' : 's'}.`,
    );
    return null;
  } catch (err) {
    handleCommon(err);
    return errorMessage(err);
  }
}

/* ---------- panels and focus ---------- */

export function openSettings(open = true): void {
  set({ settingsOpen: open });
}

export function openShortcuts(open = true): void {
  set({ shortcutsOpen: open });
}

export function clearFocusMessage(): void {
  set({ focusMessageId: null });
}

export function clearComposerError(): void {
  if (get().composerError) set({ composerError: null });
}

export function focusComposer(): void {
  requestAnimationFrame(() => document.getElementById('composer-input')?.focus());
}

export function focusSearch(): void {
  const el = document.getElementById('search-input') as HTMLInputElement | null;
  el?.focus();
  el?.select();
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
