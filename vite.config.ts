import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

// Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [
    svelte(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: null, // registered from src/app/pwa.ts, so the UI can show offline readiness
      includeAssets: ['icon.svg', 'datasets/mnist-10k/*.gz'],
      manifest: {
        name: 'NAS Playground',
        short_name: 'NAS Playground',
        description: 'Neural architecture search in your browser tab: supernets, DARTS, evolution, RL and random search on your own device.',
        theme_color: '#1d3557',
        background_color: '#f8f9fb',
        display: 'standalone',
        start_url: '.',
        icons: [
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,wasm,svg,png,webmanifest,gz}'],
        // tfjs bundles and the .wasm binaries are several MB each.
        maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
        navigateFallback: 'index.html',
      },
    }),
  ],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
