import { useEffect } from 'react';
import { openDashboard, openSettings, setKeepLocal } from '../actions.js';
import { useApp } from '../state.js';
import { LockIcon, MenuIcon } from './icons.js';

/** The conversation's title and the model it talks to. */
export function ChatHeader({ onToggleSidebar }: { onToggleSidebar: () => void }) {
  const title = useApp((s) => (s.activeId ? (s.conversations.find((c) => c.id === s.activeId)?.title ?? '') : 'New chat'));
  const model = useApp((s) => s.status?.model ?? null);
  const activeId = useApp((s) => s.activeId);
  const keepLocal = useApp((s) => s.conversations.find((c) => c.id === s.activeId)?.keepLocal ?? false);
  const mode = useApp((s) => s.status?.settings.escalationMode ?? 'off');
  const modelLabel =
    model?.state === 'ready' ? model.model.name : model?.state === 'loading' ? 'Loading model…' : model ? 'No model loaded' : '';
  useEffect(() => {
    document.title = title && title !== 'New chat' ? `${title} · Modest` : 'Modest';
  }, [title]);
  return (
    <header className="chat-header">
      <button type="button" className="ghost icon menu-toggle" aria-label="Show conversations" onClick={onToggleSidebar}>
        <MenuIcon />
      </button>
      <h1 className="chat-title">{title}</h1>
      {activeId && mode !== 'off' && (
        <button
          type="button"
          className={`ghost small keep-local ${keepLocal ? 'pressed' : ''}`}
          aria-pressed={keepLocal}
          onClick={() => void setKeepLocal(activeId, !keepLocal)}
          title={keepLocal ? 'This conversation never goes to the cloud. Click to allow it.' : 'Keep this conversation on this computer, whatever the mode'}
        >
          <LockIcon size={14} />
          <span>{keepLocal ? 'Kept local' : 'Keep local'}</span>
        </button>
      )}
      <button type="button" className="ghost small" onClick={() => openDashboard()} title="What ran locally, what went to the cloud, and what that saved">
        Usage
      </button>
      {modelLabel && (
        <button
          type="button"
          className={`model-pill ${model?.state ?? ''}`}
          onClick={() => openSettings()}
          title="Model details and settings"
          aria-label={`Model details: ${modelLabel}`}
        >
          <span className="status-dot" aria-hidden="true" />
          {modelLabel}
        </button>
      )}
    </header>
  );
}
