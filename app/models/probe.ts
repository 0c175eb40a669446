import { AppError } from '../contract/index.js';

export interface Probe {
  /** The file's size as the server states it. */
  sizeBytes: number;
}

/**
 * Asks the server for the first byte before anything is written, so the common failures get a
 * clear answer within seconds (the downloader itself retries some of them for minutes): offline,
 * host unreachable, 404, a gated file without a token, and the size it will send.
 */
export async function probeDownload(url: string, headers: Record<string, string>, opts: { timeoutMs?: number; hasToken: boolean }): Promise<Probe> {
  const host = safeHost(url);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { ...headers, Range: 'bytes=0-0' },
      redirect: 'follow',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const timedOut = (err as Error).name === 'TimeoutError';
    throw new AppError('DOWNLOAD_UNREACHABLE', {
      message: timedOut
        ? `${host} did not answer within ${Math.round((opts.timeoutMs ?? 15_000) / 1000)} seconds. Check your internet connection, then try again.`
        : cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN'
          ? `${host} cannot be found: this computer seems to be offline. Check your internet connection, then try again.`
          : `${host} cannot be reached (${cause?.code ?? String(err)}). Check your internet connection, then try again.`,
      detail: String(err),
      cause: err,
    });
  }
  await res.body?.cancel();
  if (res.status === 401) {
    throw opts.hasToken
      ? new AppError('DOWNLOAD_DENIED', { message: `${host} did not accept your Hugging Face token (401). Check it in Models, and that it may read this repository.` })
      : new AppError('HF_TOKEN_REQUIRED');
  }
  if (res.status === 403) throw new AppError('DOWNLOAD_DENIED');
  if (res.status === 404) throw new AppError('DOWNLOAD_NOT_FOUND', { message: `${host} has no file at ${new URL(url).pathname} (404). The catalog may be out of date.` });
  if (res.status !== 206 && res.status !== 200) {
    throw new AppError('DOWNLOAD_FAILED', { message: `${host} answered ${res.status} ${res.statusText}. Try again later.` });
  }
  const range = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
  const size = range ? Number(range[1]) : Number(res.headers.get('content-length') ?? NaN);
  if (!Number.isFinite(size) || size <= 0) {
    throw new AppError('DOWNLOAD_FAILED', { message: `${host} did not say how large the file is, so Modest cannot check it. Try again later.` });
  }
  return { sizeBytes: size };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
