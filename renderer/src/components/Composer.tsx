import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { clearComposerError, sendMessage, stopGeneration } from '../actions.js';
import { loadDraft, saveDraft } from '../lib/drafts.js';
import { SendIcon, StopIcon } from './icons.js';

export interface ComposerProps {
  conversationId: string | null;
  generating: boolean;
  stopping: boolean;
  modelReady: boolean;
  error: string | null;
}

/** The message box: Enter sends, Shift+Enter adds a line; while a reply streams, Stop replaces Send. */
export function Composer({ conversationId, generating, stopping, modelReady, error }: ComposerProps) {
  // One draft per conversation, kept while switching between them and across reloads.
  const [text, setTextState] = useState(() => loadDraft(conversationId));
  const ref = useRef<HTMLTextAreaElement>(null);
  const shown = useRef<string | null>(conversationId);

  if (shown.current !== conversationId) {
    saveDraft(shown.current, text, 0);
    shown.current = conversationId;
    setTextState(loadDraft(conversationId));
  }

  const setText = (next: string | ((now: string) => string)) => {
    setTextState((now) => {
      const value = typeof next === 'function' ? next(now) : next;
      saveDraft(shown.current, value);
      return value;
    });
  };

  // Grow with the text up to a limit, then scroll.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  const empty = text.trim() === '';
  const canSend = modelReady && !generating && !empty;

  const send = async () => {
    if (!canSend) return;
    const sent = text;
    setText('');
    const ok = await sendMessage(sent);
    // Refused before it was saved (too long, no model...): give the text back.
    if (!ok) setText((now) => (now === '' ? sent : now));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const placeholder = modelReady ? 'Message Modest' : 'Load a model to start chatting';

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {error && (
        <p className="composer-error" role="alert">
          {error}
        </p>
      )}
      <div className="composer-box">
        <textarea
          id="composer-input"
          ref={ref}
          aria-label="Message"
          rows={1}
          value={text}
          placeholder={placeholder}
          disabled={!modelReady}
          onChange={(e) => {
            setText(e.target.value);
            if (error) clearComposerError();
          }}
          onKeyDown={onKeyDown}
          autoFocus
        />
        {generating ? (
          <button
            type="button"
            className="icon-button stop"
            onClick={() => void stopGeneration(conversationId)}
            disabled={stopping}
            aria-label="Stop"
            title="Stop (Esc): keep what was written so far"
          >
            <StopIcon size={16} />
          </button>
        ) : (
          <button type="submit" className="icon-button send" disabled={!canSend} aria-label="Send" title="Send (Enter)">
            <SendIcon size={18} />
          </button>
        )}
      </div>
      <p className="composer-note">
        <kbd>Enter</kbd> to send · <kbd>Shift+Enter</kbd> for a new line · Runs on this computer; replies can be wrong.
      </p>
    </form>
  );
}
