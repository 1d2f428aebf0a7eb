/**
 * WASM threads in the built app (issue 7): served cross-origin isolated (vite preview with COOP/COEP, as in
 * production), the search worker's WASM backend starts with >= 2 threads and says why; served WITHOUT those headers
 * (a plain static server of the same build) it runs on 1 thread and the panel says the page is not isolated. When
 * isolated, the engine's own conv kernels run on a kernel pool with the same thread count (src/engine/accel/pool/kernel-pool.ts,
 * Blob-URL helper workers), and the panel says so; not isolated, there is no pool. The same seeded candidate, trained on
 * both, reaches the same training loss (threads only split the work). Offline, the service worker serves the precached
 * responses with their headers, so the page stays isolated, threaded and pooled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { DIST, launch, ROOT, startPreview, stopPreview, type BrowserHandle } from '../helpers/e2e-harness';

let isolated: { server: PreviewServer; url: string };
let plain: { server: PreviewServer; url: string };
let browser: BrowserHandle;

/** The same build served without COOP/COEP (no config file, so none of vite.config.ts's headers). */
async function startPlainPreview(): Promise<{ server: PreviewServer; url: string }> {
  const server = await preview({ configFile: false, root: ROOT, base: './', logLevel: 'warn', build: { outDir: DIST }, preview: { port: 0, host: '127.0.0.1' } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report its URL');
  return { server, url };
}

beforeAll(async () => {
  isolated = await startPreview();
  plain = await startPlainPreview();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  if (isolated) await stopPreview(isolated.server);
  if (plain) await stopPreview(plain.server);
});

interface Outcome { isolated: boolean; threads: number; threadsText: string; wasmLine: string; trainLoss: number[] }

/** One seeded single-candidate search on the forced WASM backend; what the panel and IndexedDB say afterwards. */
async function searchOnce(url: string): Promise<Outcome> {
  const page = await browser.context.newPage();
  try {
    await page.goto(url);
    return await searchOn(page);
  } finally {
    await page.close();
  }
}

async function searchOn(page: Page): Promise<Outcome> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  {
    await page.getByTestId('backend').selectOption('wasm');
    for (const [id, v] of [['budget', 1], ['epochs', 2], ['train-samples', 512], ['valid-samples', 128], ['seed', 7]] as const) {
      await page.getByTestId(id).fill(String(v));
    }
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 240_000 });
    await page.locator('[data-testid="backend-panel"] summary').click();
    const threadsEl = page.getByTestId('wasm-threads');
    const out: Outcome = {
      isolated: await page.evaluate(() => self.crossOriginIsolated),
      threads: Number(await threadsEl.getAttribute('data-threads')),
      threadsText: (await threadsEl.textContent())?.replace(/\s+/g, ' ').trim() ?? '',
      wasmLine: (await page.locator('[data-testid="backend-panel"] li', { hasText: 'wasm:' }).textContent())?.trim() ?? '',
      trainLoss: await page.evaluate(() => new Promise<number[]>((resolve, reject) => {
        const req = indexedDB.open('nas-playground');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const all = req.result.transaction('candidates').objectStore('candidates').getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = () => resolve((all.result as { id: number; metrics: Record<string, number> }[]).sort((a, b) => a.id - b.id).map((c) => c.metrics.train_loss));
        };
      })),
    };
    expect(await page.getByTestId('backend-live').textContent()).toBe('wasm');
    expect(errors).toEqual([]);
    return out;
  }
}

describe('WASM threads in Chromium', () => {
  it('uses threads when cross-origin isolated, 1 thread (with the reason) when not, and trains to the same loss', async () => {
    const threaded = await searchOnce(isolated.url);
    console.log(`[e2e] isolated: ${threaded.threadsText} | ${threaded.wasmLine} | train_loss ${threaded.trainLoss.join(', ')}`);
    const single = await searchOnce(plain.url);
    console.log(`[e2e] not isolated: ${single.threadsText} | ${single.wasmLine} | train_loss ${single.trainLoss.join(', ')}`);

    expect(threaded.isolated).toBe(true);
    expect(threaded.threads).toBeGreaterThanOrEqual(2);
    expect(threaded.threadsText).toMatch(/cross-origin isolated: \d+ WASM threads/);
    expect(threaded.wasmLine).toContain(`${threaded.threads} thread(s)`);
    // The engine's conv kernels on the kernel pool, with as many threads as XNNPACK.
    expect(threaded.threadsText).toContain(`the engine's conv kernels on ${threaded.threads} threads`);
    // ... next to ONE XNNPACK thread (faster on 2 cores, workers/backend.ts XNNPACK_THREADS_WITH_POOL).
    expect(threaded.threadsText).toContain("tfjs's own kernels on 1 thread");

    expect(single.isolated).toBe(false);
    expect(single.threads).toBe(1);
    expect(single.threadsText).toContain('page is not cross-origin isolated');
    expect(single.threadsText).not.toMatch(/conv kernels on/);

    expect(threaded.trainLoss).toHaveLength(1);
    expect(single.trainLoss).toHaveLength(1);
    expect(Number.isFinite(threaded.trainLoss[0])).toBe(true);
    expect(Math.abs(threaded.trainLoss[0] - single.trainLoss[0]) / Math.abs(single.trainLoss[0])).toBeLessThan(1e-4);
  });

  it('keeps threads offline: the service worker serves the precached responses with their COOP/COEP headers', async () => {
    const own = await startPreview();
    let running: PreviewServer | null = own.server;
    const page = await browser.context.newPage();
    try {
      await page.goto(own.url);
      await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 120_000 });
      await page.reload();
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
      await stopPreview(own.server);
      running = null;
      await browser.context.setOffline(true);
      await page.reload();
      await page.getByTestId('start').waitFor({ timeout: 30_000 });
      const offline = await searchOn(page);
      console.log(`[e2e] offline: ${offline.threadsText}`);
      expect(offline.isolated).toBe(true);
      expect(offline.threads).toBeGreaterThanOrEqual(2);
      expect(offline.threadsText).toContain(`the engine's conv kernels on ${offline.threads} threads`);
    } finally {
      await browser.context.setOffline(false);
      await page.close();
      if (running) await stopPreview(running);
    }
  });
});
