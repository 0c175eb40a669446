import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { AppError } from '../../contract/index.js';
import { throwIfCancelled } from './types.js';

const MB = 1024 * 1024;
/** Far above any real document, far below what would hurt: a DOCX is mostly compressed XML. */
export const ZIP_LIMITS = {
  totalBytes: 200 * MB,
  entryBytes: 100 * MB,
  entries: 10_000,
  /** Only entries bigger than `ratioFromBytes` are held to it: tiny XML parts compress far better. */
  ratio: 200,
  ratioFromBytes: 1 * MB,
};

const limit = (why: string) => new AppError('DOC_LIMIT', { message: `This file unpacks to far more data than a document should (${why}), so Modest stopped reading it.` });

/**
 * Checks a zip before any library unpacks it: first what its directory declares (sizes, count,
 * compression ratio), then by inflating every entry with a running count, so a zip whose headers
 * lie is stopped at the declared size too. Nothing inflated is kept. Returns the entry names.
 */
export async function inspectZip(path: string, signal?: AbortSignal): Promise<Set<string>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, validateEntrySizes: true, autoClose: false }, (err, z) =>
      err ? reject(new AppError('DOC_CORRUPT', { message: 'This file is not a valid Word document: its zip structure is damaged.', detail: String(err) })) : resolve(z),
    );
  });
  try {
    if (zip.entryCount > ZIP_LIMITS.entries) throw limit(`${zip.entryCount} files inside, more than ${ZIP_LIMITS.entries}`);
    const names = new Set<string>();
    let declared = 0;
    let inflated = 0;
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      throwIfCancelled(signal);
      names.add(entry.fileName);
      if (entry.fileName.endsWith('/')) continue;
      const size = entry.uncompressedSize;
      if (size > ZIP_LIMITS.entryBytes) throw limit(`${entry.fileName} would be ${mb(size)} MB`);
      declared += size;
      if (declared > ZIP_LIMITS.totalBytes) throw limit(`more than ${mb(ZIP_LIMITS.totalBytes)} MB in all`);
      if (size > ZIP_LIMITS.ratioFromBytes && size > entry.compressedSize * ZIP_LIMITS.ratio) {
        throw limit(`${entry.fileName} is compressed more than ${ZIP_LIMITS.ratio} to 1`);
      }
      inflated += await inflatedSize(zip, entry, ZIP_LIMITS.totalBytes - inflated);
    }
    return names;
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry) => (cleanup(), resolve(e));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (err: Error) => {
      cleanup();
      reject(new AppError('DOC_CORRUPT', { message: 'This file is not a valid Word document: its zip directory is damaged.', detail: String(err) }));
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** Inflates one entry, counting; stops as soon as it passes its declared size or what is left of the total. */
async function inflatedSize(zip: yauzl.ZipFile, entry: yauzl.Entry, budget: number): Promise<number> {
  const cap = Math.min(budget, ZIP_LIMITS.entryBytes);
  const stream = await new Promise<Readable>((resolve, reject) => {
    zip.openReadStream(entry, (err, s) => (err ? reject(corrupt(entry, err)) : resolve(s)));
  });
  let count = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      count += chunk.length;
      if (count > cap) throw limit(`${entry.fileName} inflates past ${mb(cap)} MB`);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // yauzl's size check: the entry inflates to more than its header declared.
    if (/too many bytes/.test(String(err))) throw limit(`${entry.fileName} inflates to more than its header declares`);
    throw corrupt(entry, err);
  } finally {
    stream.destroy();
  }
  return count;
}

function corrupt(entry: yauzl.Entry, err: unknown): AppError {
  return new AppError('DOC_CORRUPT', { message: `This Word document is damaged: ${entry.fileName} cannot be unpacked.`, detail: String(err) });
}

function mb(bytes: number): number {
  return Math.round(bytes / MB);
}
