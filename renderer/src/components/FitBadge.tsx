import type { Fit } from '../../../app/contract/index.js';

const LABELS: Record<Fit['label'], string> = { fits: 'Fits', tight: 'Tight', 'wont-fit': 'Won’t fit' };

/** Whether a model suits this machine: a coloured word, and (when asked) the reason in numbers. */
export function FitBadge({ fit, showNote = false }: { fit: Fit; showNote?: boolean }) {
  return (
    <span className={`fit fit-${fit.label}`}>
      <span className="badge fit-badge" title={fit.note}>
        {LABELS[fit.label]}
      </span>
      {showNote && <span className="fit-note">{fit.note}</span>}
    </span>
  );
}
