import { defineConfig } from 'vite';

// Node's globals without pulling in its type package for one line.
declare const process: { env: Record<string, string | undefined> };

// During development the API can live elsewhere: TIDINGS_API=http://127.0.0.1:3000 npm run dev
// proxies /api/* to it, so a config.json with "api": "/api" needs no CORS.
const api = process.env.TIDINGS_API;
const proxy = api
  ? { '/api': { target: api, changeOrigin: true, rewrite: (p: string) => p.replace(/^\/api/, '') } }
  : undefined;

export default defineConfig({
  base: '/app/',
  build: { target: 'es2022', sourcemap: false, assetsInlineLimit: 0 },
  server: { proxy },
  preview: { proxy },
});
