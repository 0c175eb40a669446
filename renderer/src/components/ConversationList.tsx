import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Conversation } from '../../../app/contract/index.js';
import { deleteConversation, openConversation, renameConversation } from '../actions.js';
import { when } from '../lib/format.js';
import { useApp } from '../state.js';
import { PencilIcon, TrashIcon } from './icons.js';

/** Every conversation, newest first. */
export function ConversationList() {
  const conversations = useApp((s) => s.conversations);
  const loaded = useApp((s) => s.conversationsLoaded);
  const activeId = useApp((s) => s.activeId);
  const generations = useApp((s) => s.generations);

  if (loaded && conversations.length === 0) {
    return <p className="sidebar-empty">No conversations yet. Your chats are saved on this computer.</p>;
  }
  return (
    <ul className="conversation-list" aria-label="Conversations">
      {conversations.map((c) => (
        <ConversationItem key={c.id} conversation={c} active={c.id === activeId} busy={Boolean(generations[c.id])} />
      ))}
    </ul>
  );
}

const ConversationItem = memo(function ConversationItem({
  conversation: c,
  active,
  busy,
}: {
  conversation: Conversation;
  active: boolean;
  busy: boolean;
}) {
  const [editing, setEditing] = useState(false);
  return (
    <li className={`conversation ${active ? 'active' : ''}`}>
      {editing ? (
        <RenameBox conversation={c} onDone={() => setEditing(false)} />
      ) : (
        <>
          <button
            type="button"
            className="conversation-open"
            aria-current={active ? 'page' : undefined}
            onClick={() => void openConversation(c.id)}
            onDoubleClick={() => setEditing(true)}
            title={c.title}
          >
            <span className="conversation-title">{c.title}</span>
            <span className="conversation-when" aria-hidden="true">
              {busy ? <span className="dot" /> : when(c.updatedAt)}
            </span>
          </button>
          <div className="conversation-actions">
            <button type="button" className="ghost icon" aria-label={`Rename “${c.title}”`} title="Rename" onClick={() => setEditing(true)}>
              <PencilIcon size={14} />
            </button>
            <button
              type="button"
              className="ghost icon danger"
              aria-label={`Delete “${c.title}”`}
              title="Delete (you can undo)"
              onClick={() => void deleteConversation(c.id)}
            >
              <TrashIcon size={14} />
            </button>
          </div>
        </>
      )}
    </li>
  );
});

function RenameBox({ conversation, onDone }: { conversation: Conversation; onDone: () => void }) {
  const [title, setTitle] = useState(conversation.title);
  const ref = useRef<HTMLInputElement>(null);
  const saving = useRef(false);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);

  const save = async () => {
    if (saving.current) return;
    saving.current = true;
    if (title.trim() && title.trim() !== conversation.title) await renameConversation(conversation.id, title);
    onDone();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      saving.current = true;
      onDone();
    }
  };
  return (
    <input
      ref={ref}
      className="rename-input"
      aria-label="Conversation title"
      value={title}
      maxLength={200}
      onChange={(e) => setTitle(e.target.value)}
      onKeyDown={onKeyDown}
      onBlur={() => void save()}
    />
  );
}
