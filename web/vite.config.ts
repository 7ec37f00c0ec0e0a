/** @module Builds the web UI (web/) into dist/web/: hashed assets, no inline scripts (the server's CSP allows only 'self'). */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  // React's automatic JSX runtime, compiled by Vite's own Oxc transform: no React plugin needed,
  // because the UI is only ever built (there is no dev server with fast refresh).
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be bundled, not inlined, but modern Chromium, Firefox and Safari need none.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 800,
  },
  logLevel: 'warn',
});
