import fsp from 'node:fs/promises';
import path from 'node:path';
import { AppError, type DocKind } from '../contract/index.js';

export type { DocKind };

const BY_EXTENSION: Record<string, DocKind> = {
  pdf: 'pdf',
  docx: 'docx',
  txt: 'txt',
  md: 'md',
  markdown: 'md',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  csv: 'csv',
  json: 'json',
};

/** How much of a file is looked at to decide what it is: enough to see binary, cheap for 2 GB. */
const SNIFF_BYTES = 64 * 1024;

/** The kind a name promises, or null: lets an upload be refused before a byte of it is stored. */
export function kindFromName(fileName: string): DocKind | null {
  const ext = path.extname(fileName).slice(1).toLowerCase();
  return Object.hasOwn(BY_EXTENSION, ext) ? BY_EXTENSION[ext]! : null;
}

/**
 * The kind from the name, checked against the first bytes: a renamed file fails here, in a moment,
 * with the reason, instead of deep inside a parser.
 */
export async function detectKind(filePath: string, fileName: string): Promise<DocKind> {
  const kind = kindFromName(fileName);
  if (kind === null) {
    const ext = path.extname(fileName);
    throw new AppError('DOC_UNSUPPORTED', {
      message: ext
        ? `Modest cannot read ${ext} files. Drop a PDF, DOCX, TXT, MD, HTML, CSV or JSON file.`
        : undefined,
      detail: fileName,
    });
  }
  const { head, size } = await readHead(filePath);
  if (size === 0) throw new AppError('DOC_EMPTY', { message: `${fileName} is empty (0 bytes).` });
  if (kind === 'pdf') {
    // Readers accept up to 1 KB of junk before the header, and so does pdf.js.
    if (!head.subarray(0, 1024).includes('%PDF-')) {
      throw new AppError('DOC_CORRUPT', { message: `${fileName} is not a PDF, although its name ends in .pdf.` });
    }
    return kind;
  }
  if (kind === 'docx') {
    if (!head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
      const hint = head.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))
        ? ' It looks like an old Word (.doc) file: save it as .docx first.'
        : '';
      throw new AppError('DOC_CORRUPT', { message: `${fileName} is not a Word document (.docx).${hint}` });
    }
    return kind;
  }
  checkText(head, size, fileName);
  return kind;
}

async function readHead(filePath: string): Promise<{ head: Buffer; size: number }> {
  const handle = await fsp.open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await handle.close();
  }
}

function checkText(head: Buffer, size: number, fileName: string): void {
  if (head[0] === 0xff && head[1] === 0xfe || head[0] === 0xfe && head[1] === 0xff) {
    throw new AppError('DOC_BINARY', { message: `${fileName} is saved as UTF-16. Save it as UTF-8 and drop it again.` });
  }
  if (head.includes(0)) throw new AppError('DOC_BINARY', { message: `${fileName} contains binary data, not text.` });
  // stream: true leaves a character cut at the end of the sniffed bytes undecoded instead of invalid.
  const text = new TextDecoder('utf-8').decode(head, { stream: true });
  let invalid = 0;
  for (const ch of text) if (ch === '\ufffd') invalid++;
  // Some invalid bytes are ordinary (a Latin-1 file with a few accents); mostly invalid is not text.
  if (text.length > 0 && invalid / text.length > 0.3) {
    throw new AppError('DOC_BINARY', { message: `${fileName} is not UTF-8 text, although its name says it is.` });
  }
  if (size <= head.length && text.replace(/^\ufeff/, '').trim() === '') {
    throw new AppError('DOC_EMPTY', { message: `${fileName} has only blank space in it.` });
  }
}
