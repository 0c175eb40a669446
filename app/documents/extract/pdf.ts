import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AppError } from '../../contract/index.js';
import { pdfBlocks, type PdfTextItem } from './pdf-layout.js';
import { throwIfCancelled, type Batch, type ExtractOptions } from './types.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let pdfjs: Promise<PdfJs> | null = null;

/**
 * pdf.js with its "worker" code loaded into this thread (we already run off the main thread), so it
 * never resolves a worker URL. Its CMaps and standard-font data are read from the installed package
 * on disk, never fetched.
 */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= (async () => {
    // A variable specifier: the worker bundle ships no type declarations, and none are needed.
    const workerSpecifier = 'pdfjs-dist/legacy/build/pdf.worker.mjs';
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = await import(workerSpecifier);
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjs;
}

const packageDir = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const packageData = (name: string) => `${path.join(packageDir, name)}${path.sep}`;

/**
 * A PDF, one batch per page. The cursor counts pages fully emitted (resumeFrom = pages to skip),
 * but it stays where it started until some page has had text: a scanned PDF is reported as such
 * (DOC_NO_TEXT) after its last page, and a rerun must be able to see that again.
 */
export async function* extractPdf(file: string, opts: ExtractOptions): AsyncGenerator<Batch> {
  const lib = await loadPdfJs();
  const data = new Uint8Array(await fsp.readFile(file));
  // Read now: pdf.js may take the buffer over. A cut-off download has no end-of-file marker.
  const complete = Buffer.from(data.buffer, data.byteOffset, data.byteLength).subarray(-1024).includes('%%EOF');
  throwIfCancelled(opts.signal);
  const task = lib.getDocument({
    data,
    password: opts.password,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    enableXfa: false,
    stopAtErrors: false,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    verbosity: lib.VerbosityLevel.ERRORS,
    cMapUrl: packageData('cmaps'),
    cMapPacked: true,
    standardFontDataUrl: packageData('standard_fonts'),
    wasmUrl: packageData('wasm'),
  });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (err) {
    await task.destroy().catch(() => undefined);
    throw openError(err, Boolean(opts.password), complete);
  }
  try {
    const total = doc.numPages;
    if (total === 0) throw new AppError('DOC_EMPTY', { message: 'This PDF has no pages.' });
    const start = Math.min(opts.resumeFrom ?? 0, total);
    let textSeen = start > 0;
    for (let n = start + 1; n <= total; n++) {
      throwIfCancelled(opts.signal);
      let items: PdfTextItem[];
      try {
        const page = await doc.getPage(n);
        const content = await page.getTextContent();
        items = content.items.filter((i) => 'str' in i) as PdfTextItem[];
        page.cleanup();
      } catch (err) {
        throw new AppError('DOC_CORRUPT', {
          message: `This PDF is damaged: page ${n} of ${total} cannot be read.`,
          detail: describe(err),
        });
      }
      const blocks = pdfBlocks(items, n);
      if (blocks.length) textSeen = true;
      yield { blocks, cursor: textSeen ? n : start, done: n, total, unit: 'pages' };
    }
    if (!textSeen) {
      throw new AppError('DOC_NO_TEXT', {
        message: `This PDF has no text layer on any of its ${total} page${total === 1 ? '' : 's'} (it looks scanned). Run it through OCR first, then drop it again.`,
      });
    }
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}

function openError(err: unknown, hadPassword: boolean, complete: boolean): AppError {
  const e = err as { name?: string; code?: number };
  if (e?.name === 'PasswordException') {
    // pdf.js: 1 = a password is needed, 2 = the one given is wrong.
    if (e.code === 2 || (e.code !== 1 && hadPassword)) return new AppError('DOC_BAD_PASSWORD', { detail: describe(err) });
    return new AppError('DOC_ENCRYPTED', { detail: describe(err) });
  }
  if (!complete) {
    return new AppError('DOC_CORRUPT', { message: 'This PDF is incomplete (it ends before its data does). Download or copy it again.', detail: describe(err) });
  }
  if (e?.name === 'InvalidPDFException') {
    return new AppError('DOC_CORRUPT', { message: 'This PDF is damaged: its structure cannot be read.', detail: describe(err) });
  }
  return new AppError('DOC_CORRUPT', { message: 'This PDF is damaged or incomplete, and cannot be opened.', detail: describe(err) });
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
