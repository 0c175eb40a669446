import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, type DocKind } from '../contract/index.js';
import { detectKind } from '../documents/kinds.js';

export interface StoredFile {
  sha256: string;
  kind: DocKind;
  sizeBytes: number;
  storedName: string;
}

/**
 * Dropped files are copied into the data folder under their SHA-256, so indexing can resume after a
 * restart even if the original moved, the same content is stored once, and Delete all can remove
 * them. Copies stream through a hash: no file is ever held in memory whole, whatever its size.
 */
export class DocumentFiles {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'documents');
  }

  pathOf(storedName: string): string {
    return path.join(this.dir, storedName);
  }

  /** The desktop shell passes a path; the file is read where it is and copied in. */
  async fromPath(source: string, name: string, signal?: AbortSignal): Promise<StoredFile> {
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(source);
    } catch (err) {
      throw new AppError('NOT_FOUND', { message: `There is no file at ${source}.`, detail: String(err) });
    }
    if (!stat.isFile()) throw new AppError('DOC_UNSUPPORTED', { message: `${name} is a folder, not a file. Drop the files inside it instead.` });
    // Checked before copying: a wrong file should fail in a moment, not after a long copy.
    const kind = await detectKind(source, name);
    return this.ingest(fs.createReadStream(source), name, kind, signal);
  }

  /** The browser mode streams the upload's body straight here. */
  async fromStream(body: Readable, name: string, signal?: AbortSignal): Promise<StoredFile> {
    return this.ingest(body, name, null, signal);
  }

  async remove(storedName: string): Promise<void> {
    await fsp.rm(this.pathOf(storedName), { force: true });
  }

  async removeAll(): Promise<void> {
    await fsp.rm(this.dir, { recursive: true, force: true });
  }

  /** Partial copies left by a crash mid-upload. */
  async sweepIncoming(): Promise<void> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.filter((n) => n.startsWith('incoming-')).map((n) => fsp.rm(this.pathOf(n), { force: true })));
  }

  private async ingest(body: Readable, name: string, knownKind: DocKind | null, signal?: AbortSignal): Promise<StoredFile> {
    await fsp.mkdir(this.dir, { recursive: true });
    const incoming = this.pathOf(`incoming-${randomUUID()}`);
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, tap, fs.createWriteStream(incoming), signal ? { signal } : {});
      const kind = knownKind ?? (await detectKind(incoming, name));
      const sha256 = hash.digest('hex');
      const storedName = `${sha256}.${kind}`;
      // Same content already stored: keep the existing copy (its index may point at it).
      if (fs.existsSync(this.pathOf(storedName))) await fsp.rm(incoming, { force: true });
      else await fsp.rename(incoming, this.pathOf(storedName));
      return { sha256, kind, sizeBytes: size, storedName };
    } catch (err) {
      await fsp.rm(incoming, { force: true });
      if (err instanceof AppError) throw err;
      if (signal?.aborted) throw new AppError('DOC_CANCELLED', { message: 'The upload was stopped before it finished.' });
      const code = (err as { code?: string }).code;
      if (code === 'ENOSPC') throw new AppError('DATA_DIR_UNWRITABLE', { message: 'The disk is full: the document could not be stored.', detail: String(err) });
      throw new AppError('DOC_CORRUPT', { message: `${name} could not be read completely.`, detail: String(err) });
    }
  }
}
