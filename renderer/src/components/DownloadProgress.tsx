import type { CatalogItem, Download } from '../../../app/contract/index.js';
import { bytes, speed, timeLeft } from '../lib/format.js';
import { cancelDownload, pauseDownload, resumeDownload } from '../models.js';
import { useApp } from '../state.js';

/**
 * One catalog model's download: the bar, how much and how fast, and what can be done now
 * (Pause / Resume / Cancel / Retry). The layout keeps its size while the numbers change.
 */
export function DownloadProgress({ item, download }: { item: CatalogItem; download: Download }) {
  const busy = useApp((s) => s.models.busy[item.entry.id] ?? false);
  const id = item.entry.id;
  const total = download.totalBytes > 0 ? download.totalBytes : item.entry.sizeBytes;
  const done = Math.min(download.downloadedBytes, total);
  const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
  const amount = `${bytes(done)} of ${bytes(total)}`;
  const indeterminate = download.state === 'checking' || download.state === 'verifying';

  let line: string;
  switch (download.state) {
    case 'checking':
      line = 'Checking the download…';
      break;
    case 'downloading':
      line = `${pct}% · ${amount} · ${speed(download.bytesPerSecond)} · ${timeLeft(download.secondsLeft)} left`;
      break;
    case 'paused':
      line = `Paused at ${pct}% · ${amount}`;
      break;
    case 'verifying':
      line = 'Checking the downloaded file…';
      break;
    case 'error':
      // A partial file is kept for Retry to resume; a failed check deletes it (nothing to show).
      line = done > 0 && done < total ? `Stopped at ${pct}% · ${amount}` : 'The download did not finish.';
      break;
    case 'done':
      line = `Downloaded · ${bytes(total)}`;
      break;
  }

  return (
    <div className={`download download-${download.state}`}>
      {download.state === 'error' && !(done > 0 && done < total) ? null : (
        <progress
          max={100}
          value={indeterminate ? undefined : download.state === 'done' ? 100 : pct}
          aria-label={`Downloading ${item.entry.name}`}
          aria-valuetext={indeterminate ? line : `${pct}%`}
        />
      )}
      <div className="download-row">
        <span className="download-stats" aria-live={download.state === 'downloading' ? 'off' : 'polite'}>
          {line}
        </span>
        <span className="download-actions">
          {(download.state === 'downloading' || download.state === 'checking') && (
            <button type="button" className="secondary small-btn" disabled={busy} onClick={() => void pauseDownload(id)}>
              Pause
            </button>
          )}
          {download.state === 'paused' && (
            <button type="button" className="primary small-btn" disabled={busy} onClick={() => void resumeDownload(item)}>
              Resume
            </button>
          )}
          {download.state === 'error' && (
            <button type="button" className="primary small-btn" disabled={busy} onClick={() => void resumeDownload(item)}>
              Retry
            </button>
          )}
          {download.state !== 'done' && (
            <button type="button" className="secondary small-btn" disabled={busy} onClick={() => void cancelDownload(id)}>
              Cancel
            </button>
          )}
        </span>
      </div>
      {download.state === 'error' && download.error && (
        <p className="form-error" role="alert">
          {download.error.message}
        </p>
      )}
    </div>
  );
}
