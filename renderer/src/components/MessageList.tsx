import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Message } from '../../../app/contract/index.js';
import { clearFocusMessage } from '../actions.js';
import { MessageView } from './Message.js';

/** Messages this close to the end always render fully, so scrolling to the end lands exactly. */
const EAGER_TAIL = 8;

export interface MessageListProps {
  conversationId: string | null;
  messages: Message[];
  streamingId: string | null;
  canAct: boolean;
  focusMessageId: string | null;
}

/**
 * The conversation as a live log. It follows the end while a reply streams, unless the reader
 * scrolled up; then a "Jump to latest" button appears instead.
 */
export function MessageList({ conversationId, messages, streamingId, canAct, focusMessageId }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [atEnd, setAtEnd] = useState(true);
  const [flash, setFlash] = useState<string | null>(null);

  const lastReplyId = findLast(messages, (m) => m.role === 'assistant')?.id ?? null;

  const scrollToEnd = useCallback((smooth = false) => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTo({ top: el.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    stick.current = true;
    setAtEnd(true);
  }, []);

  // A conversation opens at its end (the search effect below may then move to a hit).
  useLayoutEffect(() => {
    scrollToEnd();
  }, [conversationId, scrollToEnd]);

  // Follow new text (and the footer a finished reply gains) while the reader is at the end.
  useLayoutEffect(() => {
    if (stick.current) scrollToEnd();
  }, [messages, scrollToEnd]);

  // Search result: scroll it into view and highlight it for a moment.
  useEffect(() => {
    if (!focusMessageId) return;
    const el = document.getElementById(`message-${focusMessageId}`);
    if (!el) return;
    stick.current = false;
    el.scrollIntoView({ block: 'center' });
    setFlash(focusMessageId);
    const t = setTimeout(() => {
      setFlash(null);
      clearFocusMessage();
    }, 2400);
    return () => clearTimeout(t);
  }, [focusMessageId, messages.length]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const near = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    stick.current = near;
    if (near !== atEnd) setAtEnd(near);
  };

  return (
    <div className="scroller" ref={scroller} onScroll={onScroll}>
      <div className="messages" role="log" aria-label="Messages" aria-live="polite" aria-relevant="additions text" aria-busy={streamingId !== null}>
        {messages.map((m, i) => (
          <MessageView
            key={m.id}
            message={m}
            streaming={m.id === streamingId}
            isLastReply={m.id === lastReplyId && i === messages.length - 1}
            canAct={canAct}
            highlighted={m.id === flash}
            lazy={i < messages.length - EAGER_TAIL}
          />
        ))}
      </div>
      {!atEnd && (
        <button type="button" className="jump secondary" onClick={() => scrollToEnd(true)}>
          Jump to latest
        </button>
      )}
    </div>
  );
}

function findLast<T>(list: readonly T[], pred: (x: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return list[i];
  return undefined;
}
