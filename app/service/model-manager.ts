import fs from 'node:fs/promises';
import path from 'node:path';
import {
  AppError,
  type Catalog,
  type CatalogEntry,
  type Download,
  type InstalledModel,
  type ModelsOverview,
} from '../contract/index.js';
import { checkModelFile, detectHardware, type GpuChoice } from '../inference/index.js';
import {
  defaultCatalogFile,
  downloadUrl,
  fitOf,
  freeDiskBytes,
  hardwareClass,
  huggingFaceEndpoint,
  loadCatalog,
  localFileName,
  machineKey,
  modelKey,
  partialBytes,
  probeDownload,
  removePartial,
  startDownload,
  verifyDownload,
  type RunningDownload,
} from '../models/index.js';
import type { KeyStore } from '../secrets/index.js';
import type { ModelFileRecord, Storage } from '../storage/index.js';

export interface ModelManagerOptions {
  catalogFile?: string;
  /** Hugging Face or a mirror; default HF_ENDPOINT, else huggingface.co. */
  endpoint?: string;
  /** Injectable so "too little disk space" can be tested without filling a disk. */
  freeDisk?: (dir: string) => Promise<number>;
  /** No bytes for this long pauses a download with DOWNLOAD_STALLED. */
  stallMs?: number;
  /** Seconds the first byte may take before the server counts as unreachable. */
  probeTimeoutMs?: number;
}

/** Room kept free beside a download, for the database, documents and the OS. */
const DISK_MARGIN = 256 * 1024 * 1024;

const gb = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GB`;

/**
 * The models folder (<data>/models): the catalog labelled for this machine, downloads with their
 * checks, imports, deletion. Downloads are recorded in SQLite before their first byte, so one that
 * was running when Modest quit or crashed resumes at the next start from its partial file.
 */
export class ModelManager {
  readonly dir: string;
  private catalog: Promise<Catalog> | null = null;
  private readonly status = new Map<string, Download>();
  private readonly running = new Map<string, RunningDownload>();
  private readonly starting = new Set<string>();
  private closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly keys: KeyStore,
    private readonly gpu: () => GpuChoice,
    private readonly loadedPath: () => string | null,
    private readonly opts: ModelManagerOptions = {},
  ) {
    this.dir = path.join(storage.dataDir, 'models');
  }

  getCatalog(): Promise<Catalog> {
    if (!this.catalog) {
      this.catalog = loadCatalog(this.opts.catalogFile ?? defaultCatalogFile());
      this.catalog.catch(() => (this.catalog = null));
    }
    return this.catalog;
  }

  private async entry(catalogId: string): Promise<CatalogEntry> {
    const e = (await this.getCatalog()).models.find((m) => m.id === catalogId);
    if (!e) throw new AppError('CATALOG_UNKNOWN', { message: `"${catalogId}" is not in the model catalog.` });
    return e;
  }

  /** Resumes downloads that were running when Modest last stopped; shows paused ones as paused. */
  async start(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const known = new Set((await this.getCatalog()).models.map((m) => m.id));
    for (const d of this.storage.models.downloads()) {
      if (!known.has(d.catalogId)) {
        // The catalog no longer offers it (an update removed it): nothing can finish it.
        await removePartial(this.dir, d.fileName);
        this.storage.models.removeDownload(d.catalogId);
        continue;
      }
      if (d.state === 'active') {
        void this.download(d.catalogId, { resume: true }).catch(() => undefined);
      } else {
        const bytes = await partialBytes(this.dir, d.fileName);
        this.status.set(d.catalogId, {
          catalogId: d.catalogId,
          state: 'paused',
          downloadedBytes: Math.min(bytes, d.totalBytes),
          totalBytes: d.totalBytes,
          bytesPerSecond: 0,
          secondsLeft: null,
          error: null,
        });
      }
    }
  }

  async overview(): Promise<ModelsOverview> {
    const catalog = await this.getCatalog();
    const detected = await detectHardware(this.gpu());
    const hardware = { ...detected, hardwareClass: hardwareClass(detected) };
    const installed = await this.installed();
    const byCatalog = new Map(installed.filter((m) => m.catalogId).map((m) => [m.catalogId!, m.id]));
    await fs.mkdir(this.dir, { recursive: true });
    return {
      hardware,
      recommendedId: catalog.recommended[hardware.hardwareClass] ?? catalog.models[0]!.id,
      catalog: catalog.models.map((entry) => ({
        entry,
        fit: fitOf(entry, hardware),
        installedId: byCatalog.get(entry.id) ?? null,
        download: this.status.get(entry.id) ?? null,
      })),
      installed,
      modelsDir: this.dir,
      freeDiskBytes: await (this.opts.freeDisk ?? freeDiskBytes)(this.dir),
      hasHuggingFaceToken: this.keys.get('huggingface') !== null,
    };
  }

  /** Installed files still on disk (a file deleted behind Modest's back is forgotten). */
  async installed(): Promise<InstalledModel[]> {
    const loaded = this.loadedPath();
    const machine = machineKey(this.gpu());
    const out: InstalledModel[] = [];
    for (const f of this.storage.models.files()) {
      const file = path.join(this.dir, f.id);
      try {
        await fs.access(file);
      } catch {
        this.storage.models.removeFile(f.id);
        continue;
      }
      out.push(this.toInstalled(f, file, loaded, machine));
    }
    return out;
  }

  private toInstalled(f: ModelFileRecord, file: string, loaded: string | null, machine: string): InstalledModel {
    return {
      id: f.id,
      path: file,
      name: f.name,
      sizeBytes: f.sizeBytes,
      source: f.source,
      catalogId: f.catalogId,
      addedAt: f.addedAt,
      tuning: this.storage.models.tuning(modelKey(file, f.sizeBytes), machine),
      loaded: loaded !== null && path.resolve(loaded) === file,
    };
  }

  /**
   * Starts a download after the checks that can fail fast: the license and token for gated
   * models, what the server says about the file, and free disk. Resolves once it is running.
   */
  async download(catalogId: string, opts: { acceptLicense?: boolean; resume?: boolean } = {}): Promise<Download> {
    const entry = await this.entry(catalogId);
    const fileName = localFileName(entry);
    if (this.storage.models.files().some((f) => f.catalogId === catalogId)) {
      return this.set(catalogId, { state: 'done', downloadedBytes: entry.sizeBytes, totalBytes: entry.sizeBytes });
    }
    if (this.running.has(catalogId) || this.starting.has(catalogId)) return this.status.get(catalogId)!;

    const token = this.keys.get('huggingface');
    if (entry.gated && !opts.resume) {
      if (!opts.acceptLicense) {
        throw new AppError('LICENSE_NOT_ACCEPTED', { message: `${entry.name} is gated: accept the ${entry.license.name} before downloading it.` });
      }
      if (!token) throw new AppError('HF_TOKEN_REQUIRED');
    }
    this.starting.add(catalogId);
    this.set(catalogId, { state: 'checking', downloadedBytes: 0, totalBytes: entry.sizeBytes, error: null });
    try {
      await fs.mkdir(this.dir, { recursive: true });
      const url = downloadUrl(entry, this.opts.endpoint ?? huggingFaceEndpoint());
      // The token goes only to gated files: an open file needs none, and a mirror is not sent it.
      const headers: Record<string, string> = entry.gated && token ? { Authorization: `Bearer ${token}` } : {};
      const probe = await probeDownload(url, headers, { timeoutMs: this.opts.probeTimeoutMs, hasToken: token !== null });
      if (probe.sizeBytes !== entry.sizeBytes) {
        throw new AppError('DOWNLOAD_SIZE_MISMATCH', {
          message: `The server offers ${probe.sizeBytes.toLocaleString('en-US')} bytes for ${entry.name}, but the catalog says ${entry.sizeBytes.toLocaleString('en-US')}. Nothing was downloaded: the file at the source has changed.`,
        });
      }
      const have = await partialBytes(this.dir, fileName);
      const need = Math.max(0, entry.sizeBytes - have) + DISK_MARGIN;
      const free = await (this.opts.freeDisk ?? freeDiskBytes)(this.dir);
      if (free < need) {
        throw new AppError('DISK_FULL', {
          message: `${entry.name} needs ${gb(need)} of free disk space (with a little to spare), but only ${gb(free)} is free in ${this.dir}. Free some space, then try again.`,
        });
      }
      this.storage.models.saveDownload({ catalogId, fileName, url, totalBytes: entry.sizeBytes, state: 'active' });
      const speed = new SpeedMeter();
      const run = await startDownload({
        url,
        dir: this.dir,
        fileName,
        headers,
        stallMs: this.opts.stallMs ?? 30_000,
        onProgress: ({ downloadedBytes, totalBytes }) => {
          const bps = speed.sample(downloadedBytes);
          const left = totalBytes - downloadedBytes;
          this.set(catalogId, {
            state: 'downloading',
            downloadedBytes,
            totalBytes: totalBytes || entry.sizeBytes,
            bytesPerSecond: bps,
            secondsLeft: bps > 0 ? left / bps : null,
          });
        },
      });
      this.running.set(catalogId, run);
      void this.finish(entry, fileName, run);
      return this.status.get(catalogId)!;
    } catch (err) {
      const e = AppError.from(err);
      this.set(catalogId, { state: 'error', error: { code: e.code, message: e.message } });
      throw e;
    } finally {
      this.starting.delete(catalogId);
    }
  }

  private async finish(entry: CatalogEntry, fileName: string, run: RunningDownload): Promise<void> {
    try {
      const file = await run.done;
      if (file === null) return; // paused or cancelled: they set the state
      this.set(entry.id, { state: 'verifying', bytesPerSecond: 0, secondsLeft: null });
      await verifyDownload(file, { sizeBytes: entry.sizeBytes, sha256: entry.sha256 });
      this.storage.models.addFile({ id: fileName, name: entry.name, sizeBytes: entry.sizeBytes, source: 'catalog', catalogId: entry.id, sha256: entry.sha256 });
      this.storage.models.removeDownload(entry.id);
      this.set(entry.id, { state: 'done', downloadedBytes: entry.sizeBytes, error: null });
    } catch (err) {
      const e = AppError.from(err);
      // A failed check deleted the file: the next try starts from nothing, not from a resume.
      if (e.code === 'DOWNLOAD_SIZE_MISMATCH' || e.code === 'DOWNLOAD_CHECKSUM_MISMATCH' || e.code === 'MODEL_CORRUPT') {
        this.storage.models.removeDownload(entry.id);
      }
      if (!this.closed) this.set(entry.id, { state: 'error', bytesPerSecond: 0, secondsLeft: null, error: { code: e.code, message: e.message } });
    } finally {
      this.running.delete(entry.id);
    }
  }

  async pause(catalogId: string): Promise<Download> {
    const entry = await this.entry(catalogId);
    const run = this.running.get(catalogId);
    const record = this.storage.models.downloads().find((d) => d.catalogId === catalogId);
    if (!run && !record) throw new AppError('NOT_FOUND', { message: `${entry.name} is not downloading.` });
    if (run && !(await run.pause())) return this.status.get(catalogId)!;
    this.storage.models.saveDownload({
      catalogId,
      fileName: localFileName(entry),
      url: record?.url ?? downloadUrl(entry, this.opts.endpoint ?? huggingFaceEndpoint()),
      totalBytes: entry.sizeBytes,
      state: 'paused',
    });
    return this.set(catalogId, { state: 'paused', bytesPerSecond: 0, secondsLeft: null, error: null });
  }

  async cancel(catalogId: string): Promise<void> {
    const entry = await this.entry(catalogId);
    await this.running.get(catalogId)?.cancel();
    await removePartial(this.dir, localFileName(entry));
    this.storage.models.removeDownload(catalogId);
    this.status.delete(catalogId);
  }

  /**
   * A .gguf from elsewhere on this computer: checked first (a bad file gets its specific error and
   * nothing is copied), then hard-linked into the models folder (instant, no second copy on disk),
   * or copied where a link cannot cross volumes.
   */
  async importFile(source: string): Promise<InstalledModel> {
    const checked = await checkModelFile(source);
    await fs.mkdir(this.dir, { recursive: true });
    const existing = this.storage.models.files();
    let target = path.join(this.dir, path.basename(checked.path));
    if (path.resolve(target) !== checked.path) {
      target = await freeName(target, existing.map((f) => f.id));
      try {
        await fs.link(checked.path, target);
      } catch {
        const free = await (this.opts.freeDisk ?? freeDiskBytes)(this.dir);
        if (free < checked.sizeBytes + DISK_MARGIN) {
          throw new AppError('DISK_FULL', {
            message: `Importing ${path.basename(checked.path)} needs ${gb(checked.sizeBytes)} of free disk space in ${this.dir}, but only ${gb(free)} is free.`,
          });
        }
        await copyAtomically(checked.path, target);
      }
    }
    const rec = this.storage.models.addFile({
      id: path.basename(target),
      name: checked.name,
      sizeBytes: checked.sizeBytes,
      source: 'import',
      catalogId: null,
      sha256: null,
    });
    return this.toInstalled(rec, target, this.loadedPath(), machineKey(this.gpu()));
  }

  async remove(id: string): Promise<{ freedBytes: number }> {
    const rec = this.storage.models.file(id);
    if (!rec) throw new AppError('NOT_FOUND', { message: 'That model is not in the models folder any more.' });
    const file = path.join(this.dir, rec.id);
    const loaded = this.loadedPath();
    if (loaded && path.resolve(loaded) === file) {
      throw new AppError('MODEL_IN_USE', { message: `${rec.name} is loaded. Load another model or unload it, then delete it.` });
    }
    await fs.rm(file, { force: true });
    this.storage.models.removeFile(id);
    if (rec.catalogId) this.status.delete(rec.catalogId);
    return { freedBytes: rec.sizeBytes };
  }

  /** Remembers a model from the models folder as the one to open with next time. */
  noteLoaded(file: string): void {
    if (path.dirname(path.resolve(file)) === this.dir) this.storage.models.markLoaded(path.basename(file));
  }

  /** The installed model loaded last, if its file is still there: what Modest opens with. */
  async lastLoadedPath(): Promise<string | null> {
    const rec = this.storage.models.lastLoaded();
    if (!rec) return null;
    const file = path.join(this.dir, rec.id);
    return (await fs.access(file).then(() => true, () => false)) ? file : null;
  }

  /** Running downloads stop with their partial files kept; the next start resumes them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running.values()].map((r) => r.pause()));
  }

  private set(catalogId: string, patch: Partial<Download>): Download {
    const prev = this.status.get(catalogId) ?? {
      catalogId,
      state: 'checking' as const,
      downloadedBytes: 0,
      totalBytes: 0,
      bytesPerSecond: 0,
      secondsLeft: null,
      error: null,
    };
    const next = { ...prev, ...patch };
    this.status.set(catalogId, next);
    return next;
  }
}

/** name.gguf, else name-2.gguf, name-3.gguf… not taken by another file. */
async function freeName(target: string, taken: readonly string[]): Promise<string> {
  const ext = path.extname(target);
  const base = target.slice(0, -ext.length);
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? target : `${base}-${i}${ext}`;
    if (taken.includes(path.basename(candidate))) continue;
    try {
      await fs.access(candidate);
    } catch {
      return candidate;
    }
  }
}

/** Copy under a temporary name, then rename: a crash never leaves a half-copied model that looks whole. */
async function copyAtomically(from: string, to: string): Promise<void> {
  const tmp = `${to}.import-${process.pid}`;
  try {
    await fs.copyFile(from, tmp);
    await fs.rename(tmp, to);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    const code = (err as { code?: string }).code;
    if (code === 'ENOSPC') throw new AppError('DISK_FULL', { message: 'The disk filled up while importing the model.', cause: err });
    throw err;
  }
}

/** Bytes per second over the last few seconds, so the time left does not jump with each chunk. */
class SpeedMeter {
  private samples: { t: number; bytes: number }[] = [];

  sample(bytes: number): number {
    const t = Date.now();
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (t - first.t) / 1000;
    return dt > 0.2 ? Math.max(0, (bytes - first.bytes) / dt) : 0;
  }
}
