/**
 * Two tabs of the app in one Chromium profile (issue 14, item 3): while tab A's search worker runs a search, it
 * holds the run's Web Lock, so tab B lists the run as "running in another tab" and offers no Resume; once A stops,
 * B offers Resume again, and A deletes the stopped run (the Delete button is not offered while a run is running
 * anywhere), saying about how much it freed. A newer database version opened elsewhere (an update in another tab) is not blocked: every
 * open connection, pages and workers, closes and each page says to reload.
 */
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/e2e-harness';

const app = useApp();

describe('two tabs', () => {
  it('one run has one owner; a schema upgrade from another tab is not blocked and is announced', async () => {
    const a = await app().open();
    for (const [id, v] of [['budget', 40], ['epochs', 1], ['train-samples', 128], ['valid-samples', 64], ['seed', 9]] as const) await a.page.getByTestId(id).fill(String(v));
    await a.page.getByTestId('start').click();
    await a.page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'running', null, { timeout: 120_000 });

    const b = await app().open();
    await b.page.getByTestId('running-elsewhere').waitFor({ timeout: 20_000 });
    expect(await b.page.getByTestId('runs').getByTestId('resume').count()).toBe(0);
    expect(await b.page.getByTestId('runs').getByTestId('delete-run').count()).toBe(0);
    // The lock itself: tab B cannot take it while A's worker runs the run.
    const free = await b.page.evaluate(async () => {
      const state = await navigator.locks.query();
      const name = state.held?.map((l) => l.name).find((n) => n?.startsWith('nas-playground:search:'));
      return name ? navigator.locks.request(name, { ifAvailable: true }, (lock) => lock !== null) : 'no lock held';
    });
    expect(free).toBe(false);

    await a.page.getByTestId('stop').click();
    await a.page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'paused', null, { timeout: 120_000 });
    await b.page.getByTestId('runs').getByTestId('resume').waitFor({ timeout: 20_000 });
    expect(await b.page.getByTestId('running-elsewhere').count()).toBe(0);

    // The stopped run can be deleted (asked once), with what that freed; its candidates leave IndexedDB.
    await a.page.getByTestId('runs').getByTestId('delete-run').click();
    await a.page.getByTestId('runs').getByTestId('delete-run-yes').click();
    await a.page.getByTestId('runs-notice').waitFor({ timeout: 10_000 });
    expect(await a.page.getByTestId('runs-notice').textContent()).toMatch(/^Deleted ".*" \(\d+ candidates\): about [\d.]+ (B|kB|MB) freed/);
    expect(await a.page.getByTestId('runs').locator('li').count()).toBe(0);
    const left = await a.page.evaluate(() => new Promise<number>((resolve) => {
      const req = indexedDB.open('nas-playground');
      req.onsuccess = () => {
        const c = req.result.transaction('candidates').objectStore('candidates').count();
        c.onsuccess = () => { resolve(c.result); req.result.close(); };
      };
    }));
    expect(left).toBe(0);

    // "Another tab" upgrades the database: the open connections close instead of blocking it.
    const upgrade = await b.page.evaluate(() => new Promise<string>((resolve) => {
      const req = indexedDB.open('nas-playground', 99);
      const timer = setTimeout(() => resolve('still blocked after 10 s'), 10_000);
      req.onsuccess = () => { clearTimeout(timer); req.result.close(); resolve('upgraded'); };
      req.onerror = () => { clearTimeout(timer); resolve(`error: ${req.error?.message}`); };
    }));
    expect(upgrade).toBe('upgraded');
    for (const p of [a.page, b.page]) {
      await p.getByTestId('db-notice').waitFor({ timeout: 10_000 });
      expect(await p.getByTestId('db-notice').textContent()).toContain('updated in another tab');
    }
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 300_000);
});
