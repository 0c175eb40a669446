import { useEffect, useState } from 'react';
import type { CloudPreview } from '../../../app/contract/index.js';
import { closePreview, sendToCloud } from '../actions.js';
import { usd } from '../lib/format.js';
import { useApp } from '../state.js';
import { Dialog } from './Dialog.js';

/**
 * Consent before anything leaves the machine: the exact text that would be sent (system prompt
 * and history), where to, and what it may cost. Edit changes the text; Send sends exactly it.
 */
export function PreviewDialog() {
  const preview = useApp((s) => s.preview);
  return (
    <Dialog open={preview !== null} onClose={closePreview} title="Send to the cloud?" className="preview-dialog">
      {preview && (preview.data ? <PreviewBody key={preview.message.id} data={preview.data} /> : <p className={preview.error ? 'form-error' : 'hint'} role={preview.error ? 'alert' : undefined}>{preview.error ?? 'Preparing the preview…'}</p>)}
    </Dialog>
  );
}

function PreviewBody({ data }: { data: CloudPreview }) {
  const message = useApp((s) => s.preview?.message ?? null);
  const [editing, setEditing] = useState(false);
  const [system, setSystem] = useState(data.system);
  const [turns, setTurns] = useState(data.turns);
  useEffect(() => {
    setSystem(data.system);
    setTurns(data.turns);
  }, [data]);
  if (!message) return null;
  const over = data.budget.spentUsd + data.budget.reservedUsd + data.maxCostUsd > data.budget.budgetUsd;
  return (
    <div className="preview">
      <p>
        To <strong>{data.model}</strong> at <code>{data.host}</code>: about {data.inputTokens.toLocaleString()} tokens.
        {data.priceKnown ? (
          <>
            {' '}
            Estimated cost <strong>{usd(data.estimatedCostUsd)}</strong> (at most {usd(data.maxCostUsd)}).
          </>
        ) : (
          ' Modest has no price for this model, so it cannot estimate the cost (add one in Settings).'
        )}
      </p>
      <p className="hint">
        This month: {usd(data.budget.spentUsd)} of your {usd(data.budget.budgetUsd)} cloud budget spent.
      </p>
      {over && (
        <p className="form-error" role="alert">
          This call could go over this month’s budget, so it would be refused. Raise the budget in Settings.
        </p>
      )}
      <div className="preview-payload" aria-label="Text to be sent">
        <h4>System prompt</h4>
        {editing ? (
          <textarea aria-label="System prompt to send" value={system} onChange={(e) => setSystem(e.target.value)} rows={3} />
        ) : (
          <pre>{system}</pre>
        )}
        {turns.map((t, i) => (
          <div key={i} className={`preview-turn ${t.role}`}>
            <h4>{t.role === 'user' ? 'You' : 'Assistant'}</h4>
            {editing ? (
              <textarea
                aria-label={`Message ${i + 1} to send`}
                value={t.content}
                rows={Math.min(8, t.content.split('\n').length + 1)}
                onChange={(e) => setTurns(turns.map((x, j) => (j === i ? { ...x, content: e.target.value } : x)))}
              />
            ) : (
              <pre>{t.content}</pre>
            )}
          </div>
        ))}
      </div>
      <div className="row end">
        <button type="button" className="secondary" onClick={closePreview}>
          Cancel
        </button>
        <button type="button" className="secondary" onClick={() => setEditing((v) => !v)} aria-pressed={editing}>
          {editing ? 'Done editing' : 'Edit'}
        </button>
        <button
          type="button"
          className="primary"
          disabled={over || turns.every((t) => t.content.trim() === '')}
          onClick={() => void sendToCloud(message, { system, turns })}
        >
          Send
        </button>
      </div>
    </div>
  );
}
