import { AppError, type ErrorCode, type EvalReport } from '../contract/index.js';
import { startWorker } from '../threads/start-worker.js';

export interface ReportJob {
  csv: string;
  target: number;
  signal?: string;
}

type Reply = { ok: true; report: EvalReport } | { ok: false; code: ErrorCode; message: string; detail?: string };

/**
 * Builds the evaluation report in a worker thread, so the process serving the window (the
 * Electron main process, or the browser mode's server) keeps answering while it runs.
 */
export function reportInWorker(job: ReportJob): Promise<EvalReport> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, 'report-worker', { workerData: job });
    let settled = false;
    worker.once('message', (m: Reply) => {
      settled = true;
      void worker.terminate();
      if (m.ok) resolve(m.report);
      else reject(new AppError(m.code, { message: m.message, detail: m.detail }));
    });
    worker.once('error', (err) => {
      if (!settled) reject(new AppError('INTERNAL', { message: 'The evaluation report failed.', detail: String(err), cause: err }));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new AppError('INTERNAL', { message: 'The evaluation report stopped before it finished.', detail: `worker exit ${code}` }));
      settled = true;
    });
  });
}
