import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Message } from '../../../app/contract/index.js';
import { editAndResend, rateMessage, regenerate } from '../actions.js';
import { useApp } from '../state.js';
import { EscalationNote } from './Escalation.js';
import { CopyButton } from './CopyButton.js';
import { PencilIcon, RefreshIcon, ThumbDownIcon, ThumbUpIcon } from './icons.js';
import { Markdown } from './Markdown.js';
import { MessageMeta } from './MessageMeta.js';
import { TaskResult } from './TaskResult.js';

export interface MessageProps {
  message: Message;
  /** This reply is being written right now. */
  streaming: boolean;
  /** Regenerate is offered on the last reply only. */
  isLastReply: boolean;
  /** False while a reply is being written in this conversation or no model is loaded. */
  canAct: boolean;
  highlighted: boolean;
  /** Messages far from the end may skip layout while off screen (content-visibility). */
  lazy: boolean;
}

/** One message; memoized so a streaming reply re-renders only itself. */
export const MessageView = memo(function MessageView(props: MessageProps) {
  const { message, highlighted, lazy } = props;
  const cls = ['message', message.role, highlighted ? 'highlighted' : '', lazy ? 'lazy' : ''].filter(Boolean).join(' ');
  return (
    <article className={cls} id={`message-${message.id}`} aria-label={message.role === 'user' ? 'You' : 'Modest'} data-status={message.status}>
      {message.role === 'user' ? <UserMessage {...props} /> : <AssistantMessage {...props} />}
    </article>
  );
});

function UserMessage({ message, canAct }: MessageProps) {
  const [editing, setEditing] = useState(false);
  if (editing) return <EditBox message={message} onDone={() => setEditing(false)} />;
  const pending = message.id.startsWith('pending-');
  return (
    <>
      <div className="bubble">{message.content}</div>
      <div className="message-actions">
        <CopyButton label="Copy message" getText={() => message.content} />
        <button
          type="button"
          className="ghost small"
          onClick={() => setEditing(true)}
          disabled={!canAct || pending}
          aria-label="Edit message"
          title="Edit this message and answer it again (the replies after it are replaced)"
        >
          <PencilIcon size={14} />
          <span>Edit</span>
        </button>
      </div>
    </>
  );
}

function EditBox({ message, onDone }: { message: Message; onDone: () => void }) {
  const [text, setText] = useState(message.content);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  // The box closes once the new reply streams; a refused edit (too long, busy...) keeps the text
  // here and says why.
  const submit = async () => {
    if (text.trim() === '' || sending) return;
    setSending(true);
    setError(null);
    const ok = await editAndResend(message, text, setError);
    setSending(false);
    if (ok) onDone();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onDone();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form
      className="edit-box"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        ref={ref}
        aria-label="Edit message"
        value={text}
        rows={Math.min(10, text.split('\n').length + 1)}
        onChange={(e) => {
          setText(e.target.value);
          if (error) setError(null);
        }}
        onKeyDown={onKeyDown}
        aria-invalid={error !== null}
        aria-describedby={error ? `edit-error-${message.id}` : undefined}
      />
      {error && (
        <p className="form-error" role="alert" id={`edit-error-${message.id}`}>
          {error}
        </p>
      )}
      <div className="edit-actions">
        <span className="hint">Replies after this message will be replaced.</span>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={text.trim() === '' || sending}>
          Save and send
        </button>
      </div>
    </form>
  );
}

function AssistantMessage({ message, streaming, isLastReply, canAct }: MessageProps) {
  const empty = message.content === '';
  return (
    <>
      <div className="reply-body">
        {empty && streaming ? (
          <p className="typing" aria-label="Modest is writing">
            <span />
            <span />
            <span />
          </p>
        ) : message.task?.extraction && message.escalation?.state !== 'escalated' ? null : (
          <Markdown text={message.content} citations={message.task ? [...message.task.citations, ...message.task.sources] : undefined} />
        )}
        <TaskResult message={message} streaming={streaming} />
        {message.status === 'error' && <p className="reply-error">{message.error ?? 'The reply failed.'}</p>}
      </div>
      <EscalationNote message={message} streaming={streaming} canAct={canAct} />
      <div className="message-footer">
        <MessageMeta message={message} streaming={streaming} />
        {!streaming && (
          <div className="message-actions">
            {!empty && <CopyButton label="Copy message" getText={() => message.content} />}
            {!empty && <Thumbs message={message} />}
            {isLastReply && !message.task && (
              <button
                type="button"
                className="ghost small"
                onClick={() => void regenerate(message)}
                disabled={!canAct}
                title="Write this reply again (sampled, so it will differ)"
              >
                <RefreshIcon size={14} />
                <span>Regenerate</span>
              </button>
            )}
          </div>
        )}
      </div>
    </>
  );
}

/** Thumbs up or down, stored as labels for calibrating the router later. */
function Thumbs({ message }: { message: Message }) {
  const rating = useApp((s) => s.ratings[message.id] ?? null);
  const button = (thumb: 'up' | 'down') => (
    <button
      type="button"
      className={`ghost small icon-only ${rating === thumb ? 'pressed' : ''}`}
      aria-pressed={rating === thumb}
      aria-label={thumb === 'up' ? 'Good answer' : 'Bad answer'}
      title={thumb === 'up' ? 'Good answer' : 'Bad answer'}
      onClick={() => void rateMessage(message, rating === thumb ? null : thumb)}
    >
      {thumb === 'up' ? <ThumbUpIcon size={14} /> : <ThumbDownIcon size={14} />}
    </button>
  );
  return (
    <>
      {button('up')}
      {button('down')}
    </>
  );
}
