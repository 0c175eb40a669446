import { MAX_EVAL_CSV_BYTES } from '../../app/contract/index.js';
import { handleCommon, refreshStatus } from './actions.js';
import { api, errorMessage } from './api.js';
import { bytes } from './lib/format.js';
import { routerInForce, type AdoptInput } from './lib/router.js';
import { store, type EvaluationSlice } from './state.js';

/**
 * The router evaluation's data flow: a results CSV becomes a report (recomputed when the target
 * or the signal changes), the thumbs become label statistics, and Adopt puts a router in force.
 * The dialog calls these and reads `state.evaluation`; it never talks to the API itself.
 */

const set = store.set;
const get = store.get;

function setEval(patch: Partial<EvaluationSlice> | ((e: EvaluationSlice) => Partial<EvaluationSlice>)): void {
  set((s) => ({ evaluation: { ...s.evaluation, ...(typeof patch === 'function' ? patch(s.evaluation) : patch) } }));
}

export function openEvaluation(open = true): void {
  setEval({ open, adopted: null });
  if (open && get().evaluation.tab === 'labels') void loadLabelStats();
}

export function setEvalTab(tab: EvaluationSlice['tab']): void {
  setEval({ tab });
  // Thumbs may have been given since: read them again each time the view is shown.
  if (tab === 'labels') void loadLabelStats();
}

/* ---------- the report ---------- */

let seq = 0;

/** A picked or dropped file: read it, then compute its report at the current target. */
export async function chooseEvalFile(file: File): Promise<void> {
  const mine = ++seq;
  // Checked before reading: a huge file would fill the window's memory only to be refused.
  if (file.size > MAX_EVAL_CSV_BYTES) {
    setEval({ busy: null, error: `${file.name} is ${bytes(file.size)}; the app takes results CSVs up to ${bytes(MAX_EVAL_CSV_BYTES)}. For a larger one, run modest eval report on it.`, report: null, file: null, signal: null, adopted: null });
    return;
  }
  setEval({ busy: 'reading', error: null, report: null, file: null, signal: null, adopted: null });
  let csv: string;
  try {
    csv = await file.text();
  } catch (err) {
    if (mine === seq) setEval({ busy: null, error: `${file.name} could not be read: ${errorMessage(err)}` });
    return;
  }
  if (mine !== seq) return;
  if (csv.trim() === '') {
    setEval({ busy: null, error: `${file.name} is empty. It needs a header and one row per task.` });
    return;
  }
  setEval({ file: { name: file.name, csv } });
  await computeReport(mine);
}

export function setEvalTarget(target: number): void {
  if (target === get().evaluation.target) return;
  setEval({ target, adopted: null });
  if (get().evaluation.file) void computeReport(++seq);
}

export function setEvalSignal(signal: string): void {
  setEval({ signal, adopted: null });
  if (get().evaluation.file) void computeReport(++seq);
}

/** Asks for the report; only the newest request's answer is shown. */
async function computeReport(mine: number): Promise<void> {
  const { file, target, signal } = get().evaluation;
  if (!file) return;
  setEval({ busy: 'computing', error: null });
  try {
    const report = await api.evalReport({ csv: file.csv, name: file.name, target, ...(signal ? { signal } : {}) });
    if (mine === seq) setEval({ report, busy: null, error: null });
  } catch (err) {
    if (mine !== seq) return;
    handleCommon(err);
    // A new file's failure leaves no report; a changed target or signal keeps the last one beside the error.
    setEval({ busy: null, error: errorMessage(err) });
  }
}

/* ---------- the thumbs ---------- */

let labelSeq = 0;

export async function loadLabelStats(flagShare = get().evaluation.labels.flagShare): Promise<void> {
  const mine = ++labelSeq;
  setEval((e) => ({ labels: { ...e.labels, flagShare, busy: true, error: null } }));
  try {
    const stats = await api.getLabelStats({ flagShare });
    if (mine === labelSeq) setEval((e) => ({ labels: { ...e.labels, stats, busy: false } }));
  } catch (err) {
    if (mine !== labelSeq) return;
    handleCommon(err);
    setEval((e) => ({ labels: { ...e.labels, busy: false, error: errorMessage(err) } }));
  }
}

/* ---------- adopting ---------- */

/**
 * Puts a router in force (or back to the default). The new settings replace the window's, so
 * Settings shows them at once. Returns the error sentence, or null when it worked.
 */
export async function adoptRouter(input: AdoptInput): Promise<string | null> {
  setEval({ adopting: true, adopted: null });
  try {
    const settings = await api.adoptRouter(input);
    set((s) => ({ status: s.status ? { ...s.status, settings } : s.status }));
    setEval({ adopting: false, adopted: input.kind === 'reset' ? 'The default router is back in force.' : `In force now: ${routerInForce(settings)}.` });
    void refreshStatus();
    return null;
  } catch (err) {
    handleCommon(err);
    setEval({ adopting: false });
    return errorMessage(err);
  }
}
