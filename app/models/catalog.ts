import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';
import { AppError, CatalogSchema, type Catalog, type CatalogEntry } from '../contract/index.js';

/** Hugging Face's address, or a mirror's: the same variable the Hugging Face tools read. */
export function huggingFaceEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.HF_ENDPOINT?.trim();
  return (v ? v : 'https://huggingface.co').replace(/\/+$/, '');
}

export function downloadUrl(entry: CatalogEntry, endpoint: string): string {
  const file = entry.file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${entry.repo}/resolve/${encodeURIComponent(entry.revision)}/${file}`;
}

/** Where the file lives in the models folder: its own name, which the catalog keeps unique. */
export function localFileName(entry: CatalogEntry): string {
  return path.posix.basename(entry.file);
}

/**
 * Reads and validates a catalog file. A damaged catalog is the app's fault, not the person's, so
 * the error names the first problem precisely for the log and the UI.
 */
export async function loadCatalog(file: string): Promise<Catalog> {
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new AppError('CATALOG_INVALID', { message: `The model catalog ${file} cannot be read.`, detail: String(err), cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new AppError('CATALOG_INVALID', { message: `The model catalog ${file} is not valid JSON.`, detail: String(err), cause: err });
  }
  return parseCatalog(json, file);
}

export function parseCatalog(json: unknown, where = 'catalog'): Catalog {
  const parsed = CatalogSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('CATALOG_INVALID', {
      message: `The model catalog (${where}) is invalid at ${issue.path.join('.') || 'its top level'}: ${issue.message}`,
      detail: z.prettifyError(parsed.error),
    });
  }
  return parsed.data;
}

/**
 * models/catalog.json, found from this module whether it runs from source (app/models) or the
 * build (dist/app/models); MODEST_CATALOG points elsewhere (a company's own list, or a test's).
 */
export function defaultCatalogFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MODEST_CATALOG?.trim()) return path.resolve(env.MODEST_CATALOG.trim());
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'models', 'catalog.json');
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return path.join(process.cwd(), 'models', 'catalog.json');
    dir = up;
  }
}
