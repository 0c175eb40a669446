import { useEffect } from 'react';
import { openSettings } from '../actions.js';
import { useApp } from '../state.js';
import { MenuIcon } from './icons.js';

/** The conversation's title and the model it talks to. */
export function ChatHeader({ onToggleSidebar }: { onToggleSidebar: () => void }) {
  const title = useApp((s) => (s.activeId ? (s.conversations.find((c) => c.id === s.activeId)?.title ?? '') : 'New chat'));
  const model = useApp((s) => s.status?.model ?? null);
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
