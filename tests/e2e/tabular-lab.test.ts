/**
 * The benchmark lab end to end in real Chromium against the production build: import the NAS-Bench-201
 * table (read from ../shared/benchmarks relative to the repository root, never copied into the repo),
 * run 2 strategies x 3 seeds x 100 queries, see the curves, the results table with numbers and the best
 * cells; reload and find the table still stored; a malformed CSV gets a specific error and stores nothing;
 * a long lab can be cancelled; the zero-cost warm-start switch adds a "<strategy> + zero-cost warm start"
 * curve that completes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ROOT, useApp } from '../helpers/e2e-harness';

const TABLE = path.resolve(ROOT, '../shared/benchmarks/nb201/nb201-cifar10-valid.csv');

const app = useApp();
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'nas-lab-'));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const MEAN_STD = /^(\d+\.\d+) ± (\d+\.\d+)$/;

async function openLab(page: Page): Promise<void> {
  await page.getByTestId('tab-lab').click();
  await page.getByTestId('table-file').waitFor();
}

async function tableCount(page: Page): Promise<number> {
  return page.locator('[data-testid="table-item"]').count();
}

async function setStrategies(page: Page, on: string[]): Promise<void> {
  for (const s of ['random', 'evolution', 'reinforce', 'local']) {
    await page.getByTestId(`lab-strategy-${s}`).setChecked(on.includes(s));
  }
}

describe('benchmark lab in Chromium', () => {
  it('imports a table, compares strategies over seeds, keeps the table across a reload and rejects a bad file', async () => {
    const { page, errors } = await app().open();
    await openLab(page);
    expect(await tableCount(page)).toBe(0);

    // Import the real NB201 table.
    await page.getByTestId('table-file').setInputFiles(TABLE);
    await page.waitForSelector('[data-testid="table-item"]', { timeout: 60_000 });
    expect(await page.getByTestId('table-item').innerText()).toContain('15,625 cells');

    // 2 strategies x 3 seeds x 100 queries.
    await setStrategies(page, ['random', 'evolution']);
    await page.getByTestId('lab-seeds').fill('3');
    await page.getByTestId('lab-budget-queries').check();
    await page.getByTestId('lab-budget').fill('100');
    await page.getByTestId('lab-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lab-status"]')?.textContent === 'done', null, { timeout: 120_000 });
    expect(await page.getByTestId('lab-progress').innerText()).toContain('6 / 6 searches');

    // Curves: a drawn uPlot canvas and a legend entry per strategy with its 3 seeds.
    const canvas = await page.$eval('[data-testid="lab-chart"] canvas', (c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }));
    expect(canvas.w).toBeGreaterThan(200);
    expect(canvas.h).toBeGreaterThan(100);
    const key = await page.locator('.key li').allInnerTexts();
    expect(key.filter((k) => k.includes('(3 seeds'))).toHaveLength(2);
    // Some pixels of the strategies' colours were painted.
    // The chart redraws at most every 250 ms (app/chart.ts): the last data lands just after "done", later on a busy
    // machine, so the canvas is read until the curve shows (at most 15 s).
    const countRed = () => page.$eval('[data-testid="lab-chart"] canvas', (c) => {
      const ctx = (c as HTMLCanvasElement).getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
      let red = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 200 && data[i + 1] < 90 && data[i + 2] < 100 && data[i + 3] > 200) red++;
      return red;
    });
    let painted = await countRed();
    for (const until = Date.now() + 15_000; painted <= 50 && Date.now() < until;) {
      await page.waitForTimeout(500);
      painted = await countRed();
    }
    expect(painted).toBeGreaterThan(50); // the evolution curve (#e63946)

    // Results table with numbers: valid and test accuracy of each search's pick, mean ± std over 3 seeds.
    const rows = await page.$$eval('[data-testid="lab-result-row"]', (trs) =>
      trs.map((tr) => ({
        strategy: tr.getAttribute('data-strategy'),
        cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent?.trim() ?? ''),
        valid: tr.querySelector('[data-testid="lab-valid"]')?.textContent?.trim() ?? '',
        test: tr.querySelector('[data-testid="lab-test"]')?.textContent?.trim() ?? '',
      })),
    );
    expect(rows.map((r) => r.strategy)).toEqual(['random', 'evolution']);
    for (const r of rows) {
      expect(r.cells[1]).toBe('3');
      const v = MEAN_STD.exec(r.valid);
      const t = MEAN_STD.exec(r.test);
      expect(v, `valid cell "${r.valid}"`).not.toBeNull();
      expect(t, `test cell "${r.test}"`).not.toBeNull();
      // 100 queries of a 15,625-cell table land near the top: the best valid_acc is 91.607.
      expect(Number(v![1])).toBeGreaterThan(85);
      expect(Number(v![1])).toBeLessThanOrEqual(91.607);
      expect(Number(t![1])).toBeGreaterThan(80);
      expect(Number(t![1])).toBeLessThanOrEqual(91.523);
      expect(r.cells).toContain('100 ± 0');
    }
    expect(await page.locator('tr.oracle').innerText()).toContain('91.61');
    expect(await page.locator('[data-testid="lab-results"] thead').innerText()).toContain('reported only');

    // The best cell of each strategy, drawn.
    expect(await page.locator('[data-testid="lab-best"]').count()).toBe(2);
    expect(await page.locator('[data-testid="lab-best"] svg[role="img"]').count()).toBe(2);
    expect(await page.locator('[data-testid="lab-best"] .edge-label').count()).toBe(12);

    // Export the evolution winner: its arch text to the clipboard, and a JSON document.
    const card = page.locator('[data-testid="lab-best"]').nth(1);
    const arch = (await card.locator('.arch code').innerText()).trim();
    expect(arch).toMatch(/^\|.+~0\|\+\|.+~2\|$/);
    await app().browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app().url).origin });
    await card.getByTestId('copy-arch').click();
    await card.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(arch);
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByTestId('download-json').click()]);
    const saved = path.join(scratch, download.suggestedFilename());
    await download.saveAs(saved);
    const doc = JSON.parse(readFileSync(saved, 'utf8'));
    expect(download.suggestedFilename()).toMatch(/^nb201-.+\.json$/);
    expect(doc).toMatchObject({ space: 'nb201', arch, config: { strategies: ['random', 'evolution'], seeds: 3, budget: { kind: 'queries', queries: 100 } } });
    expect(doc.genotype.ops).toHaveLength(6);
    expect(typeof doc.hash).toBe('string');
    expect(doc.metrics.valid_acc).toBeGreaterThan(85);
    expect(doc.source).toMatchObject({ lab: 'tabular', strategy: 'evolution' });

    // Reload: the table is still stored (and listed without importing again).
    await page.reload();
    await page.getByTestId('table-file').waitFor(); // the #lab tab survives the reload
    await page.waitForSelector('[data-testid="table-item"]', { timeout: 30_000 });
    expect(await tableCount(page)).toBe(1);
    expect(await page.getByTestId('table-item').innerText()).toContain('nb201-cifar10-valid.csv');

    // A malformed CSV (no arch column): a specific error, and nothing stored.
    const bad = path.join(scratch, 'no-arch.csv');
    writeFileSync(bad, 'index,valid_acc,test_acc\n0,90.1,89.9\n1,88.0,87.5\n');
    await page.getByTestId('table-file').setInputFiles(bad);
    const err = page.getByTestId('lab-import-error');
    await err.waitFor({ timeout: 30_000 });
    const text = await err.innerText();
    expect(text).toContain('no-arch.csv');
    expect(text).toMatch(/column "arch": required column is missing/);
    expect(await tableCount(page)).toBe(1);
    await page.reload();
    await page.waitForSelector('[data-testid="table-item"]', { timeout: 30_000 });
    await page.waitForTimeout(300);
    expect(await tableCount(page)).toBe(1);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('the warm-start switch adds "<strategy> + zero-cost warm start" next to the plain strategy, and it completes', async () => {
    const { page, errors } = await app().open('#lab');
    await page.getByTestId('table-file').waitFor();
    await page.waitForTimeout(500);
    if ((await tableCount(page)) === 0) await page.getByTestId('table-file').setInputFiles(TABLE);
    await page.waitForSelector('[data-testid="table-item"]', { timeout: 60_000 });
    await setStrategies(page, ['evolution']);
    await page.getByTestId('lab-seeds').fill('2');
    await page.getByTestId('lab-budget-queries').check();
    await page.getByTestId('lab-budget').fill('30');
    await page.getByTestId('lab-warm-start').check();
    await page.getByTestId('lab-warm-proxy').selectOption('synflow');
    await page.getByTestId('lab-warm-pool').fill('12');
    await page.getByTestId('lab-warm-keep').fill('5');
    expect(await page.getByTestId('lab-run').innerText()).toBe('Run 2 × 2 searches');
    await page.getByTestId('lab-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lab-status"]')?.textContent === 'done', null, { timeout: 180_000 });
    expect(await page.getByTestId('lab-progress').innerText()).toContain('4 / 4 searches');

    // Two curves in the key, each with its 2 seeds: the plain strategy and its warm-started twin.
    const key = await page.locator('[data-testid="lab-key"]').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-series'), li.textContent ?? '']));
    expect(key.map(([s]) => s)).toEqual(['evolution', 'evolution+zc']);
    expect(key[1][1]).toContain('Regularized evolution + zero-cost warm start');
    for (const [, text] of key) expect(text).toContain('(2 seeds');
    // Both rows of the results table have numbers.
    const rows = await page.$$eval('[data-testid="lab-result-row"]', (trs) =>
      trs.map((tr) => ({ series: tr.getAttribute('data-strategy'), valid: tr.querySelector('[data-testid="lab-valid"]')?.textContent?.trim() ?? '', runs: tr.querySelectorAll('td')[1]?.textContent?.trim() })),
    );
    expect(rows.map((r) => r.series)).toEqual(['evolution', 'evolution+zc']);
    for (const r of rows) {
      expect(r.runs).toBe('2');
      const v = MEAN_STD.exec(r.valid);
      expect(v, `valid cell "${r.valid}"`).not.toBeNull();
      expect(Number(v![1])).toBeGreaterThan(80);
    }
    // The proxy's measured cost is reported (and is not part of the simulated time).
    const cost = await page.getByTestId('lab-warm-cost').innerText();
    expect(cost).toMatch(/\d+ cells scored with synflow, \d+\.\d ms each/);
    expect(await page.locator('[data-testid="lab-best"]').count()).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('cancels a long lab and keeps the searches that finished', async () => {
    const { page, errors } = await app().open('#lab');
    await page.getByTestId('table-file').waitFor();
    await page.waitForTimeout(500);
    if ((await tableCount(page)) === 0) await page.getByTestId('table-file').setInputFiles(TABLE);
    await page.waitForSelector('[data-testid="table-item"]', { timeout: 60_000 });
    await setStrategies(page, ['random', 'evolution', 'reinforce', 'local']);
    await page.getByTestId('lab-seeds').fill('100');
    await page.getByTestId('lab-budget').fill('15625');
    await page.getByTestId('lab-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lab-status"]')?.textContent === 'running', null, { timeout: 30_000 });
    await page.getByTestId('lab-cancel').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lab-status"]')?.textContent === 'cancelled', null, { timeout: 30_000 });
    const progress = await page.getByTestId('lab-progress').innerText();
    const m = /(\d+) \/ 400 searches/.exec(progress);
    expect(m, progress).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(400);
    expect(progress).toContain('Cancelled');
    // The form is usable again.
    expect(await page.getByTestId('lab-run').isDisabled()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });
});
