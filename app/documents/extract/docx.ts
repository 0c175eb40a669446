import fsp from 'node:fs/promises';
import mammoth from 'mammoth';
import { AppError } from '../../contract/index.js';
import { htmlBlocks } from './html.js';
import { throwIfCancelled, type Batch, type ExtractOptions } from './types.js';
import { batchesOf } from './whole.js';
import { inspectZip } from './zip-guard.js';

/**
 * DOCX through mammoth's HTML (so headings, lists and tables keep their structure), then the HTML
 * path. The zip is checked first: mammoth inflates whatever it is given. It gets the same bytes
 * inspectZip just inflated within limits, so it cannot be handed more than they allowed.
 * The cursor counts blocks (see batchesOf).
 */
export async function* extractDocx(path: string, opts: ExtractOptions): AsyncGenerator<Batch> {
  const names = await inspectZip(path, opts.signal);
  if (!names.has('word/document.xml')) {
    throw new AppError('DOC_CORRUPT', { message: 'This file is a zip, but not a Word document: it has no word/document.xml.' });
  }
  const buffer = await fsp.readFile(path);
  throwIfCancelled(opts.signal);
  let html: string;
  try {
    // Images would become base64 in the HTML only to be dropped: give them an empty source instead.
    const convertImage = mammoth.images.imgElement(async () => ({ src: '' }));
    html = (await mammoth.convertToHtml({ buffer }, { convertImage })).value;
  } catch (err) {
    throw new AppError('DOC_CORRUPT', { message: 'This Word document is damaged and cannot be read.', detail: String(err) });
  }
  throwIfCancelled(opts.signal);
  yield* batchesOf(htmlBlocks(html), opts.resumeFrom ?? 0, opts.signal);
}
