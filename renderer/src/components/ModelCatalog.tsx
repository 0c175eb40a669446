import { useId } from 'react';
import type { CatalogItem, ModelsOverview } from '../../../app/contract/index.js';
import { bytes, params } from '../lib/format.js';
import { CatalogActions } from './CatalogActions.js';
import { FitBadge } from './FitBadge.js';

/** Every catalog model, labelled for this machine, each with what can be done with it now. */
export function ModelCatalog({ overview }: { overview: ModelsOverview }) {
  return (
    <ul className="catalog" aria-label="Models you can download">
      {overview.catalog.map((item) => (
        <CatalogRow key={item.entry.id} item={item} overview={overview} recommended={item.entry.id === overview.recommendedId} />
      ))}
    </ul>
  );
}

function CatalogRow({ item, overview, recommended }: { item: CatalogItem; overview: ModelsOverview; recommended: boolean }) {
  const e = item.entry;
  const headingId = useId();
  return (
    <li className="catalog-item" aria-labelledby={headingId}>
      <div className="catalog-head">
        <h4 id={headingId}>{e.name}</h4>
        {recommended && <span className="badge accent">Recommended</span>}
        {e.gated && (
          <span className="badge muted" title="The publisher asks each person to accept the license before downloading.">
            Gated
          </span>
        )}
        <FitBadge fit={item.fit} />
      </div>
      <p className="catalog-desc">{e.description}</p>
      <p className="catalog-facts">
        <span>{params(e.paramsB)} parameters</span>
        <span>{e.quant}</span>
        <span>{bytes(e.sizeBytes)}</span>
        <span>{e.contextLength.toLocaleString('en-US')}-token context</span>
        <a href={e.license.url} target="_blank" rel="noreferrer noopener">
          {e.license.name}
        </a>
      </p>
      {item.fit.label !== 'fits' && <p className={`fit-note fit-${item.fit.label}`}>{item.fit.note}</p>}
      <CatalogActions item={item} overview={overview} />
    </li>
  );
}
