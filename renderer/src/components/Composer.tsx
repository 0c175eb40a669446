import { useLayoutEffect, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import { clearComposerError, sendMessage, stopGeneration } from '../actions.js';
import { draftsEpoch, loadDraft, onDraftsCleared, saveDraft } from '../lib/drafts.js';
import { store, useApp } from '../state.js';
import { attachFiles } from '../documents.js';
import { CloudIcon, PaperclipIcon, SendIcon, StopIcon } from './icons.js';

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
  const epoch = useSyncExternalStore(onDraftsCleared, draftsEpoch);
  const seenEpoch = useRef(epoch);

  if (seenEpoch.current !== epoch) {
    // Every draft was deleted (Delete all my data): the text on screen goes too, and is not saved
    // back under the conversation that was open.
    seenEpoch.current = epoch;
    shown.current = conversationId;
    setTextState('');
  } else if (shown.current !== conversationId) {
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
  const cloudModel = useApp((s) =>
    s.status && s.status.settings.escalationMode !== 'off' && s.status.cloud.ready && !(s.conversations.find((c) => c.id === conversationId)?.keepLocal ?? false)
      ? s.status.settings.cloudModel
      : null,
  );

  const send = async (toCloud = false) => {
    if (!canSend || (toCloud && !cloudModel)) return;
    const sent = text;
    setText('');
    const ok = await sendMessage(sent, { toCloud });
    // Refused before it was saved (too long, no model...): give the text back.
    if (!ok) giveBack(sent);
  };

  /**
   * Gives refused text back to the chat open now. A refused first message leaves its just-made
   * conversation for the new chat again; if this box has not switched yet, the text goes into that
   * chat's stored draft, which the switch then loads.
   */
  const giveBack = (sent: string) => {
    const target = store.get().activeId;
    if (target === shown.current) setText((now) => (now === '' ? sent : now));
    else if (loadDraft(target) === '') saveDraft(target, sent, 0);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send(true);
    } else if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const hasDocs = useApp((s) => (conversationId ? (s.documents[conversationId] ?? []).some((d) => d.status === 'ready') : false));
  const placeholder = !modelReady ? 'Load a model to start chatting' : hasDocs ? 'Ask about the documents, or say “Summarize” or “Extract …”' : 'Message Modest';
  const fileInput = useRef<HTMLInputElement>(null);

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
        <input
          ref={fileInput}
          id="attach-input"
          type="file"
          multiple
          hidden
          accept=".pdf,.docx,.txt,.md,.markdown,.html,.htm,.csv,.json"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void attachFiles(files);
          }}
        />
        <button
          type="button"
          className="icon-button attach"
          onClick={() => fileInput.current?.click()}
          aria-label="Attach documents"
          title="Attach documents (Ctrl+O), or drop them anywhere on the window"
        >
          <PaperclipIcon size={18} />
        </button>
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
          <>
            {cloudModel && (
              <button
                type="button"
                className="icon-button cloud-send"
                disabled={!canSend}
                onClick={() => void send(true)}
                aria-label={`Send to ${cloudModel}`}
                title={`Send to ${cloudModel} in the cloud, skipping the local model (Ctrl+Shift+Enter)`}
              >
                <CloudIcon size={18} />
              </button>
            )}
            <button type="submit" className="icon-button send" disabled={!canSend} aria-label="Send" title="Send (Enter)">
              <SendIcon size={18} />
            </button>
          </>
        )}
      </div>
      <p className="composer-note">
        <kbd>Enter</kbd> to send · <kbd>Shift+Enter</kbd> for a new line ·{' '}
        {cloudModel ? 'Runs on this computer unless a reply goes to the cloud' : 'Runs on this computer'}; replies can be wrong.
      </p>
    </form>
  );
}
