import { dismissToast } from '../actions.js';
import { useApp } from '../state.js';
import { CloseIcon } from './icons.js';

/** Short notices at the bottom; errors stay longer, and some carry an action such as Undo. */
export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`}>
          <span>{t.text}</span>
          {t.action && (
            <button type="button" className="toast-action" onClick={t.action.run}>
              {t.action.label}
            </button>
          )}
          <button type="button" className="ghost icon" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            <CloseIcon size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
