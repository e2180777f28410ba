// The cabinet's build (`npm run build` → dist/cabinet) and dev server (`npm run dev:cabinet`: hot reload, /api, /docs
// and /health proxied to a running API at OFD_API_URL, default http://127.0.0.1:8080).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const api = process.env.OFD_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/cabinet', import.meta.url)),
    emptyOutDir: true,
    // The initial chunk is held to ≤ 300 KB gzipped by route splitting (app/routes.tsx); `npm run bench:cabinet` prints it.
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': api, '/docs': api, '/health': api } },
});
