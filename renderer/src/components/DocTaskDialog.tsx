import { useState } from 'react';
import { closeDocDialog, submitDocTask } from '../documents.js';
import { useApp } from '../state.js';
import { Dialog } from './Dialog.js';

/** Ask a question about documents, or name the fields (or give a JSON schema) to extract. */
export function DocTaskDialog() {
  const dialog = useApp((s) => s.docDialog);
  const names = useApp((s) => {
    const d = s.docDialog;
    if (!d || !s.activeId) return '';
    return (s.documents[s.activeId] ?? [])
      .filter((x) => d.documentIds.includes(x.id))
      .map((x) => x.name)
      .join(', ');
  });
  return (
    <Dialog
      open={dialog !== null}
      onClose={closeDocDialog}
      title={dialog?.kind === 'extract' ? `Extract from ${names}` : `Ask about ${names}`}
      className="doc-task-dialog"
    >
      {dialog?.kind === 'ask' && <AskForm />}
      {dialog?.kind === 'extract' && <ExtractForm />}
    </Dialog>
  );
}

function AskForm() {
  const [question, setQuestion] = useState('');
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        if (question.trim() !== '') void submitDocTask({ kind: 'ask', question });
      }}
    >
      <label htmlFor="doc-question">Question</label>
      <textarea id="doc-question" rows={3} value={question} autoFocus onChange={(e) => setQuestion(e.target.value)} placeholder="What is the notice period?" />
      <p className="hint">The answer comes from the best-matching passages, with citations like [p. 12]: click one to read the passage.</p>
      <div className="row end">
        <button type="button" className="secondary" onClick={closeDocDialog}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={question.trim() === ''}>
          Ask
        </button>
      </div>
    </form>
  );
}

function ExtractForm() {
  const [mode, setMode] = useState<'fields' | 'schema'>('fields');
  const [fields, setFields] = useState('');
  const [schema, setSchema] = useState('{\n  "type": "object",\n  "properties": {\n    "party": { "type": "string" },\n    "amount": { "type": "number" }\n  }\n}');
  const list = fields
    .split(/[,\n]/)
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        if (mode === 'fields' && list.length > 0) void submitDocTask({ kind: 'extract', fields: list });
        if (mode === 'schema' && schema.trim() !== '') void submitDocTask({ kind: 'extract', schema });
      }}
    >
      <div className="segmented" role="radiogroup" aria-label="How to describe the fields">
        <label>
          <input type="radio" name="extract-mode" checked={mode === 'fields'} onChange={() => setMode('fields')} /> Field names
        </label>
        <label>
          <input type="radio" name="extract-mode" checked={mode === 'schema'} onChange={() => setMode('schema')} /> JSON schema
        </label>
      </div>
      {mode === 'fields' ? (
        <>
          <label htmlFor="doc-fields">Fields, separated by commas</label>
          <input id="doc-fields" value={fields} autoFocus onChange={(e) => setFields(e.target.value)} placeholder="tenant, monthly rent, start date" />
        </>
      ) : (
        <>
          <label htmlFor="doc-schema">JSON schema (top level: an object)</label>
          <textarea id="doc-schema" className="mono" rows={9} value={schema} onChange={(e) => setSchema(e.target.value)} spellCheck={false} />
        </>
      )}
      <p className="hint">The model’s output is constrained to this shape, so it is always valid JSON. The result is a table you can export as CSV or JSON.</p>
      <div className="row end">
        <button type="button" className="secondary" onClick={closeDocDialog}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={mode === 'fields' ? list.length === 0 : schema.trim() === ''}>
          Extract
        </button>
      </div>
    </form>
  );
}
