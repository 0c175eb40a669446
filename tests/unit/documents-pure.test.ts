import { describe, expect, it } from 'vitest';
import { AppError } from '../../app/contract/index.js';
import { Chunker, split } from '../../app/documents/chunker.js';
import { FIELD_MAX_CHARS, schemaForFields, schemaFromText } from '../../app/documents/extract-schema.js';
import { citedLabels, normalizeLabel, passageLabel } from '../../app/documents/prompts.js';
import { taskFromChat } from '../../app/service/document-intent.js';
import type { DocumentRecord } from '../../app/storage/index.js';
import { linkCitations } from '../../renderer/src/lib/citations.js';
import { toCsv } from '../../renderer/src/lib/csv.js';

const para = (text: string, page: number | null = 1) => ({ text, page, heading: null });

describe('Chunker', () => {
  it('starts a chunk at each heading and carries the heading as context', () => {
    const c = new Chunker(100);
    c.push({ text: 'Terms', page: 1, heading: 1 });
    c.push(para('The tenant pays rent monthly.'));
    c.push({ text: 'Termination', page: 2, heading: 2 });
    c.push(para('Either party may end this agreement.', 2));
    const out = c.flush();
    expect(out).toEqual([
      { pageStart: 1, pageEnd: 1, heading: 'Terms', text: 'Terms\n\nThe tenant pays rent monthly.' },
      { pageStart: 2, pageEnd: 2, heading: 'Termination', text: 'Termination\n\nEither party may end this agreement.' },
    ]);
  });

  it('packs paragraphs up to the limit and never loses text', () => {
    const c = new Chunker(60);
    const paras = Array.from({ length: 9 }, (_, i) => `Paragraph number ${i} has some words.`);
    paras.forEach((p, i) => c.push(para(p, 1 + Math.floor(i / 3))));
    const out = c.flush();
    expect(out.length).toBeGreaterThan(3);
    for (const ch of out) expect(ch.text.length).toBeLessThanOrEqual(60);
    expect(out.map((ch) => ch.text).join('\n\n')).toBe(paras.join('\n\n'));
    expect(out[0]!.pageStart).toBe(1);
    expect(out.at(-1)!.pageEnd).toBe(3);
  });

  it('cuts an over-long paragraph at sentence ends, then spaces, then anywhere', () => {
    expect(split('One two three. Four five six. Seven eight nine.', 20)).toEqual(['One two three.', 'Four five six.', 'Seven eight nine.']);
    expect(split('aaaa bbbb cccc dddd', 10)).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(split('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('flush returns nothing twice and ignores blank blocks', () => {
    const c = new Chunker();
    c.push(para('   '));
    expect(c.flush()).toEqual([]);
    c.push(para('Hello.'));
    expect(c.flush()).toHaveLength(1);
    expect(c.flush()).toEqual([]);
  });
});

describe('citations', () => {
  it('finds page labels however the model wrote them, in order, once each', () => {
    expect(citedLabels('Rent is $900 [p. 2]. It rises yearly [page 4; p.2]. See [P. 7].')).toEqual(['p. 2', 'p. 4', 'p. 7']);
    expect(citedLabels('No citation here, only [a note] and [].')).toEqual(['a note']);
    expect(normalizeLabel(' Page 12 ')).toBe('p. 12');
    expect(normalizeLabel('part 3')).toBe('part 3');
  });

  it('labels passages by page, else by part, with the name when there are several documents', () => {
    expect(passageLabel({ pageStart: 12, ord: 40 }, null)).toBe('p. 12');
    expect(passageLabel({ pageStart: null, ord: 2 }, null)).toBe('part 3');
    expect(passageLabel({ pageStart: 3, ord: 0 }, 'lease.pdf')).toBe('lease.pdf, p. 3');
  });
});

describe('extraction schemas', () => {
  it('turns field names into required, bounded strings', () => {
    const plan = schemaForFields(['party', ' date ', 'party']);
    expect(plan.columns).toEqual(['party', 'date']);
    expect(plan.schema).toEqual({
      type: 'object',
      properties: { party: { type: 'string', maxLength: FIELD_MAX_CHARS }, date: { type: 'string', maxLength: FIELD_MAX_CHARS } },
      required: ['party', 'date'],
      additionalProperties: false,
    });
  });

  it('bounds every string and array of a person\u2019s schema', () => {
    const plan = schemaFromText(
      JSON.stringify({
        type: 'object',
        properties: {
          name: { type: 'string' },
          total: { type: 'number' },
          status: { type: 'string', enum: ['paid', 'due'] },
          lines: { type: 'array', items: { type: 'object', properties: { item: { type: 'string', maxLength: 9000 } } } },
        },
      }),
    );
    expect(plan.columns).toEqual(['name', 'total', 'status', 'lines']);
    const props = plan.schema.properties as Record<string, Record<string, unknown>>;
    expect(props.name!.maxLength).toBe(FIELD_MAX_CHARS);
    expect(props.status!.maxLength).toBeUndefined();
    expect(props.lines!.maxItems).toBe(20);
    expect(((props.lines!.items as Record<string, unknown>).properties as Record<string, Record<string, unknown>>).item!.maxLength).toBe(4000);
    expect(plan.schema.required).toEqual(plan.columns);
    const odd = schemaFromText('{"type":"object","properties":{"a":{"type":"string","maxLength":2000}}}');
    expect((odd.schema.properties as Record<string, Record<string, unknown>>).a!.maxLength).toBe(1999);
  });

  it.each([
    ['{"type": "object"', /not valid JSON/],
    ['[1, 2]', /top level must be/],
    ['{"type": "string"}', /top level must be/],
    ['{"type": "object", "properties": {}}', /at least one property/],
    ['{"type": "object", "properties": {"a": {"$ref": "#/x"}}}', /at \$\.a, references/],
    ['{"type": "object", "properties": {"a": {"type": "string", "pattern": "x+"}}}', /"pattern" is not supported/],
  ])('refuses %s with a specific sentence', (text, message) => {
    let caught: unknown;
    try {
      schemaFromText(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('BAD_REQUEST');
    expect((caught as AppError).message).toMatch(message);
  });
});

describe('document intent in chat', () => {
  const doc = (status: DocumentRecord['status'], id = 'd1'): DocumentRecord => ({
    id,
    conversationId: 'c',
    sha256: 'x',
    name: 'a.pdf',
    kind: 'pdf',
    sizeBytes: 1,
    status,
    error: null,
    allowCloud: false,
    reused: false,
    createdAt: 0,
  });

  it('chats as usual when no document is ready', () => {
    expect(taskFromChat('Summarize it', [])).toBeNull();
    expect(taskFromChat('Summarize it', [doc('indexing')])).toBeNull();
  });

  it('routes summaries, extractions and questions to the ready documents', () => {
    const docs = [doc('ready'), doc('error', 'd2'), doc('ready', 'd3')];
    expect(taskFromChat('Please summarize this.', docs)).toEqual({ documentIds: ['d1', 'd3'], task: { kind: 'summarize' } });
    expect(taskFromChat('TL;DR?', docs)?.task).toEqual({ kind: 'summarize' });
    expect(taskFromChat('Extract the tenant, rent and start date from the lease.', docs)?.task).toEqual({
      kind: 'extract',
      fields: ['tenant', 'rent', 'start date'],
    });
    expect(taskFromChat('What is the rent?', docs)?.task).toEqual({ kind: 'ask', question: 'What is the rent?' });
    expect(taskFromChat('extract', docs)?.task).toEqual({ kind: 'ask', question: 'extract' });
  });
});

describe('renderer: citations and CSV', () => {
  const cite = (label: string, chunkId: number) => ({ label, chunkId, documentId: 'd', page: null });

  it('links cited labels to their passages and leaves other brackets alone', () => {
    const text = 'Rent is due monthly [p. 3]. See also [page 7; p. 9] and [a note], and [link](https://x.test).';
    expect(linkCitations(text, [cite('p. 3', 11), cite('p. 7', 12)])).toBe(
      'Rent is due monthly [p. 3](#cite-11). See also [page 7; p. 9](#cite-12) and [a note], and [link](https://x.test).',
    );
    expect(linkCitations(text, [])).toBe(text);
  });

  it('writes RFC 4180 CSV: quotes where needed, doubled quotes, CRLF', () => {
    expect(toCsv({ columns: ['name', 'note'], rows: [{ name: 'Ann', note: 'says "hi", twice' }, { name: ' padded', note: null }] })).toBe(
      'name,note\r\nAnn,"says ""hi"", twice"\r\n" padded",\r\n',
    );
  });
});
