import type { Extraction } from '../../../app/contract/index.js';

/** RFC 4180: quote every field that needs it, double the quotes inside; CRLF line ends. */
export function toCsv({ columns, rows }: Extraction): string {
  const field = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns.map(field).join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\r\n') + '\r\n';
}
