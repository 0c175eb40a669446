import type { Message } from '../../../app/contract/index.js';
import { askCloud } from '../actions.js';
import { percent } from '../lib/format.js';
import { useApp } from '../state.js';
import { CloudIcon } from './icons.js';
import { Markdown } from './Markdown.js';

/**
 * Where a reply came from and why: the cloud reply with the local draft it replaced, Ask mode's
 * offer, or the reason a cloud call did not happen (the local answer then stands).
 */
export function EscalationNote({ message, streaming, canAct }: { message: Message; streaming: boolean; canAct: boolean }) {
  const e = message.escalation;
  const mode = useApp((s) => s.status?.settings.escalationMode ?? 'off');
  const cloudModel = useApp((s) => s.status?.settings.cloudModel ?? 'the cloud model');
  const keepLocal = useApp((s) => s.conversations.find((c) => c.id === message.conversationId)?.keepLocal ?? false);
  const canAsk = canAct && !streaming && mode !== 'off' && !keepLocal;

  if (!e) {
    // Any local answer may still be sent on request (Ask or Auto), which also labels it.
    if (!canAsk || message.stats?.route !== 'local' || message.status !== 'complete' || message.task) return null;
    return (
      <div className="escalation quiet">
        <button type="button" className="ghost small" onClick={() => void askCloud(message)} title="Send this question to the cloud model">
          <CloudIcon size={14} />
          <span>Ask {cloudModel}</span>
        </button>
      </div>
    );
  }
  switch (e.state) {
    case 'offered':
      return (
        <div className="escalation offered" role="note">
          <p>
            This local answer may be wrong: <span className="reason">{e.reason}</span>.
          </p>
          <button type="button" className="secondary small" disabled={!canAsk} onClick={() => void askCloud(message)}>
            <CloudIcon size={14} />
            <span>Ask {e.cloudModel ?? cloudModel}</span>
          </button>
        </div>
      );
    case 'escalated':
      return (
        <div className="escalation escalated">
          <p>
            <CloudIcon size={14} /> {streaming ? 'Asking' : 'Answered by'} <strong>{e.cloudModel}</strong> in the cloud, because{' '}
            <span className="reason">{e.reason}</span>.
          </p>
          {e.localDraft && e.localDraft.content !== '' && (
            <details className="local-draft">
              <summary>
                Local draft
                {e.localDraft.stats ? ` (${e.localDraft.stats.model}, confidence p10 ${percent(e.localDraft.stats.confidence.p10)}, min ${percent(e.localDraft.stats.confidence.minP)})` : ''}
              </summary>
              <Markdown text={e.localDraft.content} />
            </details>
          )}
        </div>
      );
    case 'failed':
    case 'declined':
      return (
        <div className="escalation failed" role="alert">
          <p>
            {e.state === 'declined' ? 'Not sent to the cloud' : 'The cloud call failed'} ({e.reason}): {e.error} The local answer is kept.
          </p>
          {canAsk && (!message.task || message.task.cloud) && (
            <button type="button" className="ghost small" onClick={() => void askCloud(message)}>
              <CloudIcon size={14} />
              <span>Try {e.cloudModel ?? cloudModel} again</span>
            </button>
          )}
        </div>
      );
  }
}
