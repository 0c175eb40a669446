import type { DocumentInfo, DocTask } from '../../app/contract/index.js';
import { attempt, focusComposer, handleCommon, runDocumentTask, toast, upsertConversation } from './actions.js';
import { api, desktop, errorMessage, getToken, isAbortError } from './api.js';
import { importAndLoad } from './models.js';
import { store, type Upload } from './state.js';
import { uploadFile } from './transport/upload.js';

const set = store.set;
const get = store.get;

/** How often chips refresh while something is indexing: often enough to feel live, cheap to serve. */
const POLL_MS = 400;

function putDocument(d: DocumentInfo): void {
  set((s) => {
    const list = s.documents[d.conversationId] ?? [];
    const i = list.findIndex((x) => x.id === d.id);
    const next = i === -1 ? [...list, d] : list.map((x) => (x.id === d.id ? d : x));
    return { documents: { ...s.documents, [d.conversationId]: next } };
  });
  if (d.status === 'queued' || d.status === 'indexing') watch(d.conversationId);
}

export async function loadDocuments(conversationId: string): Promise<void> {
  try {
    const list = await api.listDocuments({ conversationId });
    set((s) => ({ documents: { ...s.documents, [conversationId]: list } }));
    if (list.some((d) => d.status === 'queued' || d.status === 'indexing')) watch(conversationId);
  } catch (err) {
    // A conversation deleted meanwhile has no documents to show; anything else is the usual toast.
    if (!handleCommon(err) && !(err instanceof Error && /no longer exists/.test(err.message))) toast(errorMessage(err), 'error');
  }
}

const watching = new Set<string>();

/** Polls a conversation's documents until none is queued or indexing. */
function watch(conversationId: string): void {
  if (watching.has(conversationId)) return;
  watching.add(conversationId);
  const tick = async () => {
    try {
      const list = await api.listDocuments({ conversationId });
      set((s) => ({ documents: { ...s.documents, [conversationId]: list } }));
      if (list.some((d) => d.status === 'queued' || d.status === 'indexing')) {
        setTimeout(() => void tick(), POLL_MS);
        return;
      }
    } catch {
      // Offline or gone: the heartbeat shows the banner; a reconnect reloads the list.
    }
    watching.delete(conversationId);
  };
  setTimeout(() => void tick(), POLL_MS);
}

/** Drop or pick: each file becomes a chip at once, then uploads (browser) or attaches by path (desktop). */
export async function attachFiles(dropped: readonly File[]): Promise<void> {
  const models = dropped.filter((f) => /\.gguf$/i.test(f.name));
  for (const m of models) {
    // The desktop app knows where the file is: bring it in as a model and load it.
    const path = desktop ? desktop.pathForFile(m) : '';
    if (path) {
      toast(`Adding the model “${m.name}”…`);
      void importAndLoad(path).then((err) => err && toast(err, 'error'));
    } else {
      toast(`“${m.name}” is a model, not a document. To use it, open Settings → Download models… and type its path.`, 'error');
    }
  }
  const files = dropped.filter((f) => !models.includes(f));
  if (files.length === 0) return;
  let conversationId = get().activeId;
  if (!conversationId) {
    const c = await attempt(() => api.createConversation({}));
    if (!c) return;
    upsertConversation(c);
    set((s) => ({ activeId: c.id, messages: { ...s.messages, [c.id]: [] }, documents: { ...s.documents, [c.id]: [] } }));
    conversationId = c.id;
  }
  const target = conversationId;
  await Promise.all(files.map((f) => attachOne(target, f)));
}

let uploadSeq = 0;

async function attachOne(conversationId: string, file: File): Promise<void> {
  if (desktop) {
    // The desktop app reads the file where it is; the page never handles its bytes.
    let filePath: string;
    try {
      filePath = desktop.pathForFile(file);
    } catch {
      filePath = '';
    }
    if (!filePath) {
      toast(`“${file.name}” is not a file on this computer, so it cannot be attached.`, 'error');
      return;
    }
    const d = await attempt(() => api.addDocumentPath({ conversationId, path: filePath }));
    if (d) putDocument(d);
    return;
  }
  const id = `upload-${++uploadSeq}`;
  const handle = uploadFile(file, conversationId, getToken, (loaded) =>
    set((s) => (s.uploads[id] ? { uploads: { ...s.uploads, [id]: { ...s.uploads[id], loaded } } } : {})),
  );
  const upload: Upload = { id, conversationId, name: file.name, sizeBytes: file.size, loaded: 0, cancel: handle.cancel };
  set((s) => ({ uploads: { ...s.uploads, [id]: upload } }));
  try {
    putDocument(await handle.done);
  } catch (err) {
    if (isAbortError(err)) toast(`Stopped uploading “${file.name}”.`);
    else if (!handleCommon(err)) toast(`“${file.name}”: ${errorMessage(err)}`, 'error');
  } finally {
    set((s) => {
      const { [id]: _gone, ...rest } = s.uploads;
      return { uploads: rest };
    });
  }
}

async function apply(run: () => Promise<DocumentInfo>): Promise<void> {
  const d = await attempt(run);
  if (d) putDocument(d);
}

export const cancelDocument = (id: string) => apply(() => api.cancelDocument({ id }));
export const retryDocument = (id: string) => apply(() => api.retryDocument({ id }));
export const setDocumentCloud = (id: string, allowCloud: boolean) => apply(() => api.setDocumentCloud({ id, allowCloud }));

/** Resolves to an error sentence for the password box, or null once the document is unlocking. */
export async function unlockDocument(id: string, password: string): Promise<string | null> {
  try {
    putDocument(await api.unlockDocument({ id, password }));
    return null;
  } catch (err) {
    if (handleCommon(err)) return null;
    return errorMessage(err);
  }
}

export async function removeDocument(d: DocumentInfo): Promise<void> {
  const ok = await attempt(() => api.removeDocument({ id: d.id }));
  if (!ok) return;
  set((s) => ({ documents: { ...s.documents, [d.conversationId]: (s.documents[d.conversationId] ?? []).filter((x) => x.id !== d.id) } }));
}

export function summarize(d: DocumentInfo): void {
  void runDocumentTask(d.conversationId, [d.id], { kind: 'summarize' });
}

export function openDocDialog(kind: 'ask' | 'extract', documentIds: string[]): void {
  set({ docDialog: { kind, documentIds } });
}

export function closeDocDialog(): void {
  set({ docDialog: null });
  focusComposer();
}

export async function submitDocTask(task: DocTask): Promise<boolean> {
  const dialog = get().docDialog;
  const conversationId = get().activeId;
  if (!dialog || !conversationId) return false;
  set({ docDialog: null });
  return runDocumentTask(conversationId, dialog.documentIds, task);
}

export async function openPassage(chunkId: number): Promise<void> {
  set({ passage: { chunkId, data: null, error: null } });
  try {
    const data = await api.getPassage({ chunkId });
    if (get().passage?.chunkId === chunkId) set({ passage: { chunkId, data, error: null } });
  } catch (err) {
    if (!handleCommon(err) && get().passage?.chunkId === chunkId) set({ passage: { chunkId, data: null, error: errorMessage(err) } });
  }
}

export function closePassage(): void {
  set({ passage: null });
}
