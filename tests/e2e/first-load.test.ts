/**
 * First load costs no worker and no tfjs: opening the built app, visiting every tab and editing the search space
 * (an invalid value shows its error with its path) starts no Web Worker and requests no worker script, tfjs chunk
 * or .wasm binary — the space editor validates with the shared schema in the tab (src/shared). Only when the user
 * starts a search does the search worker start and load tfjs.
 */
import { describe, expect, it } from 'vitest';
import type { Request, Worker } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';

const app = useApp();

/** What only a worker (or a backend inside one) loads: worker bundles, the chunk they share, wasm binaries. */
const HEAVY = /\.worker-[^/]*\.js$|tabular-prerank-[^/]*\.js$|tfjs|\.wasm$/;

const TABS = ['oneshot', 'runs', 'lab', 'profiler', 'datasets', 'search'] as const;

describe('first load', () => {
  it('starts no worker and loads no tfjs until the user starts a search', async () => {
    const page = await app().browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const requested: string[] = [];
    // The service worker's precache fetches are the PWA install, not the page's work: leave them out.
    const record = (r: Request) => { if (!r.serviceWorker()) requested.push(new URL(r.url()).pathname); };
    page.on('request', record);
    app().browser.context.on('request', record);
    const workers: string[] = [];
    page.on('worker', (w: Worker) => workers.push(w.url()));

    await page.goto(app().url);
    await page.getByTestId('start').waitFor({ timeout: 30_000 });
    // The live size of the default space comes from the tab itself.
    await page.waitForFunction(() => /NAS-Bench-201 cell: 15,625 genotypes/.test(document.querySelector('[data-testid="space-size"]')?.textContent ?? ''));

    // Every tab renders without starting anything.
    for (const tab of TABS) {
      await page.getByTestId(`tab-${tab}`).click();
      await page.locator(`#view-${tab}`).waitFor();
    }

    // Edit the space: switch to mobile, then an invalid JSON value shows its problem with its path, Start disabled.
    await page.getByTestId('space-kind').selectOption('mobile');
    await page.getByTestId('block-ds').waitFor();
    await page.getByTestId('space-json').fill(JSON.stringify({ space: 'mobile', widths: [16, 0], kernels: [7] }));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="space-issue"]').length === 2);
    const issues = await page.$$eval('[data-testid="space-issue"]', (lis) => lis.map((li) => li.textContent?.replace(/\s+/g, ' ').trim() ?? ''));
    expect(issues).toEqual(['kernels[0] 7 is not a valid kernel size (allowed: 3, 5)', 'widths[1] width must be at least 1, got 0']);
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    // Broken JSON: reported at the config's root.
    await page.getByTestId('space-json').fill('{"space": "nb201",');
    await page.waitForFunction(() => /^\(config\) is not valid JSON/.test(document.querySelector('[data-testid="space-issue"]')?.textContent?.trim() ?? ''));
    // Back to a valid space: its size, Start enabled.
    await page.getByTestId('space-json').fill(JSON.stringify({ space: 'nb201', ops: ['skip_connect', 'nor_conv_3x3'] }));
    await page.waitForFunction(() => /: 64 genotypes/.test(document.querySelector('[data-testid="space-size"]')?.textContent ?? ''));
    expect(await page.getByTestId('start').isEnabled()).toBe(true);

    await page.waitForLoadState('networkidle');
    expect(workers).toEqual([]);
    expect(requested.filter((p) => HEAVY.test(p))).toEqual([]);
    // The page did load its own bundle (so the request log works).
    expect(requested.some((p) => /\/assets\/index-[^/]*\.js$/.test(p))).toBe(true);

    // Starting a search is what starts the worker and loads tfjs.
    await page.getByTestId('budget').fill('1');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('train-samples').fill('128');
    await page.getByTestId('valid-samples').fill('64');
    await page.getByTestId('channels').fill('4');
    await page.getByTestId('backend').selectOption('wasm');
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 180_000 });
    expect(workers.some((u) => /search\.worker-[^/]*\.js$/.test(u))).toBe(true);
    expect(requested.some((p) => /\.wasm$/.test(p))).toBe(true);
    expect(await page.getByTestId('error').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
