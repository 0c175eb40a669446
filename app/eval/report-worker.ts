import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../contract/index.js';
import { buildReport } from './report.js';
import { parseResultsCsv } from './csv.js';
import type { ReportJob } from './report-in-worker.js';

/** One report, off the serving thread: parsing and bootstrapping 100k rows takes a second or two. */
const job = workerData as ReportJob;
try {
  const report = buildReport(parseResultsCsv(job.csv), { target: job.target, signal: job.signal });
  parentPort!.postMessage({ ok: true, report });
} catch (err) {
  const e = AppError.from(err);
  parentPort!.postMessage({ ok: false, code: e.code, message: e.message, detail: e.detail });
}
