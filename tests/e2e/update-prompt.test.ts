/**
 * Updates never kill work (issue 14, item 9): a page of the installed app runs a search while the server starts
 * serving a second build (a changed service worker). The page is not reloaded: it shows "a new version is ready",
 * refuses to reload while the search runs, and reloads into the new version once the search is stopped and the
 * user clicks Reload.
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from 'vite';
import { DIST, launch, openPage, startPreview, stopPreview, type BrowserHandle } from '../helpers/e2e-harness';

let server: PreviewServer | null = null;
let browser: BrowserHandle | null = null;
afterAll(async () => {
  await browser?.close();
  if (server) await stopPreview(server);
});

describe('a new deployment while a search runs', () => {
  it('waits for the user and for the search, then reloads into the new version', async () => {
    // A copy of the build we can redeploy in place.
    const site = mkdtempSync(path.join(tmpdir(), 'nas-update-'));
    cpSync(DIST, site, { recursive: true });
    let url: string;
    ({ server, url } = await startPreview(0, site));
    browser = await launch();
    const { page, errors } = await openPage(browser, url);
    await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 120_000 });
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });

    for (const [id, v] of [['budget', 40], ['epochs', 1], ['train-samples', 128], ['valid-samples', 64], ['seed', 4]] as const) await page.getByTestId(id).fill(String(v));
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'running', null, { timeout: 120_000 });
    await page.evaluate(() => { (window as unknown as { sameDocument: boolean }).sameDocument = true; });

    // The second build: a different service worker script.
    const sw = path.join(site, 'sw.js');
    const before = readFileSync(sw, 'utf8');
    appendFileSync(sw, `\n// second build ${Date.now()}\n`);
    await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())?.update(); });

    await page.getByTestId('update-banner').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('update-wait').textContent()).toContain('a search is running in this tab');
    expect(await page.getByTestId('update-reload').isDisabled()).toBe(true);
    // Not reloaded: the same document, the search still running.
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await page.getByTestId('run-status').textContent()).toBe('running');

    await page.getByTestId('stop').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'paused', null, { timeout: 120_000 });
    expect(await page.getByTestId('update-wait').count()).toBe(0);
    expect(await page.getByTestId('update-reload').isDisabled()).toBe(false);
    await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.getByTestId('update-reload').click()]);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBeUndefined();
    // The new worker controls the page; nothing is waiting any more.
    await page.waitForFunction(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return r?.active !== null && r?.waiting === null && navigator.serviceWorker.controller !== null;
    }, null, { timeout: 30_000 });
    expect(await page.getByTestId('update-banner').count()).toBe(0);
    expect(before).not.toEqual(readFileSync(sw, 'utf8'));
    expect(errors).toEqual([]);
  }, 400_000);
});
