import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError, type DocumentInfo, type Passage } from '../contract/index.js';
import { kindFromName } from '../documents/kinds.js';
import type { Engine } from '../inference/index.js';
import type { DocumentRecord, Storage } from '../storage/index.js';
import { DocumentFiles, type StoredFile } from './document-files.js';
import { DocumentIndexer } from './document-indexer.js';

/**
 * Documents as the contract sees them: attach (by path or upload), list with progress, cancel,
 * retry, unlock with a password, remove, and show a cited passage. A file that cannot be read still
 * becomes an attachment, in the error state with the reason, so its chip can say what went wrong.
 */
export class DocumentService {
  readonly files: DocumentFiles;
  readonly indexer: DocumentIndexer;

  constructor(
    private readonly storage: Storage,
    private readonly engine: () => Engine | null,
  ) {
    this.files = new DocumentFiles(storage.dataDir);
    this.indexer = new DocumentIndexer(storage, this.files, engine);
  }

  /** Start-up: drop half-written uploads, then resume whatever was indexing. */
  async start(): Promise<void> {
    await this.files.sweepIncoming();
    this.indexer.resume();
  }

  list(conversationId: string): DocumentInfo[] {
    this.storage.conversations.get(conversationId);
    return this.storage.documents.list(conversationId).map((d) => this.info(d));
  }

  get(id: string): DocumentInfo {
    return this.info(this.storage.documents.get(id));
  }

  async addPath(conversationId: string, filePath: string): Promise<DocumentInfo> {
    this.storage.conversations.get(conversationId);
    const name = path.basename(filePath);
    return this.attach(conversationId, name, 0, () => this.files.fromPath(filePath, name));
  }

  async addStream(conversationId: string, name: string, body: Readable, declaredSize: number, signal?: AbortSignal): Promise<DocumentInfo> {
    this.storage.conversations.get(conversationId);
    const cleanName = path.basename(name.replaceAll('\\', '/'));
    return this.attach(conversationId, cleanName, declaredSize, () => {
      // Refused by name before a byte is stored: a 2 GB .exe should not be uploaded first.
      if (kindFromName(cleanName) === null) throw unsupported(cleanName);
      return this.files.fromStream(body, cleanName, signal);
    });
  }

  remove(id: string): { id: string } {
    const doc = this.storage.documents.get(id);
    if (doc.sha256) this.indexer.cancel(doc.sha256);
    const orphan = this.storage.documents.remove(id);
    if (orphan) void this.files.remove(orphan.storedName);
    return { id };
  }

  cancel(id: string): DocumentInfo {
    const doc = this.storage.documents.get(id);
    if (doc.sha256 && !this.indexer.cancel(doc.sha256) && (doc.status === 'queued' || doc.status === 'indexing')) {
      this.storage.documents.setStatus(id, 'cancelled');
    }
    return this.get(id);
  }

  retry(id: string, password?: string): DocumentInfo {
    const doc = this.storage.documents.get(id);
    if (doc.sha256 === null) {
      throw new AppError('CONFLICT', { message: 'This file never reached Modest completely. Drop it again.' });
    }
    if (doc.status === 'ready' || (this.indexer.running(doc.sha256) && password === undefined)) return this.info(doc);
    this.storage.documents.setStatus(id, 'queued');
    this.indexer.enqueue(id, password);
    return this.get(id);
  }

  unlock(id: string, password: string): DocumentInfo {
    const doc = this.storage.documents.get(id);
    if (doc.error?.code !== 'DOC_ENCRYPTED' && doc.error?.code !== 'DOC_BAD_PASSWORD') {
      throw new AppError('CONFLICT', { message: 'This document is not waiting for a password.' });
    }
    return this.retry(id, password);
  }

  setAllowCloud(id: string, allow: boolean): DocumentInfo {
    return this.info(this.storage.documents.setAllowCloud(id, allow));
  }

  passage(chunkId: number): Passage {
    const c = this.storage.documents.chunk(chunkId);
    const doc = this.storage.documents.bySha(c.sha256)[0];
    if (!doc) throw new AppError('NOT_FOUND', { message: 'That passage belongs to a document that was removed.' });
    return { chunkId: c.id, documentId: doc.id, documentName: doc.name, pageStart: c.pageStart, pageEnd: c.pageEnd, heading: c.heading, text: c.text };
  }

  /** Delete all my data: the stored copies go with the rows. */
  async removeAllFiles(): Promise<void> {
    await this.indexer.close();
    await this.files.removeAll();
  }

  async close(): Promise<void> {
    await this.indexer.close();
  }

  info(d: DocumentRecord): DocumentInfo {
    const file = d.sha256 ? this.storage.documents.file(d.sha256) : null;
    const engine = this.engine();
    const busy = d.status === 'queued' || d.status === 'indexing';
    return {
      id: d.id,
      conversationId: d.conversationId,
      name: d.name,
      kind: d.kind,
      sizeBytes: d.sizeBytes,
      pages: file?.pages ?? null,
      status: d.status,
      progress: busy && file ? file.progress : null,
      chunks: file?.chunkCount ?? 0,
      tokens: file && engine && d.status === 'ready' ? this.storage.documents.tokenTotal(file.sha256, engine.tokenizerId) : null,
      error: d.error,
      needsPassword: d.error?.code === 'DOC_ENCRYPTED' || d.error?.code === 'DOC_BAD_PASSWORD',
      allowCloud: d.allowCloud,
      reused: d.reused,
      createdAt: d.createdAt,
    };
  }

  private async attach(conversationId: string, name: string, declaredSize: number, store: () => Promise<StoredFile>): Promise<DocumentInfo> {
    let stored: StoredFile;
    try {
      stored = await store();
    } catch (err) {
      const e = AppError.from(err);
      if (e.code === 'NOT_FOUND' || e.code === 'DATA_DIR_UNWRITABLE') throw e;
      const doc = this.storage.documents.create({
        conversationId,
        name,
        sizeBytes: declaredSize,
        kind: kindFromName(name),
        sha256: null,
        status: 'error',
        error: { code: e.code, message: e.message },
      });
      return this.info(doc);
    }
    const known = this.storage.documents.file(stored.sha256);
    if (!known) this.storage.documents.createFile(stored);
    const reused = known?.complete === true;
    const doc = this.storage.documents.create({
      conversationId,
      name,
      sizeBytes: stored.sizeBytes,
      kind: stored.kind,
      sha256: stored.sha256,
      status: reused ? 'ready' : 'queued',
      reused,
    });
    if (reused) {
      // Another model may be loaded since: only the token counts are redone.
      void this.indexer.countTokens(stored.sha256).catch(() => undefined);
    } else {
      this.indexer.enqueue(doc.id);
    }
    return this.info(this.storage.documents.get(doc.id));
  }
}

function unsupported(name: string): AppError {
  return new AppError('DOC_UNSUPPORTED', {
    message: `Modest cannot read “${name}”. Drop a PDF, DOCX, TXT, MD, HTML, CSV or JSON file.`,
  });
}
