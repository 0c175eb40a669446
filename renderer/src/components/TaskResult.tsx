import { useState } from 'react';
import type { Extraction, Message } from '../../../app/contract/index.js';
import { openPassage } from '../documents.js';
import { toCsv } from '../lib/csv.js';
import { downloadText } from '../lib/download.js';
import { useApp } from '../state.js';
import { DownloadIcon } from './icons.js';

const SOURCES_SHOWN = 8;

/** What a document task adds under its answer: progress while it runs, sources, the extracted table. */
export function TaskResult({ message, streaming }: { message: Message; streaming: boolean }) {
  const progress = useApp((s) => s.taskProgress[message.id] ?? null);
  const task = message.task;
  if (!task) return null;
  return (
    <div className="task-result">
      {streaming && progress && (
        <div className="task-progress" role="status">
          <span>{progress.label}</span>
          <div className="progress" role="progressbar" aria-label={progress.label} aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done}>
            <div className="progress-fill" style={{ width: `${Math.round((progress.done / Math.max(1, progress.total)) * 100)}%` }} />
          </div>
        </div>
      )}
      {task.extraction && task.extraction.rows.length > 0 && message.escalation?.state !== 'escalated' && <ExtractionTable extraction={task.extraction} />}
      {!streaming && task.sources.length > 0 && <Sources message={message} />}
      {!streaming && task.kind === 'summarize' && task.parts !== null && (
        <p className="hint">Summarized in {task.parts} parts, then combined (the document is longer than the model’s context).</p>
      )}
    </div>
  );
}

/** The passages the model was given; cited ones stand out. Long lists fold after the first few. */
function Sources({ message }: { message: Message }) {
  const [all, setAll] = useState(false);
  const task = message.task!;
  const shown = all ? task.sources : task.sources.slice(0, SOURCES_SHOWN);
  return (
    <div className="task-sources">
      <span className="hint">{task.kind === 'ask' ? 'Passages read:' : 'Read from:'}</span>
      {shown.map((c) => (
        <button
          key={c.chunkId}
          type="button"
          className={`citation ${task.citations.some((x) => x.chunkId === c.chunkId) ? 'cited' : ''}`}
          onClick={() => void openPassage(c.chunkId)}
          title="Show this passage"
        >
          {c.label}
        </button>
      ))}
      {task.sources.length > SOURCES_SHOWN && (
        <button type="button" className="ghost small" onClick={() => setAll((v) => !v)} aria-expanded={all}>
          {all ? 'Show fewer' : `Show all ${task.sources.length}`}
        </button>
      )}
    </div>
  );
}

function ExtractionTable({ extraction }: { extraction: Extraction }) {
  const { columns, rows } = extraction;
  return (
    <div className="extraction">
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c}>{r[c] === null || r[c] === undefined ? <span className="hint">—</span> : String(r[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="message-actions">
        <button type="button" className="ghost small" onClick={() => downloadText('extraction.csv', 'text/csv', toCsv(extraction))}>
          <DownloadIcon size={14} />
          <span>CSV</span>
        </button>
        <button type="button" className="ghost small" onClick={() => downloadText('extraction.json', 'application/json', JSON.stringify(rows, null, 2))}>
          <DownloadIcon size={14} />
          <span>JSON</span>
        </button>
      </div>
    </div>
  );
}
