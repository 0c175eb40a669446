import path from 'node:path';
import fs from 'node:fs/promises';
import { createModelDownloader, type ModelDownloader } from 'node-llama-cpp';
import { AppError } from '../contract/index.js';

/** The downloader keeps its partial file next to the target, with this suffix (ipull's). */
export const PARTIAL_SUFFIX = '.ipull';

export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes: number;
}

export interface RunningDownload {
  /** Resolves with the file's path when complete; with null when paused or cancelled. */
  done: Promise<string | null>;
  /**
   * Stops and keeps the partial file; a later download of the same file resumes from it. False
   * when every byte had already arrived: the download completes instead.
   */
  pause(): Promise<boolean>;
  /** Stops and deletes the partial file. */
  cancel(): Promise<void>;
}

export interface DownloadOptions {
  url: string;
  dir: string;
  fileName: string;
  headers: Record<string, string>;
  onProgress(p: DownloadProgress): void;
  /** No bytes for this long ends the download with DOWNLOAD_STALLED, keeping what arrived. */
  stallMs: number;
}

/**
 * One file through node-llama-cpp's downloader (ipull): Range requests resume a partial file,
 * whose progress is saved every 5 MB chunk, so a crash loses at most the chunk in flight. The
 * wrapper adds what the downloader lacks: pause versus cancel with distinct outcomes (its
 * `download()` resolves either way), a stall watchdog (it retries a dead connection for minutes),
 * and errors a person can act on.
 */
export async function startDownload(opts: DownloadOptions): Promise<RunningDownload> {
  let stopped: 'paused' | 'cancelled' | 'stalled' | null = null;
  let lastBytes = Date.now();
  let downloader: ModelDownloader;
  try {
    downloader = await createModelDownloader({
      modelUri: opts.url,
      dirPath: opts.dir,
      fileName: opts.fileName,
      headers: opts.headers,
      deleteTempFileOnCancel: false,
      skipExisting: true,
      parallelDownloads: 1,
      onProgress: ({ downloadedSize, totalSize }) => {
        lastBytes = Date.now();
        opts.onProgress({ downloadedBytes: downloadedSize, totalBytes: totalSize });
      },
    });
  } catch (err) {
    throw mapDownloadError(err, opts.url);
  }
  lastBytes = Date.now();
  opts.onProgress({ downloadedBytes: downloader.downloadedSize, totalBytes: downloader.totalSize });

  const watchdog = setInterval(() => {
    if (stopped === null && Date.now() - lastBytes > opts.stallMs) {
      stopped = 'stalled';
      void downloader.cancel({ deleteTempFile: false });
    }
  }, Math.min(1000, Math.max(50, opts.stallMs / 4)));

  const done = (async () => {
    try {
      const file = await downloader.download();
      // download() resolves when stopped too; only a complete file has lost its partial twin.
      if (await complete(file)) return file;
      if (stopped === 'stalled') {
        throw new AppError('DOWNLOAD_STALLED', {
          message: `No data arrived for ${Math.round(opts.stallMs / 1000)} seconds, so the download was paused with what arrived kept. Check your connection, then press Resume.`,
        });
      }
      if (stopped !== null) return null;
      return file;
    } catch (err) {
      if (stopped === 'paused' || stopped === 'cancelled') return null;
      throw mapDownloadError(err, opts.url);
    } finally {
      clearInterval(watchdog);
    }
  })();

  return {
    done,
    pause: async () => {
      // Closing in the last moments races the downloader's own finishing (rename, truncate),
      // which can leave a whole file that looks damaged: let a finished transfer finish.
      if (downloader.totalSize > 0 && downloader.downloadedSize >= downloader.totalSize) {
        await done.catch(() => undefined);
        return false;
      }
      stopped ??= 'paused';
      await downloader.cancel({ deleteTempFile: false });
      return (await done.catch(() => null)) === null;
    },
    cancel: async () => {
      stopped = 'cancelled';
      await downloader.cancel({ deleteTempFile: true });
      await done.catch(() => undefined);
      await removePartial(opts.dir, opts.fileName);
    },
  };
}

async function complete(file: string): Promise<boolean> {
  const exists = (p: string) => fs.stat(p).then(() => true, () => false);
  return (await exists(file)) && !(await exists(file + PARTIAL_SUFFIX));
}

export async function removePartial(dir: string, fileName: string): Promise<void> {
  await fs.rm(path.join(dir, fileName + PARTIAL_SUFFIX), { force: true });
}

/** Bytes already on disk for a paused download (0 when there is no partial file). */
export async function partialBytes(dir: string, fileName: string): Promise<number> {
  try {
    return (await fs.stat(path.join(dir, fileName + PARTIAL_SUFFIX))).size;
  } catch {
    return 0;
  }
}

function mapDownloadError(err: unknown, url: string): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { statusCode?: number }).statusCode;
  const host = new URL(url).host;
  if (status === 404) return new AppError('DOWNLOAD_NOT_FOUND', { message: `${host} has no file at ${new URL(url).pathname} (404).`, detail: String(err) });
  if (status === 401 || status === 403) return new AppError('DOWNLOAD_DENIED', { detail: String(err) });
  const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  if (code === 'ENOSPC') return new AppError('DISK_FULL', { message: 'The disk filled up during the download. Free some space, then press Resume.', detail: String(err) });
  if (code && /^E(CONNREFUSED|NOTFOUND|AI_AGAIN|CONNRESET|HOSTUNREACH|NETUNREACH|TIMEDOUT)$/.test(code)) {
    return new AppError('DOWNLOAD_UNREACHABLE', { message: `${host} cannot be reached (${code}). Check your connection, then press Resume.`, detail: String(err) });
  }
  return new AppError('DOWNLOAD_FAILED', {
    message: `The download from ${host} failed${status ? ` (HTTP ${status})` : ''}. What arrived is kept: press Resume to try again.`,
    detail: String(err),
    cause: err,
  });
}
