import { useEffect, useId } from 'react';
import type { ModelsOverview } from '../../../app/contract/index.js';
import { bytes, hardwareSummary, params } from '../lib/format.js';
import { loadInstalled, refreshModels } from '../models.js';
import { useApp } from '../state.js';
import { CatalogActions } from './CatalogActions.js';
import { FitBadge } from './FitBadge.js';
import { ChipIcon } from './icons.js';
import { ImportModel, useImport, useModelDrop } from './ImportModel.js';
import { ModelCatalog } from './ModelCatalog.js';

/**
 * First run, and whenever no model is ready: three ways in. The recommended model for this
 * machine (one button downloads and starts it), another from the catalog, or a .gguf file
 * already on this computer. Models already installed can be loaded at once.
 */
export function Welcome() {
  const overview = useApp((s) => s.models.overview);
  const overviewError = useApp((s) => s.models.error);
  const model = useApp((s) => s.status?.model ?? null);
  const loadError = useApp((s) => s.modelLoadError);
  const imp = useImport();
  const drop = useModelDrop(imp, true);
  const titleId = useId();

  useEffect(() => {
    void refreshModels();
  }, []);

  // The exact reason the last model could not be loaded (one alert at a time: an import error wins).
  const failure = loadError ?? (model?.state === 'error' ? model.message : null);

  return (
    <section className={`model-gate first-run ${drop.dragging ? 'drop-target' : ''}`} aria-labelledby={titleId} {...drop.handlers}>
      <div className="gate-icon" aria-hidden="true">
        <ChipIcon size={28} />
      </div>
      <h2 id={titleId}>Choose a model to start chatting</h2>
      <p className="first-run-intro">Modest runs a language model on this computer: nothing you write leaves it.</p>
      {failure && !imp.error && (
        <p className="form-error gate-failure" role="alert">
          {failure}
        </p>
      )}

      {overview ? (
        <>
          <RecommendedCard overview={overview} />
          <InstalledQuickList overview={overview} />
          <details className="first-run-more">
            <summary>Choose another model</summary>
            <ModelCatalog overview={overview} />
          </details>
        </>
      ) : overviewError ? (
        <div className="first-run-unavailable">
          <p className="hint">The model catalog could not be read: {overviewError}</p>
          <button type="button" className="secondary" onClick={() => void refreshModels()}>
            Try again
          </button>
        </div>
      ) : (
        <p className="hint first-run-looking" aria-live="polite">
          Looking at this computer…
        </p>
      )}

      <section className="first-run-import" aria-labelledby={`${titleId}-import`}>
        <h3 id={`${titleId}-import`}>Use a model file on this computer</h3>
        <ImportModel imp={imp} />
      </section>
    </section>
  );
}

function RecommendedCard({ overview }: { overview: ModelsOverview }) {
  const item = overview.catalog.find((i) => i.entry.id === overview.recommendedId) ?? overview.catalog[0];
  const titleId = useId();
  if (!item) return null;
  const e = item.entry;
  const hw = overview.hardware;
  return (
    <article className="recommended-card" aria-labelledby={titleId}>
      <p className="eyebrow">Recommended for this computer</p>
      <div className="recommended-head">
        <h3 id={titleId}>{e.name}</h3>
        <span className="recommended-size">{bytes(e.sizeBytes)}</span>
      </div>
      <p className="catalog-desc">{e.description}</p>
      <p className="catalog-facts">
        <span>{params(e.paramsB)} parameters</span>
        <span>{e.quant}</span>
        <span>{e.contextLength.toLocaleString('en-US')}-token context</span>
        <a href={e.license.url} target="_blank" rel="noreferrer noopener">
          {e.license.name}
        </a>
      </p>
      <FitBadge fit={item.fit} showNote />
      <p className="hardware-line">
        <ChipIcon size={14} /> {hardwareSummary(hw)}
      </p>
      {hw.gpuNote && <p className="hint">{hw.gpuNote}</p>}
      <CatalogActions item={item} overview={overview} primary downloadLabel="Download and start" />
    </article>
  );
}

function InstalledQuickList({ overview }: { overview: ModelsOverview }) {
  const loading = useApp((s) => s.status?.model.state === 'loading');
  const titleId = useId();
  if (overview.installed.length === 0) return null;
  return (
    <section className="installed-quick" aria-labelledby={titleId}>
      <h3 id={titleId}>Already on this computer</h3>
      <ul>
        {overview.installed.map((m) => (
          <li key={m.id}>
            <span className="installed-name" title={m.path}>
              {m.name}
            </span>
            <span className="hint">{bytes(m.sizeBytes)}</span>
            <button type="button" className="secondary" disabled={loading} aria-label={`Load ${m.name}`} onClick={() => void loadInstalled(m.id)}>
              Load
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
