import type { Message } from '../../../app/contract/index.js';
import { CONFIDENCE_HELP, confidenceLevel, duration, percent, rate, stopReasonNote, usd } from '../lib/format.js';

/** The line under a reply: model, speed, confidence, timing, and how it ended. */
export function MessageMeta({ message, streaming }: { message: Message; streaming: boolean }) {
  if (streaming) {
    return (
      <div className="meta">
        <span className="badge live">Writing…</span>
        <span className="hint">Esc to stop</span>
      </div>
    );
  }
  const s = message.stats;
  const stopped = message.status === 'partial';
  const note = s ? stopReasonNote(s) : null;
  return (
    <div className="meta">
      {stopped && (
        <span className="badge stopped" title="You stopped this reply; what was written is kept.">
          stopped
        </span>
      )}
      {message.status === 'error' && <span className="badge error">failed</span>}
      {s && (
        <>
          {s.route === 'cloud' && <span className="badge cloud">cloud</span>}
          <span className="meta-item" title={`Model: ${s.model}`}>
            {s.model}
          </span>
          {s.costUsd !== undefined && (
            <span className="meta-item" title={s.usageEstimated ? 'The provider did not report usage; tokens were counted locally.' : 'From the provider’s usage report'}>
              {usd(s.costUsd)}
              {s.usageEstimated ? ' (estimated)' : ''}
            </span>
          )}
          <span className="meta-item" title={`${s.completionTokens} tokens written`}>
            {rate(s.tokensPerSecond)}
          </span>
          {s.confidence.tokenCount > 0 && (
            <span
              className={`meta-item confidence tip ${confidenceLevel(s)}`}
              data-tip={CONFIDENCE_HELP}
              aria-label={`Confidence: p10 ${percent(s.confidence.p10)}, min p ${percent(s.confidence.minP)}. ${CONFIDENCE_HELP}`}
              tabIndex={0}
            >
              confidence p10 {percent(s.confidence.p10)} · min {percent(s.confidence.minP)}
            </span>
          )}
          <span className="meta-item" title={`Took ${duration(s.durationMs)}; the first token came after ${duration(s.ttftMs)}.`}>
            {duration(s.durationMs)} · first token {duration(s.ttftMs)}
          </span>
          {s.droppedMessages > 0 && (
            <span className="meta-item warn" title="The conversation is longer than the model can read at once.">
              {s.droppedMessages} older message{s.droppedMessages === 1 ? '' : 's'} left out
            </span>
          )}
        </>
      )}
      {note && <span className="meta-item warn">{note}</span>}
    </div>
  );
}
