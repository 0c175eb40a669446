import type { ReplyStats } from '../../../app/contract/index.js';

/** Splits a search snippet into plain and matched parts: matches are wrapped in [[ and ]]. */
export function snippetParts(snippet: string): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = [];
  const re = /\[\[([\s\S]*?)\]\]/g;
  let last = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > last) parts.push({ text: snippet.slice(last, m.index), match: false });
    if (m[1]) parts.push({ text: m[1], match: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), match: false });
  return parts;
}

export function percent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  const v = p * 100;
  if (v > 0 && v < 1) return '<1%';
  return `${Math.round(v)}%`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

export function rate(tps: number | null | undefined): string {
  if (tps === null || tps === undefined || !Number.isFinite(tps)) return '–';
  return `${tps >= 100 ? Math.round(tps) : tps.toFixed(1)} tok/s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "Today 14:05", "Yesterday", "Mon", "12 Mar", "12 Mar 2023": short, for the sidebar. */
export function when(ts: number, now = Date.now()): string {
  const d = new Date(ts);
  const n = new Date(now);
  const sameDay = d.toDateString() === n.toDateString();
  if (sameDay) return d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  const yesterday = new Date(n);
  yesterday.setDate(n.getDate() - 1);
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  if (now - ts < 6 * 86_400_000 && ts < now) return d.toLocaleDateString(undefined, { weekday: 'short' });
  if (d.getFullYear() === n.getFullYear()) return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export const CONFIDENCE_HELP =
  'How sure the model was of the words it picked. p10: nine in ten of its tokens had at least this probability. ' +
  'min p: the least likely token it picked. Low values mean it was guessing somewhere: check the reply.';

/** Confidence is "low" when a tenth of the reply was picked at under 30% probability. */
export function confidenceLevel(stats: ReplyStats): 'low' | 'ok' | 'unknown' {
  const p = stats.confidence.p10;
  if (p === null) return 'unknown';
  return p < 0.3 ? 'low' : 'ok';
}

export function stopReasonNote(stats: ReplyStats): string | null {
  switch (stats.stopReason) {
    case 'max-tokens':
      return 'Cut off at the reply length limit (Settings → Max reply tokens).';
    case 'context-full':
      return 'Cut off: the conversation filled the model’s context.';
    default:
      return null;
  }
}

/** Dollars with enough digits for fractions of a cent: $0.00042, $0.12, $3.40. */
export function usd(n: number): string {
  if (n === 0) return '$0';
  if (n < 0.01) return `$${n.toPrecision(2)}`;
  return `$${n.toFixed(2)}`;
}

/** Download speed: "12.3 MB/s". */
export function speed(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '–';
  return `${bytes(Math.round(bytesPerSecond))}/s`;
}

/** Time left in words: "40 s", "3 min", "1 h 12 min"; "–" while unknown. */
export function timeLeft(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Parameter count as published: "0.5B", "1.5B", "7B". */
export function params(billions: number): string {
  return `${billions >= 10 ? Math.round(billions) : Number(billions.toFixed(2))}B`;
}

/** "2 CPU cores · 24 GB RAM · no GPU", or with the GPU names and their memory. */
export function hardwareSummary(hw: {
  cpuCores: number;
  ramBytes: number;
  gpu: string | null;
  gpuNames: string[];
  vramBytes: number;
}): string {
  const parts = [`${hw.cpuCores} CPU core${hw.cpuCores === 1 ? '' : 's'}`, `${bytes(hw.ramBytes)} RAM`];
  if (hw.gpu === null) parts.push('no GPU');
  else {
    const names = hw.gpuNames.length > 0 ? hw.gpuNames.join(', ') : hw.gpu.toUpperCase();
    parts.push(hw.vramBytes > 0 ? `${names} (${bytes(hw.vramBytes)} VRAM)` : names);
  }
  return parts.join(' · ');
}
