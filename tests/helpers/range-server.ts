import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  path: string;
  /** Answer this status instead of the file (401, 403, 404, 500…). */
  status?: number;
  /** Only with this `Authorization` header (else 401): a gated file. */
  token?: string;
}

export interface RangeServer {
  url: string;
  /** Every request seen: method, path, Range header, Authorization header. */
  requests: { method: string; path: string; range: string | undefined; auth: string | undefined }[];
  files: Map<string, ServedFile>;
  /** Bytes per second for bodies; 0 = as fast as possible. */
  rate: number;
  /** While true, bodies send nothing more (a dead connection that stays open). */
  hang: boolean;
  /** Body bytes written so far, over all requests. */
  bytesSent: number;
  close(): Promise<void>;
}

/**
 * A stand-in for the Hugging Face CDN on 127.0.0.1: serves files with single-range requests
 * (206 + Content-Range, what resuming downloads rely on), HEAD, a throttle to make downloads last
 * long enough to pause or kill, and faults: a status per file, a token check, and a hang.
 */
export async function startRangeServer(): Promise<RangeServer> {
  const state: RangeServer = {
    url: '',
    requests: [],
    files: new Map(),
    rate: 0,
    hang: false,
    bytesSent: 0,
    close: async () => undefined,
  };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    state.requests.push({ method: req.method ?? 'GET', path: urlPath, range: req.headers.range, auth: req.headers.authorization });
    const f = state.files.get(urlPath);
    if (!f) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
    if (f.status) return void res.writeHead(f.status, { 'content-type': 'text/plain' }).end(`status ${f.status}`);
    if (f.token !== undefined && req.headers.authorization !== `Bearer ${f.token}`) {
      return void res.writeHead(401, { 'content-type': 'text/plain' }).end('Access to this model is restricted.');
    }
    const size = fs.statSync(f.path).size;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start >= size) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    }
    res.writeHead(m ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-length': end - start + 1,
      'content-type': 'application/octet-stream',
      etag: `"${size}"`,
      ...(m ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    const fd = fs.openSync(f.path, 'r');
    let pos = start;
    let closed = false;
    res.on('close', () => {
      closed = true;
      fs.closeSync(fd);
    });
    const CHUNK = 64 * 1024;
    const pump = () => {
      if (closed) return;
      if (state.hang) return void setTimeout(pump, 50);
      if (pos > end) return void res.end();
      const n = Math.min(CHUNK, end - pos + 1);
      const buf = Buffer.alloc(n);
      fs.readSync(fd, buf, 0, n, pos);
      pos += n;
      state.bytesSent += n;
      const ok = res.write(buf);
      const delay = state.rate > 0 ? (n / state.rate) * 1000 : 0;
      if (!ok) res.once('drain', () => setTimeout(pump, delay));
      else setTimeout(pump, delay);
    };
    pump();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
