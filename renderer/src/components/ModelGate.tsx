import { useEffect } from 'react';
import type { ModelState } from '../../../app/contract/index.js';
import { loadInstalled, openModelCatalog, refreshModels } from '../models.js';
import { useApp } from '../state.js';
import { ChipIcon } from './icons.js';
import { useImport, useModelDrop } from './ImportModel.js';
import { Welcome } from './Welcome.js';

/**
 * Shown while no model is ready: the welcome screen (or, under a conversation, a compact strip),
 * loading progress, and the exact reason when a model could not be loaded.
 */
export function ModelGate({ compact = false }: { compact?: boolean }) {
  const model = useApp((s) => s.status?.model ?? null);
  if (!model || model.state === 'ready') return null;
  if (model.state === 'loading') {
    return (
      <section className={`model-gate ${compact ? 'compact' : ''}`} aria-labelledby="model-gate-title">
        {!compact && (
          <div className="gate-icon" aria-hidden="true">
            <ChipIcon size={28} />
          </div>
        )}
        <h2 id="model-gate-title">Loading the model…</h2>
        <Loading model={model} />
      </section>
    );
  }
  return compact ? <CompactGate model={model} /> : <Welcome />;
}

function Loading({ model }: { model: Extract<ModelState, { state: 'loading' }> }) {
  const pct = Math.round(model.progress * 100);
  return (
    <div className="gate-loading">
      <p className="gate-path" title={model.path}>
        {model.path}
      </p>
      <progress max={100} value={pct} aria-label="Model loading progress">
        {pct}%
      </progress>
      <p className="hint" aria-live="polite">
        {model.phase === 'tuning'
          ? `${pct}% · measuring the fastest thread count for this computer (once per model).`
          : `${pct}% · this takes a few seconds for small models, longer for large ones.`}
      </p>
    </div>
  );
}

/** Under an open conversation: why there is no model, and the quickest ways to get one. */
function CompactGate({ model }: { model: ModelState }) {
  const loadError = useApp((s) => s.modelLoadError);
  const installed = useApp((s) => s.models.overview?.installed ?? []);
  const imp = useImport();
  const drop = useModelDrop(imp, true);
  useEffect(() => {
    void refreshModels();
  }, []);
  const message = imp.error ?? loadError ?? (model.state === 'error' ? model.message : null);
  return (
    <section className={`model-gate compact ${drop.dragging ? 'drop-target' : ''}`} aria-labelledby="model-gate-title" {...drop.handlers}>
      <h2 id="model-gate-title">No model is loaded</h2>
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
      <div className="row wrap compact-gate-actions">
        {installed.slice(0, 3).map((m) => (
          <button key={m.id} type="button" className="secondary" onClick={() => void loadInstalled(m.id)}>
            Load {m.name}
          </button>
        ))}
        <button type="button" className="primary" onClick={() => openModelCatalog(true)}>
          {installed.length > 0 ? 'Other models…' : 'Choose a model…'}
        </button>
      </div>
    </section>
  );
}
