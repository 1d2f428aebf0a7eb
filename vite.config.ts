import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

// Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * tfjs-backend-wasm 4.22 starts each pthread worker of its threaded build by posting it the text of the Emscripten
 * factory, `'var WasmBackendModuleThreadedSimd = ' + factory.toString()`. Once the bundle is minified that text is
 * no longer self-contained: the factory refers to a variable of its enclosing IIFE (`_scriptDir`, renamed, and the
 * `typeof _scriptDir` guard folded away because the minifier can see the declaration), so every pthread worker
 * throws `ReferenceError` at load, the main module waits forever for them, and `tf.setBackend('wasm')` hangs.
 * This plugin keeps the bundled (minified) factory for the calling thread and gives it a `toString` that returns
 * the untouched original source (a string literal, which no minifier rewrites), wrapped to evaluate to the factory.
 */
export function tfjsWasmThreads(): Plugin {
  const target = /@tensorflow[\\/]tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;
  let patched = false;
  return {
    name: 'tfjs-wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      if (!target.test(id.split('?')[0])) return null;
      if (!/^var WasmBackendModuleThreadedSimd = /m.test(code)) {
        this.error('tfjs-wasm-threads: the threaded Emscripten factory no longer starts with `var WasmBackendModuleThreadedSimd =` (tfjs-backend-wasm changed?)');
      }
      patched = true;
      const pristine = `(function () {\n${code}\nreturn WasmBackendModuleThreadedSimd;\n})()`;
      return { code: `${code}\nWasmBackendModuleThreadedSimd.toString = function () { return ${JSON.stringify(pristine)}; };\n`, map: null };
    },
    buildEnd(error) {
      // Only a build that bundles the wasm backend must have met the file; dev-server runs end without a full graph.
      if (!error && !patched && this.meta.watchMode === false && [...this.getModuleIds()].some((m) => m.includes('tfjs-backend-wasm'))) {
        this.error('tfjs-wasm-threads: tfjs-backend-wasm was bundled but its threaded factory was never transformed');
      }
    },
  };
}

/**
 * The Content-Security-Policy of the built app: everything from our own origin, no inline script, WebAssembly
 * compiled from our own files ('wasm-unsafe-eval'), workers and scripts from our files or blob: URLs (tfjs's wasm
 * pthreads load their factory from one), inline styles allowed (Svelte and uPlot set style attributes),
 * network only to ourselves. Sent as a header by `vite preview` (which also covers the worker scripts) and written
 * into the built index.html as a <meta> for static hosts that send no header. Not in dev: Vite's client needs
 * inline styles and a websocket there.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // blob: for the threaded wasm build: each pthread worker importScripts() the Emscripten factory from a blob URL.
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  base: './',
  plugins: [
    tfjsWasmThreads(),
    contentSecurityPolicyMeta(),
    svelte(),
    VitePWA({
      // A new deployment waits for the user (src/app/pwa.ts): an automatic reload would kill running searches.
      registerType: 'prompt',
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
        // PNGs from icon.svg by scripts/make-icons.ts (install prompts and launchers want raster sizes; the
        // maskable one keeps its artwork inside the safe zone).
        icons: [
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
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
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { headers: isolationHeaders },
  preview: { headers: { ...isolationHeaders, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
});
