import { AppError } from '../contract/index.js';

/** The JSON-schema subset node-llama-cpp turns into a grammar; structurally typed on purpose. */
export type JsonSchema = { [key: string]: unknown };

/** Long enough for an address or a clause; bounded so every string in the grammar must close. */
export const FIELD_MAX_CHARS = 300;
const DEFAULT_MAX_ITEMS = 20;
const MAX_DEPTH = 6;

export interface ExtractionPlan {
  schema: JsonSchema;
  /** Top-level property names: the table's columns, in order. */
  columns: string[];
}

/** Named fields become a flat object of bounded strings, all required. */
export function schemaForFields(fields: readonly string[]): ExtractionPlan {
  const columns = [...new Set(fields.map((f) => f.trim()))];
  const properties: JsonSchema = {};
  for (const c of columns) properties[c] = { type: 'string', maxLength: FIELD_MAX_CHARS };
  return { schema: { type: 'object', properties, required: columns, additionalProperties: false }, columns };
}

/**
 * A person's own JSON schema, checked and bounded: every string gets a maxLength and every array a
 * maxItems where it has none, because a grammar-constrained string with no bound may never close.
 * Anything the grammar cannot express is refused here, with the path to it, before anything runs.
 */
export function schemaFromText(text: string): ExtractionPlan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AppError('BAD_REQUEST', { message: `That JSON schema is not valid JSON: ${(err as Error).message}`, detail: String(err) });
  }
  if (!isObject(parsed) || parsed.type !== 'object' || !isObject(parsed.properties) || Object.keys(parsed.properties).length === 0) {
    throw new AppError('BAD_REQUEST', {
      message: 'The schema’s top level must be {"type": "object", "properties": {…}} with at least one property.',
    });
  }
  const schema = bound(parsed, '$', 0) as JsonSchema;
  const columns = Object.keys(parsed.properties);
  if (columns.length > 40) throw new AppError('BAD_REQUEST', { message: 'A schema can have at most 40 top-level fields.' });
  // Every top-level field is asked for, so the table has no holes the model could skip.
  schema.required = columns;
  return { schema, columns };
}

function bound(node: unknown, at: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw refuse(at, `it nests deeper than ${MAX_DEPTH} levels`);
  if (!isObject(node)) throw refuse(at, 'each schema must be an object');
  if ('$ref' in node) throw refuse(at, 'references ($ref) are not supported');
  for (const k of ['pattern', 'patternProperties', 'allOf', 'not', 'if']) {
    if (k in node) throw refuse(at, `"${k}" is not supported`);
  }
  const out: JsonSchema = { ...node };
  for (const k of ['anyOf', 'oneOf'] as const) {
    if (k in node) {
      if (!Array.isArray(node[k])) throw refuse(at, `"${k}" must be a list`);
      out[k] = (node[k] as unknown[]).map((s, i) => bound(s, `${at}.${k}[${i}]`, depth + 1));
    }
  }
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('string') && !('enum' in node) && !('const' in node)) {
    const max = typeof node.maxLength === 'number' ? Math.min(node.maxLength, 4000) : FIELD_MAX_CHARS;
    // node-llama-cpp 3.21.1 fails to parse the grammar for a maxLength of exactly 2000 (1999 and
    // 2001 work; found by the P10 bench): one character less changes nothing a person would see.
    out.maxLength = max === 2000 ? 1999 : max;
  }
  if (types.includes('object') && node.properties !== undefined) {
    if (!isObject(node.properties)) throw refuse(at, '"properties" must be an object');
    const props: JsonSchema = {};
    for (const [k, v] of Object.entries(node.properties)) props[k] = bound(v, `${at}.${k}`, depth + 1);
    out.properties = props;
  }
  if (types.includes('array')) {
    if (node.items !== undefined) out.items = bound(node.items, `${at}[]`, depth + 1);
    out.maxItems = typeof node.maxItems === 'number' ? Math.min(node.maxItems, 200) : DEFAULT_MAX_ITEMS;
  }
  return out;
}

function refuse(at: string, why: string): AppError {
  return new AppError('BAD_REQUEST', { message: `That JSON schema cannot be used for extraction: at ${at}, ${why}.` });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A cell for the table: scalars as they are, anything nested as compact JSON. */
export function cell(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}
