/**
 * Browser-test harness: serves the production build (dist/, built by `npm run build`) with Vite's
 * preview server (same COOP/COEP headers as production) and drives Debian's Chromium with playwright-core.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The build to serve: dist/ unless E2E_DIST names another folder (parallel work builds into separate folders). */
export const DIST = path.resolve(ROOT, process.env.E2E_DIST ?? 'dist');

export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function startPreview(port = 0, dist = DIST): Promise<{ server: PreviewServer; url: string }> {
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error(`${dist} is missing: run \`npm run build\` before the browser tests`);
  const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir: dist }, preview: { port, strictPort: false, host: '127.0.0.1' } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report its URL');
  return { server, url };
}

export async function stopPreview(server: PreviewServer): Promise<void> {
  await server.close();
}

export interface BrowserHandle {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh, isolated Chromium profile; `extraArgs` e.g. ['--enable-unsafe-webgpu']. */
export async function launch(extraArgs: string[] = []): Promise<BrowserHandle> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'nas-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...extraArgs],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A new page of `browser` that records uncaught page errors (in `errors`), opened at `url`. */
export async function openPage(browser: BrowserHandle, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

export interface App {
  readonly url: string;
  readonly browser: BrowserHandle;
  /** A new page at the app's URL plus `hash` (e.g. '#oneshot'), recording page errors. */
  open(hash?: string): Promise<{ page: Page; errors: string[] }>;
  /** Stops the preview server now (e.g. to go offline); afterAll then skips it. */
  stopServer(): Promise<void>;
}

/**
 * The usual file setup: registers beforeAll (preview server of the build + a fresh Chromium launched with
 * `extraArgs`) and afterAll (close both); returns a getter for them, valid inside tests and later hooks.
 */
export function useApp(extraArgs: string[] = []): () => App {
  let server: PreviewServer | null = null;
  let app: App | null = null;
  let browser: BrowserHandle | undefined;
  beforeAll(async () => {
    let url: string;
    ({ server, url } = await startPreview());
    const b = await launch(extraArgs);
    browser = b;
    app = {
      url,
      browser: b,
      open: (hash = '') => openPage(b, `${url}${hash}`),
      async stopServer() {
        const s = server;
        server = null;
        if (s) await stopPreview(s);
      },
    };
  });
  afterAll(async () => {
    await browser?.close();
    if (server) await stopPreview(server);
  });
  return () => {
    if (!app) throw new Error('useApp: the app is not started (use it inside tests or hooks after its beforeAll)');
    return app;
  };
}

/** Sets a form field by its test id as a user would: a select's option, or an input's text followed by `change`. */
export async function setField(page: Page, testId: string, value: string | number): Promise<void> {
  const el = page.getByTestId(testId);
  if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(String(value));
  else {
    await el.fill(String(value));
    await el.dispatchEvent('change');
  }
}
