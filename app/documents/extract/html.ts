import fsp from 'node:fs/promises';
import { compile, type DomNode, type FormatCallback, type HtmlToTextOptions } from 'html-to-text';
import { splitLong } from './split-long.js';
import { throwIfCancelled, tidy, type Batch, type Block, type ExtractOptions } from './types.js';
import { batchesOf, tooBig, WHOLE_FILE_MAX_BYTES } from './whole.js';

/**
 * Markers the formatters put in front of a heading or a table-row group, so the plain text that
 * html-to-text returns still says which blocks were which. Removed from the input first, so a page
 * cannot forge them.
 */
const HEADING = '\u0001';
const TABLE = '\u0002';
const ROWS_PER_BLOCK = 20;

const BLOCK_TAGS = new Set(['p', 'div', 'li', 'br', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article', 'blockquote', 'pre']);

const heading: FormatCallback = (elem, walk, builder) => {
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral(`${HEADING}${elem.name!.slice(1)}`);
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

/** Each list item its own block, so an item is never glued to the next one in a chunk boundary. */
const list: FormatCallback = (elem, walk, builder) => {
  const ordered = elem.name === 'ol';
  let n = ordered ? Number.parseInt(elem.attribs?.start ?? '1', 10) || 1 : 1;
  for (const li of elem.children.filter((c) => c.type === 'tag' && c.name === 'li')) {
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.addLiteral(ordered ? `${n++}. ` : '• ');
    walk(li.children, builder);
    builder.closeBlock({ trailingLineBreaks: 2 });
  }
};

/** Rows as `cell | cell` lines, 20 to a block, each block under the header row when there is one. */
const table: FormatCallback = (elem, _walk, builder) => {
  const rows = collect(elem, 'tr').map((tr) =>
    tr.children.filter((c) => c.type === 'tag' && (c.name === 'td' || c.name === 'th')).map((c) => tidy(textOf(c))),
  ).filter((cells) => cells.some(Boolean));
  if (rows.length === 0) return;
  const head = rows[0]!.join(' | ');
  const body = rows.slice(1).map((r) => r.join(' | '));
  for (let i = 0; i === 0 || i < body.length; i += ROWS_PER_BLOCK) {
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.addLiteral(TABLE + [head, ...body.slice(i, i + ROWS_PER_BLOCK)].join(TABLE));
    builder.closeBlock({ trailingLineBreaks: 2 });
  }
};

const skip = { format: 'skip' };
const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  formatters: { modestHeading: heading, modestList: list, modestTable: table },
  limits: { maxInputLength: WHOLE_FILE_MAX_BYTES },
  selectors: [
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, format: 'modestHeading' })),
    { selector: 'ul', format: 'modestList' },
    { selector: 'ol', format: 'modestList' },
    { selector: 'table', format: 'modestTable' },
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', ...skip },
    { selector: 'script', ...skip },
    { selector: 'style', ...skip },
    { selector: 'noscript', ...skip },
    { selector: 'template', ...skip },
    { selector: 'svg', ...skip },
    { selector: 'head', ...skip },
  ],
};
const convert = compile(OPTIONS);

/** HTML (and the HTML mammoth makes of a DOCX) as blocks: headings h1–h6, paragraphs, list items, table rows. */
export function htmlBlocks(html: string): Block[] {
  const text = convert(html.replaceAll(HEADING, '').replaceAll(TABLE, ''));
  const blocks: Block[] = [];
  for (const raw of text.split(/\n[ \t]*\n/)) {
    const part = raw.trim();
    if (!part) continue;
    if (part.startsWith(HEADING)) {
      const level = Number(part[1]);
      const title = tidy(part.slice(2).replace(/\s+/g, ' '));
      if (title) blocks.push({ text: title, page: null, heading: level });
    } else if (part.startsWith(TABLE)) {
      for (const t of splitLong(part.slice(1).split(TABLE).join('\n'))) blocks.push({ text: t, page: null, heading: null });
    } else {
      const body = part.split('\n').map(tidy).filter(Boolean).join('\n');
      for (const t of splitLong(body)) blocks.push({ text: t, page: null, heading: null });
    }
  }
  return blocks;
}

export async function* extractHtml(path: string, opts: ExtractOptions): AsyncGenerator<Batch> {
  const { size } = await fsp.stat(path);
  if (size > WHOLE_FILE_MAX_BYTES) throw tooBig('HTML', size);
  const html = await fsp.readFile(path, 'utf8');
  throwIfCancelled(opts.signal);
  yield* batchesOf(htmlBlocks(html), opts.resumeFrom ?? 0, opts.signal);
}

function collect(node: DomNode, name: string, out: DomNode[] = []): DomNode[] {
  for (const c of node.children ?? []) {
    if (c.type !== 'tag') continue;
    if (c.name === name) out.push(c);
    // A table inside a cell is read as that cell's text, not as rows of the outer table.
    else if (c.name !== 'table') collect(c, name, out);
  }
  return out;
}

function textOf(node: DomNode): string {
  if (node.type === 'text') return node.data ?? '';
  if (node.type !== 'tag') return '';
  const inner = (node.children ?? []).map(textOf).join('');
  return BLOCK_TAGS.has(node.name ?? '') ? ` ${inner} ` : inner;
}
