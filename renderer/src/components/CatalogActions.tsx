import { useId, useState } from 'react';
import type { CatalogItem, ModelsOverview } from '../../../app/contract/index.js';
import { installedOf, loadInstalled, saveHuggingFaceToken, startDownload } from '../models.js';
import { useApp } from '../state.js';
import { DownloadProgress } from './DownloadProgress.js';

/**
 * What can be done with one catalog model right now: Load it (installed), follow its download,
 * or download it — for a gated model only once its license is accepted and a token is saved.
 */
export function CatalogActions({
  item,
  overview,
  downloadLabel = 'Download',
  primary = false,
}: {
  item: CatalogItem;
  overview: ModelsOverview;
  downloadLabel?: string;
  primary?: boolean;
}) {
  const model = useApp((s) => s.status?.model ?? null);
  const busy = useApp((s) => s.models.busy[item.entry.id] ?? false);
  const startError = useApp((s) => s.models.startErrors[item.entry.id] ?? null);
  const [accepted, setAccepted] = useState(false);
  const acceptId = useId();
  const installed = installedOf(overview, item);
  const d = item.download;

  if (installed && (d === null || d.state === 'done')) {
    const loaded = model?.state === 'ready' ? model.model.path === installed.path : installed.loaded;
    const loading = model?.state === 'loading';
    if (loaded) return <span className="badge live">Loaded</span>;
    return (
      <div className="catalog-actions">
        <span className="badge">Installed</span>
        <button type="button" className={primary ? 'primary big' : 'secondary'} disabled={loading} onClick={() => void loadInstalled(installed.id)}>
          {primary ? 'Start chatting' : 'Load'}
        </button>
      </div>
    );
  }
  if (d && d.state !== 'done') return <DownloadProgress item={item} download={d} />;

  const gated = item.entry.gated;
  const needsToken = gated && !overview.hasHuggingFaceToken;
  const blocked = gated && (!accepted || needsToken);
  return (
    <div className="catalog-actions column">
      {gated && (
        <div className="gated">
          <label className="check" htmlFor={acceptId}>
            <input id={acceptId} type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
            <span>I accept the {item.entry.license.name} license</span>
          </label>
          <a href={item.entry.license.url} target="_blank" rel="noreferrer noopener" className="license-link">
            Read the license
          </a>
          {needsToken && <TokenForm />}
        </div>
      )}
      <button
        type="button"
        className={primary ? 'primary big' : 'secondary'}
        disabled={busy || blocked}
        onClick={() => void startDownload(item.entry.id, gated ? { acceptLicense: true } : {})}
      >
        {downloadLabel}
      </button>
      {startError && (
        <p className="form-error" role="alert">
          {startError}
        </p>
      )}
    </div>
  );
}

/** Gated models are served only with a Hugging Face token. */
function TokenForm() {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  return (
    <form
      className="token-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        const err = await saveHuggingFaceToken(value);
        setBusy(false);
        setError(err);
        if (!err) setValue('');
      }}
    >
      <label htmlFor={id}>Hugging Face token</label>
      <div className="gate-row">
        <input
          id={id}
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="hf_…"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : `${id}-help`}
        />
        <button type="submit" className="secondary" disabled={busy || value.trim() === ''}>
          Save token
        </button>
      </div>
      {error ? (
        <p id={`${id}-error`} className="form-error" role="alert">
          {error}
        </p>
      ) : (
        <small id={`${id}-help`} className="hint">
          This model is gated: accept its license on Hugging Face, then save a read token from your account settings.
        </small>
      )}
    </form>
  );
}
