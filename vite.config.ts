import { defineConfig } from 'vite';

// The dev server (`npx vite`) proxies /signal to a signaling server started separately (`npm start`; PORT, default 8080).
const signalTarget = `http://127.0.0.1:${process.env.PORT ?? 8080}`;

export default defineConfig({
  // simple-peer 9 and readable-stream read Node's `global`; see client/net/node-globals.ts for `process`.
  define: { global: 'globalThis' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      // The download service worker (client/save/download-sw.ts) is a script of its own at a fixed URL, /download-sw.js.
      input: { index: 'index.html', 'download-sw': 'client/save/download-sw.ts' },
      output: { entryFileNames: (chunk) => (chunk.name === 'download-sw' ? '[name].js' : 'assets/[name]-[hash].js') },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/signal': { target: signalTarget, ws: true } },
  },
});
