import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/**
 * Test documents, all made by code into one temp folder: real files for the real parsers, including
 * the broken and hostile ones (encrypted, scanned, truncated, zip bombs).
 */
let dir: string | null = null;

export function docsDir(): string {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'modest-docs-'));
  return dir;
}

export async function removeDocsDir(): Promise<void> {
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
  dir = null;
}

async function write(name: string, data: string | Uint8Array): Promise<string> {
  const file = path.join(docsDir(), name);
  await fsp.writeFile(file, data);
  return file;
}

// ---------------------------------------------------------------------------------------------- PDF

export interface PageText {
  heading: string;
  paragraphs: string[];
}

const defaultPage = (p: number): PageText => ({
  heading: `Section ${p}`,
  paragraphs: [
    `Page ${p} opens with this paragraph. It describes the subject of section ${p} in plain words, long enough to wrap onto a second line of the page.`,
    `The second paragraph of page ${p} ends the page.`,
  ],
});

/** A heading at 20 pt, then paragraphs at 11 pt with a blank line between them, wrapped by width. */
export async function makePdf(opts: { pages: number; textFor?: (page: number) => PageText; name?: string }): Promise<string> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const textFor = opts.textFor ?? defaultPage;
  for (let p = 1; p <= opts.pages; p++) {
    const page = pdf.addPage([595, 842]);
    const { heading, paragraphs } = textFor(p);
    page.drawText(heading, { x: 50, y: 780, size: 20, font });
    let y = 740;
    for (const para of paragraphs) {
      for (const line of wrap(para, (s) => font.widthOfTextAtSize(s, 11), 495)) {
        page.drawText(line, { x: 50, y, size: 11, font });
        y -= 14;
      }
      y -= 14;
    }
  }
  return write(opts.name ?? `doc-${opts.pages}p.pdf`, await pdf.save());
}

function wrap(text: string, width: (s: string) => number, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && width(next) > max) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** About 2,000 characters a page, like a report. */
export function make100PagePdf(): Promise<string> {
  const words = 'the report describes revenue growth margins customers regions products risks outlook and the plan for next year'.split(' ');
  return makePdf({
    pages: 100,
    name: 'report-100p.pdf',
    textFor: (p) => ({
      heading: `Chapter ${p}`,
      paragraphs: Array.from({ length: 4 }, (_, k) =>
        `Marker p${p}k${k}. ` + Array.from({ length: 80 }, (_, i) => words[(p * 7 + k * 3 + i) % words.length]).join(' ') + '.',
      ),
    }),
  });
}

/** Pages that hold only an image: what a scanner makes. */
export async function makeScannedPdf(pages = 3): Promise<string> {
  const pdf = await PDFDocument.create();
  const png = await pdf.embedPng(makePng(120, 80));
  for (let p = 0; p < pages; p++) {
    const page = pdf.addPage([595, 842]);
    page.drawImage(png, { x: 50, y: 400, width: 480, height: 320 });
  }
  return write('scanned.pdf', await pdf.save());
}

/** A grayscale PNG with a pattern, built by hand (signature, IHDR, IDAT, IEND). */
function makePng(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = (x * 7 + y * 13) & 0xff;
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function makeCorruptPdf(): Promise<string> {
  return write('corrupt.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4096)]));
}

/** A valid PDF cut at half its bytes, as an interrupted download leaves it. */
export async function makeTruncatedPdf(): Promise<string> {
  const whole = await fsp.readFile(await makePdf({ pages: 6, name: 'whole-for-truncation.pdf' }));
  return write('truncated.pdf', whole.subarray(0, Math.floor(whole.length / 2)));
}

export const ENCRYPTED_PASSWORD = 'secret';
export const ENCRYPTED_TEXT = 'The vault code is four seven one one.';

/**
 * pdf-lib cannot encrypt, so this PDF is written by hand with the Standard security handler,
 * revision 2 (RC4, 40-bit key; PDF 1.7 §7.6.3, algorithms 2, 3 and 4). User password "secret".
 */
export async function makeEncryptedPdf(): Promise<string> {
  const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
  const padded = (pw: string) => Buffer.concat([Buffer.from(pw, 'latin1'), PAD]).subarray(0, 32);
  const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();
  const P = -44;
  const id = randomBytes(16);
  const O = rc4(md5(padded('owner-secret')).subarray(0, 5), padded(ENCRYPTED_PASSWORD));
  const pBytes = Buffer.alloc(4);
  pBytes.writeInt32LE(P);
  const key = md5(padded(ENCRYPTED_PASSWORD), O, pBytes, id).subarray(0, 5);
  const U = rc4(key, PAD);
  const objectKey = (num: number, gen: number) =>
    md5(key, Buffer.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff])).subarray(0, 10);

  const content = rc4(objectKey(5, 0), Buffer.from(`BT /F1 18 Tf 72 720 Td (${ENCRYPTED_TEXT}) Tj ET`, 'latin1'));
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>'),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
    Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`), content, Buffer.from('\nendstream')]),
    Buffer.from(`<< /Filter /Standard /V 1 /R 2 /O <${O.toString('hex')}> /U <${U.toString('hex')}> /P ${P} >>`),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    parts.push(obj);
    offset += obj.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  const idHex = id.toString('hex');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 6 0 R /ID [<${idHex}> <${idHex}>] >>\nstartxref\n${offset}\n%%EOF\n`));
  return write('encrypted.pdf', Buffer.concat(parts));
}

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

// --------------------------------------------------------------------------------------------- DOCX

export interface DocxSpec {
  /** Heading i (level 1 for the first, 2 after) is followed by paragraphs[i]; extra paragraphs follow. */
  headings: string[];
  paragraphs: string[];
  bullets?: string[];
  /** First row is the header. */
  table?: string[][];
  name?: string;
}

export async function makeDocx(spec: DocxSpec): Promise<string> {
  const children: (Paragraph | Table)[] = [];
  const n = Math.max(spec.headings.length, spec.paragraphs.length);
  for (let i = 0; i < n; i++) {
    const h = spec.headings[i];
    if (h !== undefined) children.push(new Paragraph({ text: h, heading: i === 0 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2 }));
    const p = spec.paragraphs[i];
    if (p !== undefined) children.push(new Paragraph({ text: p }));
  }
  for (const b of spec.bullets ?? []) children.push(new Paragraph({ text: b, bullet: { level: 0 } }));
  if (spec.table) {
    children.push(new Table({
      rows: spec.table.map((r) => new TableRow({ children: r.map((c) => new TableCell({ children: [new Paragraph({ text: c })] })) })),
    }));
  }
  const doc = new Document({ sections: [{ children }] });
  return write(spec.name ?? 'doc.docx', await Packer.toBuffer(doc));
}

interface ZipEntry {
  name: string;
  data: Buffer;
  /** 8 = deflate (data is already raw-deflated), 0 = stored. */
  method: 0 | 8;
  crc: number;
  /** What the headers claim; a zip bomb may lie. */
  declaredSize: number;
}

/** A zip written by hand, so its headers can say whatever a test needs. */
function zipFile(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const stored = (name: string, text: string): ZipEntry => {
  const data = Buffer.from(text);
  return { name, data, method: 0, crc: zlib.crc32(data), declaredSize: data.length };
};

const BOMB_BYTES = 210 * 1024 * 1024;
let bomb: Promise<{ data: Buffer; crc: number }> | null = null;

/** 210 MB of one repeated XML-ish line, deflated in a stream (a few hundred KB; about a second). */
function bombData(): Promise<{ data: Buffer; crc: number }> {
  bomb ??= new Promise((resolve, reject) => {
    const deflate = zlib.createDeflateRaw({ level: 9 });
    const out: Buffer[] = [];
    deflate.on('data', (b: Buffer) => out.push(b));
    deflate.on('error', reject);
    deflate.on('end', () => resolve({ data: Buffer.concat(out), crc }));
    const piece = Buffer.alloc(1024 * 1024, '<w:p><w:r><w:t>bomb</w:t></w:r></w:p>');
    let crc = 0;
    let written = 0;
    const pump = () => {
      while (written < BOMB_BYTES) {
        crc = zlib.crc32(piece, crc);
        written += piece.length;
        if (!deflate.write(piece)) return void deflate.once('drain', pump);
      }
      deflate.end();
    };
    pump();
  });
  return bomb;
}

async function bombDocx(name: string, lie: boolean): Promise<string> {
  const { data, crc } = await bombData();
  return write(name, zipFile([
    stored('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    stored('_rels/.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'),
    { name: 'word/document.xml', data, method: 8, crc, declaredSize: lie ? 4096 : BOMB_BYTES },
  ]));
}

/** word/document.xml honestly declares 210 MB (at over 1000:1). */
export function makeZipBombDocx(): Promise<string> {
  return bombDocx('bomb-honest.docx', false);
}

/** The same 210 MB, but every header claims 4 KB: only counting while inflating catches it. */
export function makeLyingZipBombDocx(): Promise<string> {
  return bombDocx('bomb-lying.docx', true);
}

/** A zip that is not a Word document. */
export function makeZipNotDocx(): Promise<string> {
  return write('not-word.docx', zipFile([stored('hello.txt', 'hello')]));
}

// --------------------------------------------------------------------------------------------- text

export function makeTextFile(name: string, text: string | Buffer): Promise<string> {
  return write(name, text);
}

export function makeBinaryTxt(): Promise<string> {
  const bytes = randomBytes(8192);
  bytes[10] = 0;
  return write('binary.txt', bytes);
}

export function makeEmptyFile(name = 'empty.txt'): Promise<string> {
  return write(name, '');
}

export const SAMPLE_MD = [
  '\ufeff# Garden guide',
  '',
  'Tomatoes need sun: at least six hours a day.',
  'Water them at the roots.',
  '',
  '## Soil',
  '',
  'Loose soil with compost. Café-grade coffee grounds help — 🌱 really.',
  '',
  '```',
  '# not a heading inside code',
  '```',
  '',
  '### Pests',
  'Aphids: spray with soapy water.',
  '',
].join('\n');

export const SAMPLE_HTML = `<!doctype html><html><head><title>Ignored title</title><style>p { color: red }</style>
<script>var secret = "script text";</script></head><body>
<h1>Travel notes</h1><p>We left on <b>Monday</b> &amp; arrived late.</p>
<h2>Packing</h2><ul><li>Passport</li><li>Charger</li></ul>
<ol><li>Book hotel</li><li>Print tickets</li></ol>
<table><tr><th>City</th><th>Nights</th></tr><tr><td>Lyon</td><td>2</td></tr><tr><td>Nice</td><td>3</td></tr></table>
<p>Line one<br>line two</p><noscript>enable js</noscript></body></html>`;

export function makeCsv(rows: number, name = 'people.csv'): Promise<string> {
  const lines = ['name,city,age'];
  for (let i = 1; i <= rows; i++) lines.push(`Person ${i},"City ${i}, Region",${20 + (i % 50)}`);
  return write(name, `\ufeff${lines.join('\n')}\n`);
}

export function makeMalformedCsv(): Promise<string> {
  return write('bad.csv', 'a,b\n1,2\n3,"unclosed\n4,5\n');
}

export const SAMPLE_JSON = {
  title: 'Inventory',
  owner: { name: 'Ada', email: 'ada@example.com' },
  items: [
    { sku: 'A-1', name: 'Bolt', qty: 10, tags: ['steel', 'small'] },
    { sku: 'B-2', name: 'Nut', qty: 0, tags: [] },
  ],
};

export function makeInvalidJson(): Promise<string> {
  return write('bad.json', '{\n  "a": 1,\n  "b": [1, 2,,]\n}\n');
}

/**
 * A big Markdown-ish text, streamed to disk: chapters with `#` headings and varied paragraphs, each
 * numbered so tests can check nothing is lost or repeated. About a second per 100 MB.
 */
export async function makeBigText(bytes: number, name = 'big.md'): Promise<{ path: string; paragraphs: number; headings: number }> {
  const words = 'alpha beta gamma delta epsilon river mountain quiet engine ledger harbor signal orange window lantern fabric'.split(' ');
  const variants = Array.from({ length: 97 }, (_, v) =>
    Array.from({ length: 20 + ((v * 37) % 90) }, (_, i) => words[(v * 5 + i * 3) % words.length]).join(' ') + '.',
  );
  const file = path.join(docsDir(), name);
  const out = fs.createWriteStream(file);
  let written = 0;
  let paragraphs = 0;
  let headings = 0;
  while (written < bytes) {
    const parts: string[] = [];
    let size = 0;
    while (size < 1024 * 1024 && written + size < bytes) {
      let s: string;
      if (paragraphs % 200 === 0) {
        headings++;
        s = `# Chapter ${headings}\n\n`;
      } else {
        s = '';
      }
      paragraphs++;
      s += `P${paragraphs} ${variants[paragraphs % variants.length]}\n\n`;
      parts.push(s);
      size += s.length;
    }
    written += size;
    if (!out.write(parts.join(''))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { path: file, paragraphs, headings };
}
