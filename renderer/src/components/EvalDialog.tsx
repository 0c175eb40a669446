/**
 * Router evaluation: proves (or disproves) the savings on the person's own data. A results CSV
 * gives the accuracy-by-escalation curve, APGR and CPT against a random router, each signal's
 * AUROC, the threshold recommended for a target PGR (with its bootstrap interval) and the
 * learned router's cross-validated result; the thumbs give a local-correctness view. Either can
 * be adopted, and Settings then says which router is in force and where it came from.
 */
import { useEffect, useId, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { MIN_LABELS_TO_ADOPT, type EvalReport, type LabelStats } from '../../../app/contract/index.js';
import { adoptRouter, chooseEvalFile, loadLabelStats, openEvaluation, setEvalSignal, setEvalTab, setEvalTarget } from '../evaluation.js';
import { adoptableModel, adoptableScore, dec3, notAdoptableReason, pct, pctX, thresholdText, type AdoptInput } from '../lib/router.js';
import { useApp, type EvaluationSlice } from '../state.js';
import { Dialog } from './Dialog.js';
import { EvalChart } from './EvalChart.js';
import '../dashboard.css';
import '../evaluation.css';

export function EvalDialog() {
  const open = useApp((s) => s.evaluation.open);
  return (
    <Dialog open={open} onClose={() => openEvaluation(false)} title="Router evaluation" className="eval-dialog">
      <EvalBody />
    </Dialog>
  );
}

const TABS: { id: EvaluationSlice['tab']; label: string }[] = [
  { id: 'csv', label: 'From a results CSV' },
  { id: 'labels', label: 'From your thumbs' },
];

function EvalBody() {
  const tab = useApp((s) => s.evaluation.tab);
  const adopted = useApp((s) => s.evaluation.adopted);
  const id = useId();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  // Arrow keys move between the tabs (and select them), as the tabs pattern has it.
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>, i: number) => {
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const j = (next + TABS.length) % TABS.length;
    setEvalTab(TABS[j]!.id);
    refs.current[j]?.focus();
  };
  return (
    <>
      <div role="tablist" aria-label="What to evaluate on" className="eval-tabs">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => void (refs.current[i] = el)}
            type="button"
            role="tab"
            id={`${id}-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`${id}-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setEvalTab(t.id)}
            onKeyDown={(e) => onKeyDown(e, i)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {adopted && (
        <p className="eval-adopted" role="status">
          {adopted}
        </p>
      )}
      <div role="tabpanel" id={`${id}-panel-${tab}`} aria-labelledby={`${id}-tab-${tab}`} className="eval-panel">
        {tab === 'csv' ? <CsvPanel /> : <LabelsPanel />}
      </div>
    </>
  );
}

/* ---------- a results CSV ---------- */

function CsvPanel() {
  const ev = useApp((s) => s.evaluation);
  const [dragging, setDragging] = useState(false);
  const id = useId();
  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDrop = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    // This drop is for the evaluation: the window's document drop zone must not attach it too.
    e.stopPropagation();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) void chooseEvalFile(file);
  };
  const report = ev.report;
  const signals = report ? Object.keys(report.auroc) : [];
  return (
    <div className={`eval-csv ${dragging ? 'drop-target' : ''}`} onDragOver={onDragOver} onDragLeave={() => setDragging(false)} onDrop={onDrop}>
      <p className="hint eval-intro">
        One row per task: <code>id</code>, <code>local_confidence</code>, <code>local_correct</code>, <code>cloud_correct</code>,{' '}
        <code>local_cost_usd</code>, <code>cloud_cost_usd</code>, and any <code>signal_…</code> columns — what <code>modest eval run</code>{' '}
        writes. The file is read here and never leaves this computer.
      </p>
      <div className="eval-controls">
        <div className="field eval-file">
          <label htmlFor={`${id}-file`}>Results CSV</label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".csv,text/csv"
            className="eval-file-input"
            aria-describedby={`${id}-file-help`}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void chooseEvalFile(file);
              // The same file picked again (after editing it) is read again.
              e.target.value = '';
            }}
          />
          <small id={`${id}-file-help`}>{ev.file ? `${ev.file.name}${report ? `, ${report.rows.toLocaleString('en-US')} rows` : ''}` : 'Or drop the file here.'}</small>
        </div>
        <TargetInput />
        <div className="field eval-signal">
          <label htmlFor={`${id}-signal`}>Signal</label>
          <select id={`${id}-signal`} value={report?.signal ?? ''} disabled={!report || ev.busy !== null} onChange={(e) => setEvalSignal(e.target.value)}>
            {signals.length === 0 && <option value="">–</option>}
            {signals.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <small>The score that ranks tasks: the lowest go to the cloud first.</small>
        </div>
      </div>
      {ev.busy && (
        <p className="hint eval-progress" role="status">
          <span className="spinner" aria-hidden="true" /> {ev.busy === 'reading' ? 'Reading the file…' : 'Computing…'}
        </p>
      )}
      {ev.error && (
        <p className="form-error eval-error" role="alert">
          {ev.error}
        </p>
      )}
      {report && <ReportView report={report} fileName={ev.file?.name ?? 'the CSV'} stale={ev.busy !== null} />}
      {!report && !ev.busy && !ev.error && (
        <div className="eval-empty">
          <p>Pick or drop a results CSV to see how much of the cloud’s gain the router keeps, and at what cost.</p>
        </div>
      )}
    </div>
  );
}

/** Target PGR, 0.5…1: typed freely, applied when valid (after a pause, or at once on Enter). */
function TargetInput() {
  const target = useApp((s) => s.evaluation.target);
  const [text, setText] = useState(String(target));
  const id = useId();
  const value = text.trim() === '' ? NaN : Number(text);
  const valid = Number.isFinite(value) && value >= 0.5 && value <= 1;
  useEffect(() => {
    if (!valid || value === target) return;
    const t = setTimeout(() => setEvalTarget(value), 400);
    return () => clearTimeout(t);
  }, [valid, value, target]);
  return (
    <div className="field eval-target">
      <label htmlFor={`${id}-target`}>Target PGR</label>
      <input
        id={`${id}-target`}
        type="number"
        inputMode="decimal"
        min={0.5}
        max={1}
        step={0.01}
        value={text}
        aria-invalid={valid ? undefined : true}
        aria-describedby={`${id}-target-help`}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Enter') return;
          e.preventDefault();
          if (valid) setEvalTarget(value);
        }}
      />
      <small id={`${id}-target-help`} className={valid ? undefined : 'form-error'}>
        {valid ? 'Share of the cloud’s gain to keep.' : 'Give a number from 0.5 to 1.'}
      </small>
    </div>
  );
}

function ReportView({ report: r, fileName, stale }: { report: EvalReport; fileName: string; stale: boolean }) {
  const signals = Object.keys(r.auroc);
  return (
    <div className={`eval-report ${stale ? 'stale' : ''}`} aria-busy={stale}>
      <section className="eval-cards" aria-label="Accuracy">
        <Figure label="Local accuracy" value={pct(r.local_accuracy)} detail="every task answered locally" />
        <Figure label="Cloud accuracy" value={pct(r.cloud_accuracy)} detail="every task sent to the cloud" />
        <Figure label="Oracle accuracy" value={pct(r.oracle_accuracy)} detail="a perfect router: cloud only where it helps" />
        <Figure label="Tasks" value={r.rows.toLocaleString('en-US')} detail={`cloud cost for all: ${usdShort(r.all_cloud_cost_usd)}`} />
      </section>

      <EvalChart report={r} />

      <Recommendation report={r} fileName={fileName} />
      {r.learned && <Learned report={r} fileName={fileName} />}

      <div className="eval-tables">
        <section aria-labelledby="eval-vs-random">
          <h3 id="eval-vs-random">This router against a random one</h3>
          <table className="dash-table">
            <thead>
              <tr>
                <th scope="col">Figure</th>
                <th scope="col">{r.signal}</th>
                <th scope="col">Random</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">APGR</th>
                <td>{dec3(r.apgr)}</td>
                <td>{dec3(r.random.apgr)}</td>
              </tr>
              <tr>
                <th scope="row">CPT(50%)</th>
                <td>{pctX(r.cpt50)}</td>
                <td>{pctX(r.random.cpt50)}</td>
              </tr>
              <tr>
                <th scope="row">CPT(80%)</th>
                <td>{pctX(r.cpt80)}</td>
                <td>{pctX(r.random.cpt80)}</td>
              </tr>
              <tr>
                <th scope="row">Cost at CPT(80%)</th>
                <td>{pct(r.cost_at_cpt80)}</td>
                <td>{pct(r.random.cost_at_cpt80)}</td>
              </tr>
            </tbody>
          </table>
          <p className="hint">
            APGR: the share of the cloud’s gain kept, averaged over 0–100% escalated. CPT(N%): the fewest tasks escalated to keep N% of the gain.
            Cost: as a share of sending everything to the cloud.
          </p>
        </section>
        <section aria-labelledby="eval-signals">
          <h3 id="eval-signals">Every signal</h3>
          <table className="dash-table">
            <thead>
              <tr>
                <th scope="col">Signal</th>
                <th scope="col">AUROC</th>
                <th scope="col">APGR</th>
                <th scope="col">CPT(80%)</th>
              </tr>
            </thead>
            <tbody>
              {signals.map((s) => (
                <tr key={s} className={s === r.signal ? 'current' : undefined}>
                  <th scope="row">{s}</th>
                  <td>{dec3(r.auroc[s])}</td>
                  <td>{dec3(r.signals[s]?.apgr)}</td>
                  <td>{pctX(r.signals[s]?.cpt80)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">AUROC: how well the signal ranks wrong local answers below right ones (0.5 is chance).</p>
        </section>
      </div>

      {/* Without a recommendation the notes are in its place already. */}
      {r.notes.length > 0 && r.recommendation && (
        <section aria-labelledby="eval-notes" className="eval-notes">
          <h3 id="eval-notes">Notes</h3>
          <ul>
            {r.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function Figure({ label, value, detail }: { label: string; value: string; detail: string }) {
  return (
    <div className="dash-card">
      <div className="dash-card-label">{label}</div>
      <div className="dash-card-value">{value}</div>
      <div className="dash-card-detail">{detail}</div>
    </div>
  );
}

function usdShort(n: number): string {
  if (n === 0) return '$0';
  return n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`;
}

/** An Adopt button with its own error line. */
function AdoptButton({ label, hidden, input, disabledReason }: { label: string; hidden?: string; input: AdoptInput | null; disabledReason?: string | null }) {
  const adopting = useApp((s) => s.evaluation.adopting);
  const [error, setError] = useState<string | null>(null);
  const reasonId = useId();
  return (
    <div className="eval-adopt">
      <button
        type="button"
        className="primary"
        disabled={input === null || adopting}
        aria-describedby={disabledReason ? reasonId : undefined}
        onClick={async () => {
          if (!input) return;
          setError(null);
          setError(await adoptRouter(input));
        }}
      >
        {label}
        {hidden && <span className="visually-hidden"> {hidden}</span>}
      </button>
      {disabledReason && (
        <span id={reasonId} className="hint">
          {disabledReason}
        </span>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function Recommendation({ report: r, fileName }: { report: EvalReport; fileName: string }) {
  const rec = r.recommendation;
  if (!rec) {
    return (
      <section className="eval-box" aria-labelledby="eval-rec">
        <h3 id="eval-rec">Recommendation</h3>
        <p>No threshold can be recommended for this file{r.notes.length > 0 ? ':' : '.'}</p>
        {r.notes.length > 0 && (
          <ul className="eval-box-notes">
            {r.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        )}
      </section>
    );
  }
  const score = adoptableScore(rec.signal);
  const input: AdoptInput | null =
    score === null
      ? null
      : {
          kind: 'threshold',
          score,
          threshold: rec.threshold,
          provenance: { source: 'eval', count: r.rows, detail: `${fileName}, target PGR ${rec.target_pgr}` },
        };
  return (
    <section className="eval-box accent" aria-labelledby="eval-rec">
      <h3 id="eval-rec">Recommendation</h3>
      <p className="eval-rec-text">
        To keep {pct(rec.target_pgr)} of the cloud’s gain: escalate answers with <strong>{rec.signal}</strong> below{' '}
        <strong>{thresholdText(rec.threshold)}</strong> (95% CI {thresholdText(rec.threshold_ci[0])}–{thresholdText(rec.threshold_ci[1])}), about{' '}
        <strong>{pctX(rec.escalation_pct)}</strong> of tasks (CI {trimPct(rec.escalation_pct_ci[0])}–{pctX(rec.escalation_pct_ci[1])})
      </p>
      <p className="hint">
        Intervals from {rec.resamples.toLocaleString('en-US')} bootstrap resamples of the rows (seed {rec.seed}).
      </p>
      <AdoptButton label="Adopt this threshold" input={input} disabledReason={notAdoptableReason(rec.signal)} />
    </section>
  );
}

/** The lower end of a percent range, without its sign: "33–41%". */
function trimPct(x: number): string {
  return pctX(x).replace(/%$/, '');
}

function Learned({ report: r, fileName }: { report: EvalReport; fileName: string }) {
  const l = r.learned!;
  const target = useApp((s) => s.evaluation.target);
  const model = adoptableModel(l.model);
  const input: AdoptInput | null =
    model.ok && l.threshold !== null
      ? {
          kind: 'learned',
          model: model.model,
          threshold: l.threshold,
          provenance: { source: 'eval', count: r.rows, detail: `${fileName}, target PGR ${r.recommendation?.target_pgr ?? target}` },
        }
      : null;
  const reason = !model.ok
    ? `Modest does not compute ${model.missing.join(', ')} for its replies`
    : l.threshold === null
      ? 'No threshold on its probability reaches the target'
      : null;
  const n = l.features.length;
  return (
    <section className="eval-box" aria-labelledby="eval-learned">
      <h3 id="eval-learned">Learned router</h3>
      <p className="eval-learned-text">
        Learned router (logistic regression on {n} feature{n === 1 ? '' : 's'}), held-out APGR {dec3(l.apgr)} vs best single signal{' '}
        {l.best_single_signal} {dec3(l.best_single_apgr)} — <strong>{l.wins ? 'it wins' : 'it does not win'}</strong>
      </p>
      <p className="hint">
        {l.folds}-fold cross-validated on {l.features.join(', ')}.
        {l.threshold !== null && l.escalation_pct !== null
          ? ` Adopted, it escalates answers whose predicted chance of being right is below ${thresholdText(l.threshold)}: about ${pctX(l.escalation_pct)} of tasks here.`
          : ''}
      </p>
      <AdoptButton label="Adopt learned router" input={input} disabledReason={reason} />
    </section>
  );
}

/* ---------- the thumbs ---------- */

const LABEL_NAMES: Record<LabelStats['signals'][number]['signal'], string> = {
  default: 'default (p10, or margin for short replies)',
  min_p: 'min_p',
  p10: 'p10',
  mean_logp: 'mean_logp',
  margin1: 'margin1',
};

function LabelsPanel() {
  const labels = useApp((s) => s.evaluation.labels);
  const [text, setText] = useState(String(Math.round(labels.flagShare * 100)));
  const id = useId();
  const value = text.trim() === '' ? NaN : Number(text);
  const valid = Number.isFinite(value) && value >= 5 && value <= 100;
  const share = valid ? value / 100 : labels.flagShare;
  useEffect(() => {
    if (!valid || Math.abs(value / 100 - labels.flagShare) < 1e-9) return;
    const t = setTimeout(() => void loadLabelStats(value / 100), 400);
    return () => clearTimeout(t);
  }, [valid, value, labels.flagShare]);
  const stats = labels.stats;
  const flagged = pct(labels.flagShare);
  const tooFew =
    stats && (stats.labels < MIN_LABELS_TO_ADOPT || stats.unacceptable === 0)
      ? `Adopting needs at least ${MIN_LABELS_TO_ADOPT} labelled answers, some of them thumbs-down.`
      : null;
  return (
    <div className="eval-labels">
      <p className="eval-intro">
        Your thumbs up and down on local answers say only whether the local answer was acceptable — not whether the cloud’s would have been
        better. So this view shows how well each signal finds bad local answers, not the cloud’s gain. For that, evaluate a results CSV.
      </p>
      <div className="field eval-flag">
        <label htmlFor={`${id}-flag`}>Share of bad answers to flag</label>
        <div className="row">
          <input
            id={`${id}-flag`}
            type="number"
            inputMode="decimal"
            min={5}
            max={100}
            step={5}
            value={text}
            aria-invalid={valid ? undefined : true}
            aria-describedby={`${id}-flag-help`}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter') return;
              e.preventDefault();
              if (valid) void loadLabelStats(share);
            }}
          />
          <span aria-hidden="true">%</span>
        </div>
        <small id={`${id}-flag-help`} className={valid ? undefined : 'form-error'}>
          {valid ? 'Each threshold flags at least this share of the thumbs-down answers.' : 'Give a percentage from 5 to 100.'}
        </small>
      </div>
      {labels.busy && (
        <p className="hint eval-progress" role="status">
          <span className="spinner" aria-hidden="true" /> Computing…
        </p>
      )}
      {labels.error && (
        <p className="form-error" role="alert">
          {labels.error}
        </p>
      )}
      {stats && stats.labels === 0 && (
        <p className="eval-empty" role="status">
          No labelled answers yet. Thumbs up or down on local answers to build this view.
        </p>
      )}
      {stats && stats.labels > 0 && (
        <section aria-labelledby="eval-labels-table" className={labels.busy ? 'stale' : undefined}>
          <h3 id="eval-labels-table">
            {stats.labels.toLocaleString('en-US')} labelled answer{stats.labels === 1 ? '' : 's'}: {stats.acceptable.toLocaleString('en-US')}{' '}
            acceptable, {stats.unacceptable.toLocaleString('en-US')} not
          </h3>
          <table className="dash-table eval-labels-table">
            <thead>
              <tr>
                <th scope="col">Signal</th>
                <th scope="col">AUROC</th>
                <th scope="col">Threshold</th>
                <th scope="col">Acceptable answers also flagged</th>
                <th scope="col">
                  <span className="visually-hidden">Adopt</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {stats.signals.map((s) => (
                <tr key={s.signal}>
                  <th scope="row">{LABEL_NAMES[s.signal]}</th>
                  <td>{dec3(s.auroc)}</td>
                  <td>{thresholdText(s.threshold)}</td>
                  <td>{pct(s.flagged_acceptable_share)}</td>
                  <td>
                    <AdoptButton
                      label="Adopt"
                      hidden={s.signal}
                      input={
                        s.threshold === null || tooFew
                          ? null
                          : {
                              kind: 'threshold',
                              score: s.signal,
                              threshold: s.threshold,
                              provenance: { source: 'labels', count: stats.labels, detail: `flags ${flagged} of thumbs-down answers` },
                            }
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {stats.unacceptable === 0 ? (
            <p className="hint">No thumbs-down answers yet, so there is nothing to flag and no threshold to adopt.</p>
          ) : (
            tooFew && (
              <p className="hint" role="note">
                {tooFew} These thresholds rest on {stats.labels.toLocaleString('en-US')}; one more label could move them anywhere.
              </p>
            )
          )}
        </section>
      )}
    </div>
  );
}
