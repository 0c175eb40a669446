import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The window's build. `base: './'` keeps every asset URL relative, so the same files work when the
 * browser mode serves them at / and when the Electron shell loads them from disk.
 *
 * Dev: `MODEST_API=http://127.0.0.1:PORT npx vite --config renderer/vite.config.ts` proxies /api to
 * a running `npm run serve` (open the dev URL with the `#token=...` part of the printed link).
 */
export default defineConfig({
  root,
  base: './',
  plugins: [react(), devWithoutCsp()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One chunk for the app and one for markdown/highlighting keeps first paint light.
    chunkSizeWarningLimit: 1200,
  },
  server: process.env.MODEST_API ? { proxy: { '/api': { target: process.env.MODEST_API, changeOrigin: false } } } : {},
});

/** The dev server's hot reload needs an inline script; the built window keeps the strict policy. */
function devWithoutCsp(): Plugin {
  return {
    name: 'modest-dev-without-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/, ''),
  };
}
