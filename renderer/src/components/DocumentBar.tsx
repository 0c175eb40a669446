import { useState } from 'react';
import type { DocumentInfo } from '../../../app/contract/index.js';
import { cancelDocument, openDocDialog, removeDocument, retryDocument, setDocumentCloud, summarize, unlockDocument } from '../documents.js';
import { bytes } from '../lib/format.js';
import { useApp, type Upload } from '../state.js';
import { CloseIcon, CloudIcon, FileIcon, LockIcon } from './icons.js';

const NO_DOCS: DocumentInfo[] = [];

/** Errors about the file's content: reading it again gives the same answer, so no Retry. */
const FINAL_ERRORS = new Set(['DOC_UNSUPPORTED', 'DOC_EMPTY', 'DOC_BINARY', 'DOC_CORRUPT', 'DOC_NO_TEXT', 'DOC_LIMIT']);

/** The conversation's documents as chips above the composer: status, progress and their tasks. */
export function DocumentBar({ conversationId, canRun }: { conversationId: string | null; canRun: boolean }) {
  const docs = useApp((s) => (conversationId ? (s.documents[conversationId] ?? NO_DOCS) : NO_DOCS));
  const uploads = useApp((s) => s.uploads);
  const mine = Object.values(uploads).filter((u) => u.conversationId === conversationId);
  if (docs.length === 0 && mine.length === 0) return null;
  const ready = docs.filter((d) => d.status === 'ready');
  return (
    <section className="doc-bar" aria-label="Documents in this conversation">
      <ul className="doc-chips">
        {mine.map((u) => (
          <UploadChip key={u.id} upload={u} />
        ))}
        {docs.map((d) => (
          <DocumentChip key={d.id} doc={d} canRun={canRun} />
        ))}
      </ul>
      {ready.length > 1 && (
        <div className="doc-bar-all">
          <span className="hint">All {ready.length} documents:</span>
          <button type="button" className="secondary small" disabled={!canRun} onClick={() => openDocDialog('ask', ready.map((d) => d.id))}>
            Ask all
          </button>
          <button type="button" className="secondary small" disabled={!canRun} onClick={() => openDocDialog('extract', ready.map((d) => d.id))}>
            Extract from all
          </button>
        </div>
      )}
    </section>
  );
}

function UploadChip({ upload }: { upload: Upload }) {
  const fraction = upload.sizeBytes > 0 ? upload.loaded / upload.sizeBytes : 0;
  return (
    <li className="doc-chip" data-status="uploading">
      <div className="doc-chip-head">
        <FileIcon size={16} />
        <span className="doc-name" title={upload.name}>
          {upload.name}
        </span>
        <button type="button" className="ghost icon small" aria-label={`Stop uploading ${upload.name}`} title="Stop uploading" onClick={upload.cancel}>
          <CloseIcon size={14} />
        </button>
      </div>
      <div className="doc-meta">
        Uploading {bytes(upload.loaded)} of {bytes(upload.sizeBytes)}
      </div>
      <Progress fraction={fraction} label={`Uploading ${upload.name}`} />
    </li>
  );
}

function DocumentChip({ doc, canRun }: { doc: DocumentInfo; canRun: boolean }) {
  const busy = doc.status === 'queued' || doc.status === 'indexing';
  return (
    <li className="doc-chip" data-status={doc.status} aria-label={`${doc.name}: ${statusText(doc)}`}>
      <div className="doc-chip-head">
        <FileIcon size={16} />
        <span className="doc-name" title={doc.name}>
          {doc.name}
        </span>
        <button
          type="button"
          className="ghost icon small"
          aria-label={`Remove ${doc.name}`}
          title="Remove from this conversation"
          onClick={() => void removeDocument(doc)}
        >
          <CloseIcon size={14} />
        </button>
      </div>
      <div className="doc-meta">
        {[doc.kind?.toUpperCase(), doc.pages !== null ? `${doc.pages} page${doc.pages === 1 ? '' : 's'}` : null, bytes(doc.sizeBytes), statusText(doc)]
          .filter(Boolean)
          .join(' · ')}
      </div>
      {busy && (
        <>
          <Progress fraction={progressFraction(doc)} label={`Indexing ${doc.name}`} />
          <div className="doc-actions">
            <button type="button" className="secondary small" onClick={() => void cancelDocument(doc.id)}>
              Cancel
            </button>
          </div>
        </>
      )}
      {doc.status === 'error' && <ChipError doc={doc} />}
      {doc.status === 'cancelled' && (
        <div className="doc-actions">
          <button type="button" className="secondary small" onClick={() => void retryDocument(doc.id)}>
            Resume
          </button>
        </div>
      )}
      {doc.status === 'ready' && (
        <div className="doc-actions">
          <button type="button" className="secondary small" disabled={!canRun} onClick={() => summarize(doc)}>
            Summarize
          </button>
          <button type="button" className="secondary small" disabled={!canRun} onClick={() => openDocDialog('ask', [doc.id])}>
            Ask
          </button>
          <button type="button" className="secondary small" disabled={!canRun} onClick={() => openDocDialog('extract', [doc.id])}>
            Extract
          </button>
          <button
            type="button"
            className={`ghost small icon-only ${doc.allowCloud ? 'pressed' : ''}`}
            aria-pressed={doc.allowCloud}
            aria-label={doc.allowCloud ? 'Cloud allowed for this document' : 'Local only'}
            title={
              doc.allowCloud
                ? 'This document’s text may be offered to the cloud model (you approve each send). Click to keep it local.'
                : 'Local only: nothing from this document leaves this computer. Click to allow offering it to the cloud.'
            }
            onClick={() => void setDocumentCloud(doc.id, !doc.allowCloud)}
          >
            {doc.allowCloud ? <CloudIcon size={14} /> : <LockIcon size={14} />}
          </button>
        </div>
      )}
    </li>
  );
}

function ChipError({ doc }: { doc: DocumentInfo }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="doc-error" role="alert">
      <p>{doc.error?.message ?? 'This file could not be read.'}</p>
      {doc.needsPassword ? (
        <form
          className="doc-password"
          onSubmit={(e) => {
            e.preventDefault();
            if (password === '') return;
            void unlockDocument(doc.id, password).then(setError);
            setPassword('');
          }}
        >
          <input
            type="password"
            aria-label={`Password for ${doc.name}`}
            placeholder="PDF password"
            value={password}
            autoComplete="off"
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className="secondary small" disabled={password === ''}>
            Open
          </button>
          {error && <span className="form-error">{error}</span>}
        </form>
      ) : (
        !FINAL_ERRORS.has(doc.error?.code ?? '') && (
          <button type="button" className="secondary small" onClick={() => void retryDocument(doc.id)}>
            Retry
          </button>
        )
      )}
    </div>
  );
}

function Progress({ fraction, label }: { fraction: number | null; label: string }) {
  const pct = fraction === null ? null : Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <div
      className={`progress ${pct === null ? 'indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct ?? undefined}
    >
      <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
    </div>
  );
}

function progressFraction(doc: DocumentInfo): number | null {
  const p = doc.progress;
  if (!p || p.total === null || p.total <= 0) return null;
  return p.done / p.total;
}

function statusText(doc: DocumentInfo): string {
  switch (doc.status) {
    case 'queued':
      return 'Waiting…';
    case 'indexing': {
      const p = doc.progress;
      if (!p || p.done === 0) return 'Reading…';
      if (p.total !== null && p.done >= p.total) return 'Counting tokens for this model…';
      if (p.unit === 'pages') return `Reading page ${p.done}${p.total ? ` of ${p.total}` : ''}`;
      if (p.unit === 'bytes') return `Reading ${bytes(p.done)}${p.total ? ` of ${bytes(p.total)}` : ''}`;
      return `Reading ${p.done.toLocaleString()} ${p.unit}`;
    }
    case 'ready':
      return `Ready${doc.reused ? ' (indexed before)' : ''} · ${doc.chunks} passage${doc.chunks === 1 ? '' : 's'}${doc.tokens !== null ? ` · ${doc.tokens.toLocaleString()} tokens` : ''}`;
    case 'cancelled':
      return 'Stopped — Resume continues where it stopped';
    case 'error':
      return 'Could not be read';
  }
}
