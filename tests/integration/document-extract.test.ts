import fsp from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError, type DocKind } from '../../app/contract/index.js';
import { extract, type Batch, type Block, type ExtractOptions } from '../../app/documents/extract/index.js';
import { runExtraction } from '../../app/documents/extraction.js';
import { detectKind, kindFromName } from '../../app/documents/kinds.js';
import * as D from '../helpers/documents.js';

/**
 * The extraction layer on real files with the real libraries (pdf.js, mammoth, html-to-text,
 * csv-parse, yauzl): what each kind yields, where a resumed run picks up, and the exact code of
 * every way a file can be bad.
 */
afterAll(() => D.removeDocsDir());

async function collect(path: string, kind: DocKind, opts: ExtractOptions = {}) {
  const batches: Batch[] = [];
  for await (const b of extract(path, kind, opts)) batches.push(b);
  return { batches, blocks: batches.flatMap((b) => b.blocks) };
}

async function failure(run: Promise<unknown>): Promise<AppError> {
  try {
    await run;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a failure');
}

const texts = (blocks: Block[]) => blocks.map((b) => b.text);
const headings = (blocks: Block[]) => blocks.filter((b) => b.heading !== null).map((b) => [b.heading, b.text]);

// First in the file, so the process's memory has not yet been grown by the other tests.
describe('memory', () => {
  it('streams a 200 MB text file with flat memory', { timeout: 180_000 }, async () => {
    const size = 200 * 1024 * 1024;
    const big = await D.makeBigText(size);
    expect((await fsp.stat(big.path)).size).toBeGreaterThanOrEqual(size);
    // A first run loads the worker's code (and tsx) once, so it is not counted as growth.
    await runExtraction(await D.makeTextFile('warm.md', D.SAMPLE_MD), 'md', { onBatch: () => undefined });
    // What any run costs whatever the size (a fresh worker isolate and its heap), measured the
    // same way on a 10 MB file, is subtracted: the assertion is about what grows with the file.
    const small = await D.makeBigText(10 * 1024 * 1024, 'small.md');
    const smallBase = process.memoryUsage().rss;
    let smallPeak = smallBase;
    const smallSampler = setInterval(() => (smallPeak = Math.max(smallPeak, process.memoryUsage().rss)), 10);
    try {
      await runExtraction(small.path, 'md', { onBatch: () => undefined });
    } finally {
      clearInterval(smallSampler);
    }
    const fixedMb = (smallPeak - smallBase) / 1024 / 1024;

    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    let paragraphs = 0;
    let headingBlocks = 0;
    let last = '';
    let lastDone = 0;
    const start = performance.now();
    try {
      await runExtraction(big.path, 'md', {
        onBatch: (b) => {
          expect(b.done).toBeGreaterThanOrEqual(lastDone);
          lastDone = b.done;
          for (const block of b.blocks) {
            if (block.heading === null) {
              paragraphs++;
              last = block.text;
            } else headingBlocks++;
          }
        },
      });
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - start) / 1000;
    const growthMb = (peak - base) / 1024 / 1024;
    console.log(`[extract] 200 MB text in ${seconds.toFixed(1)} s in the worker, peak RSS growth ${growthMb.toFixed(0)} MB (10 MB file: ${fixedMb.toFixed(0)} MB)`);
    expect(paragraphs).toBe(big.paragraphs);
    expect(headingBlocks).toBe(big.headings);
    expect(last).toMatch(new RegExp(`^P${big.paragraphs} `));
    expect(lastDone).toBe((await fsp.stat(big.path)).size);
    expect(growthMb - fixedMb).toBeLessThan(100);
  });
});

describe('PDF', () => {
  it('yields a heading and its paragraphs per page, with page numbers', async () => {
    const { batches, blocks } = await collect(await D.makePdf({ pages: 2 }), 'pdf');
    expect(batches.map((b) => [b.cursor, b.done, b.total, b.unit])).toEqual([[1, 1, 2, 'pages'], [2, 2, 2, 'pages']]);
    expect(blocks.slice(0, 3)).toEqual([
      { text: 'Section 1', page: 1, heading: 1 },
      // Two wrapped lines joined back into one paragraph.
      { text: 'Page 1 opens with this paragraph. It describes the subject of section 1 in plain words, long enough to wrap onto a second line of the page.', page: 1, heading: null },
      { text: 'The second paragraph of page 1 ends the page.', page: 1, heading: null },
    ]);
    expect(blocks.filter((b) => b.page === 2)).toHaveLength(3);
  });

  it('reads a 100-page PDF page by page, in order, with progress', async () => {
    const file = await D.make100PagePdf();
    const start = performance.now();
    const { batches, blocks } = await collect(file, 'pdf');
    const ms = performance.now() - start;
    console.log(`[extract] 100-page PDF in ${ms.toFixed(0)} ms (in-thread)`);
    expect(batches.map((b) => b.done)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(batches.every((b) => b.total === 100 && b.cursor === b.done)).toBe(true);
    expect(headings(blocks)).toEqual(Array.from({ length: 100 }, (_, i) => [1, `Chapter ${i + 1}`]));
    const markers = blocks.flatMap((b) => /^Marker (p\d+k\d)\./.exec(b.text)?.[1] ?? []);
    expect(markers).toEqual(Array.from({ length: 400 }, (_, i) => `p${Math.floor(i / 4) + 1}k${i % 4}`));
    expect(blocks.every((b) => b.text.startsWith('Chapter') || b.text.startsWith(`Marker p${b.page}k`))).toBe(true);
    expect(ms).toBeLessThan(15_000);
  });

  it('resumes after the pages a cursor counts, with nothing repeated or missed', async () => {
    const file = await D.makePdf({ pages: 7, name: 'resume.pdf' });
    const whole = await collect(file, 'pdf');
    const cursor = whole.batches[2]!.cursor;
    expect(cursor).toBe(3);
    const kept = whole.batches.slice(0, 3).flatMap((b) => b.blocks);
    const rest = await collect(file, 'pdf', { resumeFrom: cursor });
    expect(rest.batches[0]!.done).toBe(4);
    expect([...kept, ...rest.blocks]).toEqual(whole.blocks);
    expect((await collect(file, 'pdf', { resumeFrom: 7 })).blocks).toEqual([]);
  });

  it('asks for a password, refuses a wrong one and opens with the right one', async () => {
    const file = await D.makeEncryptedPdf();
    expect((await failure(collect(file, 'pdf'))).code).toBe('DOC_ENCRYPTED');
    expect((await failure(collect(file, 'pdf', { password: 'wrong' }))).code).toBe('DOC_BAD_PASSWORD');
    const { blocks } = await collect(file, 'pdf', { password: D.ENCRYPTED_PASSWORD });
    expect(blocks).toEqual([{ text: D.ENCRYPTED_TEXT, page: 1, heading: null }]);
  });

  it('tells damaged, cut-off and scanned PDFs apart', async () => {
    const corrupt = await failure(collect(await D.makeCorruptPdf(), 'pdf'));
    expect(corrupt.code).toBe('DOC_CORRUPT');
    const truncated = await failure(collect(await D.makeTruncatedPdf(), 'pdf'));
    expect(truncated.code).toBe('DOC_CORRUPT');
    expect(truncated.message).toMatch(/incomplete/);

    const scanned = await D.makeScannedPdf(3);
    const seen: Batch[] = [];
    const noText = await failure((async () => {
      for await (const b of extract(scanned, 'pdf', {})) seen.push(b);
    })());
    expect(noText.code).toBe('DOC_NO_TEXT');
    expect(noText.message).toMatch(/any of its 3 pages/);
    // Progress moved, but the cursor did not: a rerun must see the whole document again.
    expect(seen.map((b) => [b.done, b.cursor])).toEqual([[1, 0], [2, 0], [3, 0]]);
  });
});

describe('DOCX', () => {
  it('keeps headings, paragraphs, list items and table rows', async () => {
    const file = await D.makeDocx({
      headings: ['Quarterly plan', 'Budget'],
      paragraphs: ['We will ship the new app in May.', 'The budget is set per team.'],
      bullets: ['Hire two engineers', 'Open the Lyon office'],
      table: [['Team', 'Budget'], ['Design', '40k'], ['Sales', '55k']],
    });
    expect(await detectKind(file, 'plan.docx')).toBe('docx');
    const { batches, blocks } = await collect(file, 'docx');
    expect(blocks).toEqual([
      { text: 'Quarterly plan', page: null, heading: 1 },
      { text: 'We will ship the new app in May.', page: null, heading: null },
      { text: 'Budget', page: null, heading: 2 },
      { text: 'The budget is set per team.', page: null, heading: null },
      { text: '• Hire two engineers', page: null, heading: null },
      { text: '• Open the Lyon office', page: null, heading: null },
      { text: 'Team | Budget\nDesign | 40k\nSales | 55k', page: null, heading: null },
    ]);
    expect(batches.at(-1)).toMatchObject({ cursor: 7, done: 7, total: 7, unit: 'items' });
    expect((await collect(file, 'docx', { resumeFrom: 4 })).blocks).toEqual(blocks.slice(4));
  });

  it('stops zip bombs, whether their headers declare the size or lie about it', async () => {
    const honest = await D.makeZipBombDocx();
    const lying = await D.makeLyingZipBombDocx();
    for (const file of [honest, lying]) {
      const start = performance.now();
      const e = await failure(collect(file, 'docx'));
      expect(e.code).toBe('DOC_LIMIT');
      expect(performance.now() - start).toBeLessThan(3000);
    }
    expect((await failure(collect(honest, 'docx'))).message).toMatch(/210 MB/);
    expect((await failure(collect(lying, 'docx'))).message).toMatch(/more than its header declares/);
  });

  it('refuses a zip that is not a Word document, and a .docx that is not a zip', async () => {
    expect((await failure(collect(await D.makeZipNotDocx(), 'docx'))).code).toBe('DOC_CORRUPT');
    const notZip = await D.makeTextFile('letter.docx', 'just text');
    expect((await failure(detectKind(notZip, 'letter.docx'))).code).toBe('DOC_CORRUPT');
    expect((await failure(collect(notZip, 'docx'))).code).toBe('DOC_CORRUPT');
  });
});

describe('HTML, Markdown and text', () => {
  it('HTML: headings, paragraphs, list items and table rows, without script or style', async () => {
    const { blocks } = await collect(await D.makeTextFile('notes.html', D.SAMPLE_HTML), 'html');
    expect(blocks.map((b) => [b.heading, b.text])).toEqual([
      [1, 'Travel notes'],
      [null, 'We left on Monday & arrived late.'],
      [2, 'Packing'],
      [null, '• Passport'],
      [null, '• Charger'],
      [null, '1. Book hotel'],
      [null, '2. Print tickets'],
      [null, 'City | Nights\nLyon | 2\nNice | 3'],
      [null, 'Line one\nline two'],
    ]);
    expect(JSON.stringify(blocks)).not.toMatch(/secret|color|Ignored title|enable js/);
  });

  it('Markdown: # headings (not inside code), paragraphs on blank lines, BOM dropped, UTF-8 kept', async () => {
    const file = await D.makeTextFile('guide.md', D.SAMPLE_MD);
    const { blocks, batches } = await collect(file, 'md');
    expect(blocks.map((b) => [b.heading, b.text])).toEqual([
      [1, 'Garden guide'],
      [null, 'Tomatoes need sun: at least six hours a day.\nWater them at the roots.'],
      [2, 'Soil'],
      [null, 'Loose soil with compost. Café-grade coffee grounds help — 🌱 really.'],
      [null, '```\n# not a heading inside code\n```'],
      [3, 'Pests'],
      [null, 'Aphids: spray with soapy water.'],
    ]);
    const size = Buffer.byteLength(D.SAMPLE_MD);
    expect(batches.at(-1)).toMatchObject({ done: size, total: size, unit: 'bytes' });
    // In a .txt file the same '#' lines are plain text.
    expect(headings((await collect(await D.makeTextFile('guide.txt', D.SAMPLE_MD), 'txt')).blocks)).toEqual([]);
  });

  it('TXT: resuming at any batch cursor gives exactly the rest, across multi-byte characters', async () => {
    const paragraphs = Array.from({ length: 20_000 }, (_, i) => `Paragraph ${i} — naïve café ${'ü€𝄞 '.repeat(i % 40)}end ${i}.`);
    const file = await D.makeTextFile('resume.txt', paragraphs.join('\r\n\r\n'));
    const whole = await collect(file, 'txt');
    expect(texts(whole.blocks)).toEqual(paragraphs);
    expect(whole.batches.length).toBeGreaterThan(2);
    for (let k = 0; k < whole.batches.length - 1; k++) {
      const before = whole.batches.slice(0, k + 1).flatMap((b) => b.blocks);
      const rest = await collect(file, 'txt', { resumeFrom: whole.batches[k]!.cursor });
      expect([...texts(before), ...texts(rest.blocks)]).toEqual(paragraphs);
    }
  });

  it('TXT: a huge line without breaks is cut into readable blocks, nothing lost', async () => {
    const sentence = 'This sentence repeats without any line break at all. ';
    const text = sentence.repeat(4000);
    const { blocks } = await collect(await D.makeTextFile('one-line.txt', text), 'txt');
    expect(blocks.length).toBeGreaterThan(40);
    expect(blocks.every((b) => b.text.length <= 4000)).toBe(true);
    // Cut at sentence ends, except where a 16 KB read segment ended mid-sentence.
    expect(blocks.filter((b) => !b.text.endsWith('.')).length).toBeLessThan(blocks.length / 4);
    expect(blocks.map((b) => b.text).join(' ')).toBe(text.trim());
  });
});

describe('CSV and JSON', () => {
  it('CSV: 20 rows a block as column: value lines under the column names; resumes by row count', async () => {
    const file = await D.makeCsv(450);
    const { batches, blocks } = await collect(file, 'csv');
    expect(blocks).toHaveLength(23);
    expect(blocks[0]!.text.split('\n').slice(0, 3)).toEqual([
      'Columns: name, city, age',
      'name: Person 1; city: City 1, Region; age: 21',
      'name: Person 2; city: City 2, Region; age: 22',
    ]);
    expect(batches.map((b) => b.cursor)).toEqual([200, 400, 450]);
    expect(batches.every((b) => b.unit === 'rows')).toBe(true);
    const rest = await collect(file, 'csv', { resumeFrom: 200 });
    expect(rest.blocks).toEqual(blocks.slice(10));
  });

  it('CSV: an unclosed quote is DOC_CORRUPT with its line', async () => {
    const e = await failure(collect(await D.makeMalformedCsv(), 'csv'));
    expect(e.code).toBe('DOC_CORRUPT');
    expect(e.message).toMatch(/never closed.*line 4/);
  });

  it('JSON: flattened to path: value lines, array elements kept together', async () => {
    const { blocks } = await collect(await D.makeTextFile('inventory.json', JSON.stringify(D.SAMPLE_JSON, null, 2)), 'json');
    expect(texts(blocks)).toEqual([
      [
        'title: Inventory',
        'owner.name: Ada',
        'owner.email: ada@example.com',
        'items[0].sku: A-1',
        'items[0].name: Bolt',
        'items[0].qty: 10',
        'items[0].tags[0]: steel',
        'items[0].tags[1]: small',
        'items[1].sku: B-2',
        'items[1].name: Nut',
        'items[1].qty: 0',
        'items[1].tags: []',
      ].join('\n'),
    ]);
    const many = Array.from({ length: 30 }, (_, i) => ({ id: i, name: `n${i}`, note: 'x' }));
    const grouped = await collect(await D.makeTextFile('many.json', JSON.stringify(many)), 'json');
    // 3 lines an element, 40 lines a block: 13 whole elements per block, none split.
    expect(grouped.blocks.map((b) => b.text.split('\n').length)).toEqual([39, 39, 12]);
  });

  it('JSON: invalid JSON is DOC_CORRUPT with line and column', async () => {
    const e = await failure(collect(await D.makeInvalidJson(), 'json'));
    expect(e.code).toBe('DOC_CORRUPT');
    expect(e.message).toMatch(/line 3, column 14/);
  });
});

describe('detectKind', () => {
  it('takes the kind from the name and checks it against the bytes', async () => {
    expect(kindFromName('a.MARKDOWN')).toBe('md');
    expect(kindFromName('page.htm')).toBe('html');
    expect(kindFromName('page.xhtml')).toBe('html');
    expect(kindFromName('x.exe')).toBeNull();
    expect(await detectKind(await D.makePdf({ pages: 1, name: 'k.pdf' }), 'k.pdf')).toBe('pdf');
    expect(await detectKind(await D.makeCsv(2, 'k.csv'), 'k.csv')).toBe('csv');
    expect(await detectKind(await D.makeTextFile('k.md', D.SAMPLE_MD), 'k.md')).toBe('md');
  });

  it('gives each bad file its own code', async () => {
    const code = async (file: string, name: string) => (await failure(detectKind(file, name))).code;
    expect(await code(await D.makeTextFile('tool.exe', 'MZ'), 'tool.exe')).toBe('DOC_UNSUPPORTED');
    expect(await code(await D.makeTextFile('noext', 'text'), 'noext')).toBe('DOC_UNSUPPORTED');
    expect(await code(await D.makeEmptyFile(), 'empty.txt')).toBe('DOC_EMPTY');
    expect(await code(await D.makeTextFile('blank.md', ' \n\n\t \n'), 'blank.md')).toBe('DOC_EMPTY');
    expect(await code(await D.makeBinaryTxt(), 'binary.txt')).toBe('DOC_BINARY');
    expect(await code(await D.makeTextFile('utf16.txt', Buffer.from('\ufeffhello', 'utf16le')), 'utf16.txt')).toBe('DOC_BINARY');
    expect(await code(await D.makeTextFile('latin.csv', Buffer.from(Array.from({ length: 400 }, (_, i) => 0x80 + (i % 100)))), 'latin.csv')).toBe('DOC_BINARY');
    expect(await code(await D.makeTextFile('fake.pdf', 'hello'), 'fake.pdf')).toBe('DOC_CORRUPT');
    // A few Latin-1 accents in English text are still text.
    expect(await detectKind(await D.makeTextFile('latin1.txt', Buffer.from('Caf\xe9 au lait, cr\xe8me br\xfbl\xe9e and more words here.', 'latin1')), 'latin1.txt')).toBe('txt');
  });
});

describe('cancellation', () => {
  it('an aborted signal stops a PDF between pages', async () => {
    const file = await D.make100PagePdf();
    const controller = new AbortController();
    let pages = 0;
    const e = await failure((async () => {
      for await (const _ of extract(file, 'pdf', { signal: controller.signal })) {
        if (++pages === 3) controller.abort();
      }
    })());
    expect(e.code).toBe('DOC_CANCELLED');
    expect(pages).toBe(3);
  });

  it('an aborted signal stops a text stream between chunks', async () => {
    const big = await D.makeBigText(20 * 1024 * 1024, 'cancel.md');
    const controller = new AbortController();
    let batches = 0;
    const e = await failure((async () => {
      for await (const _ of extract(big.path, 'md', { signal: controller.signal })) {
        if (++batches === 2) controller.abort();
      }
    })());
    expect(e.code).toBe('DOC_CANCELLED');
    expect(batches).toBe(2);
  });
});

describe('runExtraction (worker thread)', () => {
  it('delivers batches in order, one at a time, and waits for each to be handled', async () => {
    const file = await D.makePdf({ pages: 12, name: 'worker.pdf' });
    const done: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    await runExtraction(file, 'pdf', {
      onBatch: async (b) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 15));
        done.push(b.done);
        inFlight--;
      },
    });
    expect(done).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(maxInFlight).toBe(1);
  });

  it('brings errors back as AppError with their code and sentence', async () => {
    const run = (file: string, kind: DocKind, password?: string) =>
      failure(runExtraction(file, kind, { password, onBatch: () => undefined }));
    const encrypted = await D.makeEncryptedPdf();
    const e = await run(encrypted, 'pdf');
    expect([e.code, e.message]).toEqual(['DOC_ENCRYPTED', 'This PDF is protected by a password. Enter it to read the document.']);
    expect((await run(encrypted, 'pdf', 'nope')).code).toBe('DOC_BAD_PASSWORD');
    expect((await run(await D.makeLyingZipBombDocx(), 'docx')).code).toBe('DOC_LIMIT');
    expect((await run(await D.makeInvalidJson(), 'json')).message).toMatch(/line 3/);
    expect((await run('/nonexistent/nothing.txt', 'txt')).code).toBe('DOC_NOT_FOUND');
  });

  it('stops promptly when cancelled, and when onBatch fails', async () => {
    const file = await D.make100PagePdf();
    const controller = new AbortController();
    let batches = 0;
    let abortedAt = 0;
    const e = await failure(runExtraction(file, 'pdf', {
      signal: controller.signal,
      onBatch: () => {
        if (++batches === 2) {
          controller.abort();
          abortedAt = performance.now();
        }
      },
    }));
    expect(e.code).toBe('DOC_CANCELLED');
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(batches).toBe(2);

    const failing = await failure(runExtraction(file, 'pdf', {
      onBatch: () => {
        throw new AppError('DATA_DIR_UNWRITABLE', { message: 'disk full' });
      },
    }));
    expect([failing.code, failing.message]).toEqual(['DATA_DIR_UNWRITABLE', 'disk full']);
    expect((await failure(runExtraction(file, 'pdf', { signal: AbortSignal.abort(), onBatch: () => undefined }))).code).toBe('DOC_CANCELLED');
  });

});
