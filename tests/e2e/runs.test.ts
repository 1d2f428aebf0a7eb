/**
 * The Runs tab (issue 15 items 3 and 8) in Chromium against the production build, on real workers with tiny
 * budgets and the page's own IndexedDB: two search runs, a one-shot run and a finalists job are listed together with
 * their statuses (a stored 'running' run no worker holds reads "interrupted"); Compare draws both runs' best-so-far
 * curves (points counted per series), their fronts, their best cells and the differing settings; the CSV export reads
 * back to the stored candidates; Delete says what it freed and the run is gone from storage; Open and Duplicate go to
 * the right tab. Screenshots of the list and the comparison at 1280 and 390 px go to $E2E_SHOTS (default: the OS temp folder).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { setField, useApp } from '../helpers/e2e-harness';
import { parseCsv } from '../helpers/csv-parse';
import { CANDIDATE_CSV_HEADER } from '../../src/app/runs/candidates-csv';

const app = useApp();
const SHOTS = process.env.E2E_SHOTS ?? tmpdir();

async function tinySearch(page: Page, name: string, seed: number, budget: number): Promise<void> {
  for (const [id, v] of [['run-name', name], ['seed', seed], ['budget', budget], ['epochs', 1], ['train-samples', 128], ['valid-samples', 64], ['channels', 4], ['backend', 'wasm']] as const) await setField(page, id, v);
  await page.getByTestId('start').click();
  await page.waitForFunction((n) => document.querySelector('[data-testid="run-status"]')?.textContent === 'done' &&
    (document.querySelector('[data-testid="progress"]')?.textContent ?? '').includes(`${n} / ${n} candidates`), budget, { timeout: 300_000 });
}

/**
 * Raw IndexedDB in the page (the app's own database), independent of the app's code: `op` names what to do with the
 * store (the page's CSP allows no eval, so the operations are written out here).
 */
function idb<T>(page: Page, op: 'mark-running' | 'candidates' | 'left' | 'models', id: string | null): Promise<T> {
  return page.evaluate(async ([o, runId]) => {
    const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open('nas-playground'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const req = <R>(r: IDBRequest<R>) => new Promise<R>((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    try {
      if (o === 'mark-running') {
        const st = db.transaction('runs', 'readwrite').objectStore('runs');
        const run = await req(st.get(runId!));
        await req(st.put({ ...run, status: 'running' }));
        return null;
      }
      if (o === 'candidates') return await req(db.transaction('candidates').objectStore('candidates').index('byRun').getAll(runId!));
      if (o === 'left') return (await req(db.transaction('candidates').objectStore('candidates').index('byRun').getAll(runId!))).length + ((await req(db.transaction('runs').objectStore('runs').get(runId!))) ? 1 : 0);
      return (await req(db.transaction('models').objectStore('models').getAll())).length;
    } finally {
      db.close();
    }
  }, [op, id] as const) as Promise<T>;
}

const row = (page: Page, kind: string, name: string) => page.locator(`[data-testid="run-row"][data-kind="${kind}"]`).filter({ hasText: name });

describe('the Runs tab', () => {
  it('lists every kind of run, compares two, exports CSV, deletes with the storage freed', async () => {
    const { page, errors } = await app().open();
    await page.getByTestId('start').waitFor({ timeout: 30_000 });
    await tinySearch(page, 'tiny A', 1, 2);
    await tinySearch(page, 'tiny B', 2, 3);

    // Finalists of run B (shown now): one model, one epoch.
    const panel = page.getByTestId('finalists-panel');
    await panel.getByTestId('finalists-top').fill('1');
    await panel.getByTestId('finalists-train-samples').fill('128');
    await panel.getByTestId('finalists-valid-samples').fill('64');
    await panel.locator('details.recipe summary').click();
    await panel.getByTestId('recipe-epochs').fill('1');
    await panel.getByTestId('finalists-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="finalists-status"]')?.textContent === 'done', null, { timeout: 300_000 });

    // A one-shot run.
    await page.getByTestId('tab-oneshot').click();
    for (const [id, v] of [['oneshot-method', 'spos'], ['oneshot-epochs', 1], ['oneshot-batch', 16], ['oneshot-channels', 4], ['oneshot-cells', 1],
      ['oneshot-train-samples', 64], ['oneshot-valid-samples', 64], ['oneshot-seed', 3], ['oneshot-backend', 'wasm'], ['oneshot-subnets', 4],
      ['oneshot-topk', 2], ['oneshot-ranking-check', 0]] as const) await setField(page, id, v);
    await page.getByTestId('oneshot-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'done', null, { timeout: 300_000 });
    const oneShotId = await page.getByTestId('oneshot-status').getAttribute('data-run');

    // Run A as a tab closed mid-run leaves it: stored 'running', held by no worker.
    await page.getByTestId('tab-runs').click();
    await row(page, 'search', 'tiny A').waitFor();
    const idA = (await row(page, 'search', 'tiny A').getAttribute('data-id'))!;
    const idB = (await row(page, 'search', 'tiny B').getAttribute('data-id'))!;
    await idb(page, 'mark-running', idA);
    await page.reload();
    await row(page, 'finalists', 'tiny B').waitFor({ timeout: 30_000 });
    await row(page, 'oneshot', 'SPOS').waitFor({ timeout: 30_000 });

    const rows = await page.$$eval('[data-testid="run-row"]', (lis) => lis.map((li) => ({
      kind: li.getAttribute('data-kind'), status: li.querySelector('[data-testid="run-row-status"]')?.textContent, progress: li.querySelector('[data-testid="run-row-progress"]')?.textContent,
      name: li.querySelector('.name')?.textContent,
    })));
    expect(rows.map((r) => r.kind).sort()).toEqual(['finalists', 'oneshot', 'search', 'search']);
    expect(rows.find((r) => r.name === 'tiny A')).toMatchObject({ status: 'interrupted', progress: '2/2 candidates' });
    expect(rows.find((r) => r.name === 'tiny B')).toMatchObject({ status: 'done', progress: '3/3 candidates' });
    expect(rows.find((r) => r.kind === 'oneshot')).toMatchObject({ status: 'done', progress: 'epoch 1/1' });
    expect(rows.find((r) => r.kind === 'finalists')).toMatchObject({ status: 'done', name: 'Finalists of "tiny B"', progress: '1/1 epochs' });
    // The interrupted run offers Resume; the finished ones do not.
    expect(await row(page, 'search', 'tiny A').getByTestId('run-resume').count()).toBe(1);
    expect(await row(page, 'search', 'tiny B').getByTestId('run-resume').count()).toBe(0);

    // Compare A and B.
    await row(page, 'search', 'tiny A').getByTestId('compare-pick').check();
    await row(page, 'search', 'tiny B').getByTestId('compare-pick').check();
    const compare = page.getByTestId('compare');
    await compare.waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare-best"] [data-testid="compare-point"]').length === 5);
    const best = await page.$$eval('[data-testid="compare-best"] [data-testid="compare-series"]', (gs) => gs.map((g) => [g.getAttribute('data-label'), g.querySelectorAll('[data-testid="compare-point"]').length]));
    expect(best).toEqual([['1. tiny A', 2], ['2. tiny B', 3]]);
    const fronts = await page.$$eval('[data-testid="compare-fronts"] [data-testid="compare-series"]', (gs) => gs.map((g) => g.querySelectorAll('[data-testid="compare-point"]').length));
    expect(fronts).toHaveLength(2);
    for (const n of fronts) expect(n).toBeGreaterThanOrEqual(1);
    // Told apart by marker shape, not only colour.
    expect(await page.$$eval('[data-testid="compare-fronts"] [data-testid="compare-series"]', (gs) => gs.map((g) => g.getAttribute('data-marker')))).toEqual(['circle', 'square']);
    expect(await compare.getByTestId('compare-genotype').locator('svg').count()).toBeGreaterThanOrEqual(2);
    const differing = await page.$$eval('[data-testid="compare-setting"][data-differs="true"] th', (ths) => ths.map((t) => t.textContent?.trim()));
    expect(differing).toEqual(['Seed ≠ differs', 'Candidates ≠ differs']);

    await page.screenshot({ path: path.join(SHOTS, 'runs-1280.png'), fullPage: true });
    await compare.screenshot({ path: path.join(SHOTS, 'compare-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'runs-390.png'), fullPage: true });
    await compare.screenshot({ path: path.join(SHOTS, 'compare-390.png') });
    // Nothing of the view is wider than the phone (the settings table scrolls inside its own box).
    expect(await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      return Array.from(document.querySelectorAll('#view-runs *')).filter((e) => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap')).map((e) => e.className || e.tagName);
    })).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });

    // CSV of run B: parses back to the stored candidates.
    const [download] = await Promise.all([page.waitForEvent('download'), row(page, 'search', 'tiny B').getByTestId('export-csv').click()]);
    expect(download.suggestedFilename()).toBe('tiny-b.candidates.csv');
    const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
    const stored = await idb<{ id: number; arch: string; hash: string; metrics: Record<string, number>; objective: number | null; feasible: boolean; error?: string; parents: number[] }[]>(
      page, 'candidates', idB);
    expect(csv[0]).toEqual([...CANDIDATE_CSV_HEADER]);
    expect(csv).toHaveLength(stored.length + 1);
    expect(stored).toHaveLength(3);
    const col = (n: (typeof CANDIDATE_CSV_HEADER)[number]) => CANDIDATE_CSV_HEADER.indexOf(n);
    for (const c of stored.sort((a, b) => a.id - b.id)) {
      const r = csv[c.id + 1];
      expect([Number(r[col('id')]), r[col('genotype')], r[col('hash')], r[col('fits')], r[col('failure_reason')], r[col('parents')]]).toEqual([c.id, c.arch, c.hash, c.feasible ? 'yes' : 'no', c.error ?? '', c.parents.join(' ')]);
      expect(Number(r[col('val_acc_pct')])).toBe(c.metrics.valid_acc);
      expect(Number(r[col('params')])).toBe(c.metrics.params);
      expect(Number(r[col('mflops')]) * 1e6).toBeCloseTo(c.metrics.flops, 6);
      expect(Number(r[col('latency_ms')])).toBe(c.metrics.latency_ms);
      expect(r[col('objective')] === '' ? null : Number(r[col('objective')])).toBe(c.objective);
    }

    // Open goes to the run's tab and shows it; Duplicate fills the form and starts nothing.
    await row(page, 'oneshot', 'SPOS').getByTestId('run-open').click();
    await page.waitForFunction((id) => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-run') === id, oneShotId);
    expect(await page.getByTestId('tab-oneshot').getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('tab-runs').click();
    await row(page, 'search', 'tiny B').getByTestId('run-duplicate').click();
    expect(await page.getByTestId('tab-search').getAttribute('aria-selected')).toBe('true');
    expect([await page.getByTestId('run-name').inputValue(), await page.getByTestId('seed').inputValue(), await page.getByTestId('budget').inputValue()]).toEqual(['tiny B (copy)', '2', '3']);

    // Delete run A: the storage it freed is said, and it is gone from the list and from IndexedDB.
    await page.getByTestId('tab-runs').click();
    await row(page, 'search', 'tiny A').getByTestId('run-delete').click();
    await row(page, 'search', 'tiny A').getByTestId('run-delete-yes').click();
    await page.getByTestId('runs-view-notice').waitFor();
    expect(await page.getByTestId('runs-view-notice').textContent()).toMatch(/^Deleted "tiny A" \(2 candidates\): about \d+(\.\d)? (kB|MB) freed/);
    expect(await row(page, 'search', 'tiny A').count()).toBe(0);
    expect(await idb<number>(page, 'left', idA)).toBe(0);
    // One run left ticked: the comparison asks for another.
    expect(await page.getByTestId('compare').count()).toBe(0);
    // The finalists job: deleted with what it freed; its tested model stays in the registry.
    await row(page, 'finalists', 'tiny B').getByTestId('run-delete').click();
    await row(page, 'finalists', 'tiny B').getByTestId('run-delete-yes').click();
    await page.waitForFunction(() => /^Deleted finalists of "tiny B" with their re-training checkpoints: about \d+(\.\d)? (B|kB|MB) freed; tested models stay in the registry\.$/.test(document.querySelector('[data-testid="runs-view-notice"]')?.textContent ?? ''));
    expect(await idb<number>(page, 'models', null)).toBe(1);

    // Pause and resume from the list: a longer search, paused while it trains, resumed, paused again.
    await page.getByTestId('tab-search').click();
    for (const [id, v] of [['run-name', 'tiny C'], ['seed', 5], ['budget', 200], ['epochs', 1], ['train-samples', 128], ['valid-samples', 64], ['channels', 4], ['backend', 'wasm']] as const) await setField(page, id, v);
    await page.getByTestId('start').click();
    await page.getByTestId('tab-runs').click();
    const c = row(page, 'search', 'tiny C');
    await c.getByTestId('run-pause').waitFor({ timeout: 60_000 });
    expect(await c.getAttribute('data-status')).toBe('running');
    await c.getByTestId('run-pause').click();
    await c.and(page.locator('[data-status="paused"]')).waitFor({ timeout: 120_000 });
    await c.getByTestId('run-resume').click();
    await c.and(page.locator('[data-status="running"]')).waitFor({ timeout: 60_000 });
    await c.getByTestId('run-pause').click();
    await c.and(page.locator('[data-status="paused"]')).waitFor({ timeout: 120_000 });
    expect(await c.getByTestId('run-row-progress').textContent()).toMatch(/^\d+\/200 candidates$/);

    // Export and import from the list: each run file comes back as a new run of its kind (an imported one-shot run is never resumed).
    const [runFile] = await Promise.all([page.waitForEvent('download'), row(page, 'search', 'tiny B').getByTestId('runs-export-run').click()]);
    await page.getByTestId('runs-import-run').setInputFiles({ name: runFile.suggestedFilename(), mimeType: 'application/json', buffer: readFileSync((await runFile.path())!) });
    await page.getByTestId('runs-view-notice').filter({ hasText: `Imported "${runFile.suggestedFilename()}" as a new search run.` }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"][data-kind="search"]').length === 3);
    expect(await row(page, 'search', 'tiny B').count()).toBe(2);
    const [osFile] = await Promise.all([page.waitForEvent('download'), row(page, 'oneshot', 'SPOS').getByTestId('runs-oneshot-export-run').click()]);
    await page.getByTestId('runs-oneshot-import-run').setInputFiles({ name: osFile.suggestedFilename(), mimeType: 'application/json', buffer: readFileSync((await osFile.path())!) });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"][data-kind="oneshot"]').length === 2);
    const imported = row(page, 'oneshot', 'imported');
    expect(await imported.getAttribute('data-status')).toBe('done');
    expect(await imported.getByTestId('run-resume').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);
});
