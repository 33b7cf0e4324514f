import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = path.dirname(fileURLToPath(import.meta.url));

// The web app is built into web/dist, which the gongzhi server serves (src/modules/web).
// `npm run dev` of the server plus `npx vite web` gives hot reload with /api proxied.
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': { target: process.env.GONGZHI_API ?? 'http://127.0.0.1:3000', changeOrigin: false },
      '/open311': { target: process.env.GONGZHI_API ?? 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
