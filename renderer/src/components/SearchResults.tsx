import { openConversation } from '../actions.js';
import { snippetParts, when } from '../lib/format.js';
import { useApp } from '../state.js';

/** Search hits with their snippet (matches highlighted); opening one scrolls to that message. */
export function SearchResults() {
  const hits = useApp((s) => s.searchHits);
  const error = useApp((s) => s.searchError);
  const query = useApp((s) => s.searchQuery);

  if (error) return <p className="sidebar-empty form-error">{error}</p>;
  if (hits === null) return <p className="sidebar-empty" aria-live="polite">Searching…</p>;
  if (hits.length === 0) return <p className="sidebar-empty" aria-live="polite">No messages match “{query.trim()}”.</p>;
  return (
    <>
      <p className="visually-hidden" aria-live="polite">
        {hits.length} result{hits.length === 1 ? '' : 's'}
      </p>
      <ul className="search-results" aria-label="Search results">
        {hits.map((h) => (
          <li key={h.messageId}>
            <button type="button" className="search-hit" onClick={() => void openConversation(h.conversationId, h.messageId)}>
              <span className="search-hit-head">
                <span className="conversation-title">{h.conversationTitle}</span>
                <span className="conversation-when">{when(h.createdAt)}</span>
              </span>
              <span className="snippet">
                <span className="snippet-role">{h.role === 'user' ? 'You: ' : 'Modest: '}</span>
                {snippetParts(h.snippet).map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
