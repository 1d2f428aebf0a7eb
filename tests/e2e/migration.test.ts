/**
 * Migrations in the built app (issue 14 item 10): the oldest database (version 1: a dataset v1 with its split and an
 * evolution run with config v1, three candidates v1 and a checkpoint v1; tests/helpers/db-fixtures.ts) is written
 * with raw IndexedDB from a same-origin page that is not the app, BEFORE the app ever opens the database. Then the
 * app loads and upgrades it: the run is listed with its candidates and resumes to the end of its budget, the old
 * candidates unchanged; the dataset is in the Datasets tab with its split.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';
import { decodePlain, oldDb, seedOldDb } from '../helpers/db-fixtures';

const app = useApp();

async function rows(page: Page): Promise<{ id: number; arch: string }[]> {
  return page.$$eval('[data-testid="candidate-row"]', (trs) =>
    trs.map((tr) => ({ id: Number(tr.querySelector('td')?.textContent), arch: tr.querySelector('code')?.textContent ?? '' })));
}

describe('a version-1 database opened by the current build', () => {
  it('lists, shows and resumes the old run, and shows the old dataset', async () => {
    const { url, browser } = app();
    const fixture = oldDb(1);
    const oldCandidates = (decodePlain(fixture.records.candidates) as { id: number; arch: string }[]).map((c) => ({ id: c.id, arch: c.arch }));

    // Seed from a same-origin document that runs none of the app's code (so nothing has opened the database yet).
    const seeder = await browser.context.newPage();
    await seeder.goto(new URL('icon.svg', url).href);
    expect(await seeder.evaluate(() => indexedDB.databases().then((d) => d.map((x) => x.name)))).toEqual([]);
    await seeder.evaluate(seedOldDb, fixture);
    expect(await seeder.evaluate(() => indexedDB.databases().then((d) => d.map((x) => [x.name, x.version])))).toEqual([['nas-playground', 1]]);
    await seeder.close();

    const { page, errors } = await app().open();
    const run = page.locator('[data-testid="runs"] li').filter({ hasText: 'Old v1 run' });
    await run.waitFor({ timeout: 60_000 });
    expect(await run.locator('small').first().textContent()).toBe('evolution, seed 11 · 3/4 · paused');
    await run.getByRole('button', { name: 'Old v1 run' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="candidate-row"]').length === n, oldCandidates.length, { timeout: 30_000 });
    expect(await rows(page)).toEqual(oldCandidates);
    expect(await page.getByTestId('run-status').textContent()).toBe('paused');

    // Resume: the fourth candidate is trained and stored (a v6 write), the three old ones unchanged, none twice.
    await run.getByTestId('resume').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 120_000 });
    const after = await rows(page);
    expect(after.length).toBe(4);
    expect(after.slice(0, 3)).toEqual(oldCandidates);
    expect(new Set(after.map((r) => r.arch)).size).toBe(4);
    expect(await run.locator('small').first().textContent()).toBe('evolution, seed 11 · 4/4 · done');

    // The old dataset is in the Datasets tab, with its locked split and the run that uses it.
    const { page: data, errors: dataErrors } = await app().open('#datasets');
    await data.waitForSelector('[data-testid="dataset-list"][data-loaded="yes"]', { state: 'attached', timeout: 60_000 });
    const row = data.locator('[data-testid="dataset-row"][data-id="user:quadrants"]');
    expect(await row.getByTestId('dataset-name').textContent()).toBe('Quadrants');
    expect(await row.getByTestId('dataset-split').textContent()).toContain('train 14 · validation 6 · test 4');
    await expect.poll(() => row.getByTestId('dataset-runs').textContent(), { timeout: 30_000 }).toContain('Used by 1 run');

    // The upgrade rewrote the v1 dataset record in place (version 2, with its class counts), not only on read.
    expect(await page.evaluate(() => indexedDB.databases().then((d) => d.map((x) => [x.name, x.version])))).toEqual([['nas-playground', 6]]);
    const stored = await page.evaluate(() => new Promise<unknown>((resolve, reject) => {
      const r = indexedDB.open('nas-playground');
      r.onerror = () => reject(r.error);
      r.onsuccess = () => {
        const get = r.result.transaction('datasets').objectStore('datasets').get('user:quadrants');
        get.onsuccess = () => {
          r.result.close();
          resolve(get.result);
        };
        get.onerror = () => reject(get.error);
      };
    }));
    expect(stored).toMatchObject({ version: 2, classCounts: [12, 12], fields: [] });
    expect(errors).toEqual([]);
    expect(dataErrors).toEqual([]);
    await data.close();
    await page.close();
  });
});
