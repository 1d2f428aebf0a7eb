/**
 * PWA: after one online visit the service worker (Workbox, via vite-plugin-pwa) has precached the app,
 * its .wasm binaries and the built-in dataset; with the server gone, the app still loads and a search on
 * the built-in dataset still runs.
 */
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/e2e-harness';

const app = useApp();

describe('offline after the first visit', () => {
  it('loads and searches with the server stopped', async () => {
    const { page } = await app().open();
    // Wait until the service worker has installed (precache complete) and controls the page.
    await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 120_000 });
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });

    await app().stopServer();
    await app().browser.context.setOffline(true);
    const nav = await page.reload();
    expect(nav?.status() ?? 200).toBe(200);
    await page.getByTestId('start').waitFor({ timeout: 30_000 });

    // A search on the built-in dataset works offline: wasm binaries and MNIST come from the cache.
    await page.getByTestId('budget').fill('1');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('train-samples').fill('128');
    await page.getByTestId('valid-samples').fill('64');
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 180_000 });
    expect(await page.locator('[data-testid="candidate-row"]').count()).toBe(1);
    expect(await page.getByTestId('error').count()).toBe(0);
    await page.close();
  });
});
