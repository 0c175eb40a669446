import type { CatalogItem, Download, InstalledModel, ModelsOverview } from '../../app/contract/index.js';
import { handleCommon, loadModel, refreshStatus, saveApiKey, toast } from './actions.js';
import { api, errorMessage } from './api.js';
import { bytes, rate } from './lib/format.js';
import { store, type ModelsSlice } from './state.js';

/**
 * The model manager's data flow: the overview (catalog, installed files, downloads, disk,
 * hardware), downloads and their polling, import, delete and re-tune. Components call these and
 * read `state.models`; none of them talks to the API itself.
 */

const set = store.set;
const get = store.get;

/** How often the overview is read while a download runs: smooth enough for a progress bar. */
const POLL_MS = 500;
/** While the server cannot be reached, ask less often (the banner says what is going on). */
const POLL_OFFLINE_MS = 3000;

function setModels(patch: Partial<ModelsSlice> | ((m: ModelsSlice) => Partial<ModelsSlice>)): void {
  set((s) => ({ models: { ...s.models, ...(typeof patch === 'function' ? patch(s.models) : patch) } }));
}

/** A download that moves by itself (so the overview is polled): not paused, failed or finished. */
export function isActiveDownload(d: Download | null | undefined): boolean {
  return d?.state === 'checking' || d?.state === 'downloading' || d?.state === 'verifying';
}

/** The installed file a catalog entry became, if it has. */
export function installedOf(overview: ModelsOverview, item: CatalogItem): InstalledModel | null {
  return item.installedId === null ? null : (overview.installed.find((m) => m.id === item.installedId) ?? null);
}

/* ---------- the overview and its polling ---------- */

let seq = 0;
let pollTimer: ReturnType<typeof setTimeout> | undefined;
/**
 * Catalog ids whose download this window has seen unfinished (running or paused). When one of
 * them turns into an installed file while no model is ready, that model is loaded: the welcome
 * screen's "Download and start" ends in a chat without another click.
 */
const watched = new Set<string>();

export async function refreshModels(): Promise<ModelsOverview | undefined> {
  const mine = ++seq;
  try {
    const overview = await api.getModels({});
    if (mine !== seq) return overview; // a newer answer is on its way (or has arrived)
    setModels({ overview, error: null });
    if (get().offline) void refreshStatus();
    schedulePoll(overview.catalog.some((i) => isActiveDownload(i.download)) ? POLL_MS : null);
    finishDownloads(overview);
    return overview;
  } catch (err) {
    if (mine !== seq) return undefined;
    const offline = handleCommon(err);
    if (!offline) setModels({ error: errorMessage(err) });
    // Keep watching a running download through a hiccup; otherwise wait to be asked.
    const wasActive = get().models.overview?.catalog.some((i) => isActiveDownload(i.download)) ?? false;
    schedulePoll(wasActive ? POLL_OFFLINE_MS : null);
    return undefined;
  }
}

function schedulePoll(ms: number | null): void {
  clearTimeout(pollTimer);
  pollTimer = ms === null ? undefined : setTimeout(() => void refreshModels(), ms);
}

/** Stops polling (tests, and a window that is going away). */
export function stopModelsPolling(): void {
  schedulePoll(null);
  watched.clear();
}

function finishDownloads(overview: ModelsOverview): void {
  const finished: { item: CatalogItem; model: InstalledModel }[] = [];
  for (const item of overview.catalog) {
    const id = item.entry.id;
    const d = item.download;
    if (d && d.state !== 'done' && d.state !== 'error') {
      watched.add(id);
      continue;
    }
    if (!watched.has(id)) continue;
    const model = installedOf(overview, item);
    if (model && (d === null || d.state === 'done')) finished.push({ item, model });
    // Finished, failed or cancelled: Retry or Download starts watching again.
    watched.delete(id);
  }
  if (finished.length === 0) return;
  const modelState = get().status?.model.state;
  const first = finished[0]!;
  if (modelState === 'none' || modelState === 'error') {
    void loadInstalled(first.model.id);
    return;
  }
  for (const { item, model } of finished) {
    toast(`${item.entry.name} is downloaded.`, 'info', { label: 'Load it', run: () => void loadInstalled(model.id) }, 10_000);
  }
}

/** Puts a download's new state into the overview at once, before the next refresh confirms it. */
function putDownload(catalogId: string, download: Download | null): void {
  setModels((m) =>
    m.overview
      ? {
          overview: {
            ...m.overview,
            catalog: m.overview.catalog.map((i) => (i.entry.id === catalogId ? { ...i, download } : i)),
          },
        }
      : {},
  );
}

function setBusy(catalogId: string, busy: boolean): void {
  setModels((m) => {
    const { [catalogId]: _was, ...rest } = m.busy;
    return { busy: busy ? { ...rest, [catalogId]: true } : rest };
  });
}

function setStartError(catalogId: string, message: string | null): void {
  setModels((m) => {
    const { [catalogId]: _was, ...rest } = m.startErrors;
    return { startErrors: message === null ? rest : { ...rest, [catalogId]: message } };
  });
}

/* ---------- downloads ---------- */

/**
 * Starts, resumes or retries a catalog model's download. A refusal (license, token, disk, the
 * server) is kept in `startErrors` for the model's card to show.
 */
export async function startDownload(catalogId: string, opts: { acceptLicense?: boolean } = {}): Promise<boolean> {
  setBusy(catalogId, true);
  setStartError(catalogId, null);
  try {
    const download = await api.downloadModel({ catalogId, ...(opts.acceptLicense ? { acceptLicense: true } : {}) });
    watched.add(catalogId);
    putDownload(catalogId, download);
    return true;
  } catch (err) {
    if (!handleCommon(err)) setStartError(catalogId, errorMessage(err));
    return false;
  } finally {
    setBusy(catalogId, false);
    void refreshModels();
  }
}

/** Resume and Retry: the license was accepted when the download first started. */
export function resumeDownload(item: CatalogItem): Promise<boolean> {
  return startDownload(item.entry.id, { acceptLicense: item.entry.gated });
}

export async function pauseDownload(catalogId: string): Promise<void> {
  setBusy(catalogId, true);
  try {
    putDownload(catalogId, await api.pauseDownload({ catalogId }));
  } catch (err) {
    if (!handleCommon(err)) toast(errorMessage(err), 'error');
  } finally {
    setBusy(catalogId, false);
    void refreshModels();
  }
}

export async function cancelDownload(catalogId: string): Promise<void> {
  setBusy(catalogId, true);
  try {
    await api.cancelDownload({ catalogId });
    watched.delete(catalogId);
    putDownload(catalogId, null);
    setStartError(catalogId, null);
  } catch (err) {
    if (!handleCommon(err)) toast(errorMessage(err), 'error');
  } finally {
    setBusy(catalogId, false);
    void refreshModels();
  }
}

/* ---------- installed models ---------- */

/** Loads an installed model by id; a failure shows where load errors show (`modelLoadError`). */
export async function loadInstalled(id: string): Promise<boolean> {
  const model = get().models.overview?.installed.find((m) => m.id === id);
  if (!model) {
    toast('That model is no longer installed.', 'error');
    void refreshModels();
    return false;
  }
  const ok = await loadModel(model.path);
  void refreshModels();
  return ok;
}

/**
 * Brings a .gguf on this computer into the models folder, then loads it. Returns the reason the
 * file could not be imported (shown by the form), or null; a failed load shows like any other.
 */
export async function importAndLoad(path: string): Promise<string | null> {
  const trimmed = path.trim();
  if (!trimmed) return 'Give the path of a .gguf file.';
  let model: InstalledModel;
  try {
    model = await api.importModel({ path: trimmed });
  } catch (err) {
    handleCommon(err);
    return errorMessage(err);
  }
  void refreshModels();
  await loadModel(model.path);
  void refreshModels();
  return null;
}

/** Deletes an installed model's file. Returns the reason it could not be (e.g. it is loaded), or null. */
export async function deleteInstalled(id: string): Promise<string | null> {
  const name = get().models.overview?.installed.find((m) => m.id === id)?.name ?? 'The model';
  try {
    const { freedBytes } = await api.deleteModel({ id });
    toast(`Deleted ${name}: ${bytes(freedBytes)} freed.`);
    return null;
  } catch (err) {
    handleCommon(err);
    return errorMessage(err);
  } finally {
    void refreshModels();
  }
}

/** Measures the loaded model again (several seconds), then shows the new choice. Returns the error, or null. */
export async function retuneModel(): Promise<string | null> {
  if (get().models.retuning) return null;
  setModels({ retuning: true });
  try {
    const model = await api.retuneModel({});
    set((s) => ({ status: s.status ? { ...s.status, model } : s.status }));
    if (model.state === 'ready' && model.model.tuning) {
      const t = model.model.tuning;
      toast(`Tuned: ${t.threads} thread${t.threads === 1 ? '' : 's'}, ${rate(t.tokensPerSecond)}.`);
    }
    return null;
  } catch (err) {
    handleCommon(err);
    return errorMessage(err);
  } finally {
    setModels({ retuning: false });
    void refreshStatus();
    void refreshModels();
  }
}

/** Saves the Hugging Face token gated downloads need. Returns the error sentence, or null. */
export async function saveHuggingFaceToken(key: string): Promise<string | null> {
  const err = await saveApiKey('huggingface', key);
  if (!err) {
    toast('Hugging Face token saved.');
    void refreshModels();
  }
  return err;
}

export function openModelCatalog(open = true): void {
  setModels({ catalogOpen: open });
  if (open) void refreshModels();
}
