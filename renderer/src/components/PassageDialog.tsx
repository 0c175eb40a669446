import { closePassage } from '../documents.js';
import { useApp } from '../state.js';
import { Dialog } from './Dialog.js';

/** What a citation points at: the passage, where it is in its document. */
export function PassageDialog() {
  const passage = useApp((s) => s.passage);
  const p = passage?.data ?? null;
  const where = p ? (p.pageStart !== null ? (p.pageEnd !== null && p.pageEnd !== p.pageStart ? `pages ${p.pageStart}–${p.pageEnd}` : `page ${p.pageStart}`) : null) : null;
  return (
    <Dialog open={passage !== null} onClose={closePassage} title={p ? `${p.documentName}${where ? `, ${where}` : ''}` : 'Passage'} className="passage-dialog">
      {passage?.error && <p className="form-error">{passage.error}</p>}
      {!p && !passage?.error && <p className="hint">Loading the passage…</p>}
      {p && (
        <>
          {p.heading && !p.text.startsWith(p.heading) && <h3 className="passage-heading">{p.heading}</h3>}
          <blockquote className="passage-text">{p.text}</blockquote>
        </>
      )}
    </Dialog>
  );
}
