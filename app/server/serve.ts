import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { ApiHandlers } from '../contract/index.js';
import { createHttpApp, type UploadHandler } from './http.js';

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** Browser mode binds to loopback only: the API token is the only lock on a local model. */
export async function startHttpServer(opts: { api: ApiHandlers; port?: number; staticDir?: string; upload?: UploadHandler }): Promise<RunningServer> {
  const token = randomBytes(24).toString('base64url');
  const app = createHttpApp({ api: opts.api, token, staticDir: opts.staticDir, upload: opts.upload });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
