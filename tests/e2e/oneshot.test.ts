/**
 * One-shot searches in real Chromium against the production build: a tiny DARTS run shows step losses, a 6 x 5
 * alpha heatmap whose rows sum to 1 and a derived genotype; stopped after an epoch, reloaded and resumed, it
 * continues from the stored checkpoint's epoch (not from 0). A tiny SPOS run ranks its subnets, marks the top k
 * and reports the Kendall tau of its ranking check; exported as a run file and imported back, it shows the same
 * ranking as a second, imported run that cannot be resumed. On the DARTS-cell supernet a tiny DARTS run shows 14 alpha rows
 * per cell type (8 ops each) and draws the derived normal and reduction cells; on the mobile macro-space supernet
 * (SPOS only: the DARTS methods are disabled) a tiny SPOS run ranks its subnets with a Kendall-tau check.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { useApp, setField } from '../helpers/e2e-harness';
import { parseOneShotRunFile } from '../../src/shared/oneshot-run-file';

const app = useApp();

const set = setField;

async function tinyConfig(page: Page, method: string, epochs: number): Promise<void> {
  await set(page, 'oneshot-method', method);
  await set(page, 'oneshot-epochs', epochs);
  await set(page, 'oneshot-batch', 16);
  await set(page, 'oneshot-channels', 4);
  await set(page, 'oneshot-cells', 1);
  await set(page, 'oneshot-train-samples', 64);
  await set(page, 'oneshot-valid-samples', 64);
  await set(page, 'oneshot-seed', 3);
  await set(page, 'oneshot-backend', 'wasm');
}

const epochsDone = async (page: Page) => Number(await page.getByTestId('oneshot-epoch').textContent());

/** The stored checkpoint of the newest one-shot run, read straight from IndexedDB. */
async function storedCheckpoint(page: Page): Promise<{ epoch: number; metaEpoch: number; tensors: number; typed: boolean } | null> {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('nas-playground');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const runs = db.transaction('oneshotRuns').objectStore('oneshotRuns').getAll();
      runs.onsuccess = () => {
        const list = (runs.result as { id: string; updatedAt: number }[]).sort((a, b) => b.updatedAt - a.updatedAt);
        if (list.length === 0) { db.close(); resolve(null); return; }
        const cp = db.transaction('oneshotCheckpoints').objectStore('oneshotCheckpoints').get(list[0].id);
        cp.onsuccess = () => {
          const c = cp.result as { epoch: number; meta: { epoch: number }; tensors: Record<string, { data: unknown }> } | undefined;
          db.close();
          resolve(c ? { epoch: c.epoch, metaEpoch: c.meta.epoch, tensors: Object.keys(c.tensors).length, typed: Object.values(c.tensors).every((t) => t.data instanceof Float32Array || t.data instanceof Int32Array) } : null);
        };
      };
    };
  }));
}

async function heatmap(page: Page): Promise<number[][]> {
  return page.$$eval('[data-testid="alpha-heatmap"] [data-testid="alpha-row"]', (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('[data-testid="alpha-cell"]'), (td) => Number((td as HTMLElement).dataset.value))));
}

describe('one-shot searches in Chromium', () => {
  it('DARTS: live losses, alphas and genotype; stop, reload, resume from the checkpoint', async () => {
    const { page, errors } = await app().open('#oneshot');
    await tinyConfig(page, 'darts', 3);
    await page.getByTestId('oneshot-start').click();

    await page.waitForFunction(() => Number(document.querySelector('[data-testid="oneshot-epoch"]')?.textContent) >= 1, null, { timeout: 150_000 });
    await page.getByTestId('oneshot-stop').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'paused', null, { timeout: 60_000 });
    const stoppedAt = await epochsDone(page);
    expect(stoppedAt).toBeGreaterThanOrEqual(1);
    expect(stoppedAt).toBeLessThan(3);

    expect(Number(await page.getByTestId('oneshot-loss-chart').getAttribute('data-points'))).toBeGreaterThan(0);
    const rows = await heatmap(page);
    expect(rows).toHaveLength(6);
    for (const r of rows) {
      expect(r).toHaveLength(5);
      expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    }
    const arch = await page.getByTestId('oneshot-genotype').textContent();
    expect(arch).toMatch(/^\|.+~0\|/);
    expect(await page.locator('[data-testid="cell-graph"] svg').count()).toBeGreaterThan(0);

    // The checkpoint in IndexedDB: typed-array tensors, taken at (or after) the last finished epoch.
    const cp = await storedCheckpoint(page);
    expect(cp).not.toBeNull();
    expect(cp!.typed).toBe(true);
    expect(cp!.tensors).toBeGreaterThan(10);
    expect(cp!.metaEpoch).toBe(stoppedAt);

    // Reload: the run, its charts and its checkpoint are still there; resume continues from the checkpoint.
    await page.goto(`${app().url}#oneshot`);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'paused', null, { timeout: 30_000 });
    expect(await epochsDone(page)).toBe(stoppedAt);
    expect(await heatmap(page)).toHaveLength(6);
    expect(Number(await page.getByTestId('oneshot-checkpoint').getAttribute('data-epoch'))).toBe(stoppedAt);
    await page.getByTestId('oneshot-resume').click();
    await page.waitForSelector('[data-testid="oneshot-live"]', { timeout: 120_000 });
    expect(Number(await page.getByTestId('oneshot-live').getAttribute('data-epoch'))).toBeGreaterThanOrEqual(stoppedAt);
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'done', null, { timeout: 150_000 });
    expect(await epochsDone(page)).toBe(3);
    // One alpha snapshot per epoch, none repeated: the resumed search did not start over.
    expect(Number(await page.getByTestId('oneshot-collapse-chart').getAttribute('data-points'))).toBe(3);
    const steps = Number(await page.getByTestId('oneshot-loss-chart').getAttribute('data-points'));
    expect(steps).toBe(3 * 4);
    const done = await storedCheckpoint(page);
    expect(done!.epoch).toBe(3);
    expect(await page.getByTestId('oneshot-export-arch').textContent()).toMatch(/^\|.+~0\|/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('SPOS: ranks N subnets, marks the top k and reports the ranking check', async () => {
    const { page, errors } = await app().open('#oneshot');
    await tinyConfig(page, 'spos', 1);
    await set(page, 'oneshot-subnets', 6);
    await set(page, 'oneshot-topk', 2);
    await set(page, 'oneshot-flops-penalty', 0.5);
    await set(page, 'oneshot-ranking-check', 3);
    await page.getByTestId('oneshot-start').click();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="oneshot-status"]');
      return el?.getAttribute('data-method') === 'spos' && el.getAttribute('data-status') === 'done';
    }, null, { timeout: 200_000 });
    const ranked = await page.$$eval('[data-testid="ranked-row"]', (trs) => trs.map((tr) => ({ top: tr.getAttribute('data-top') === 'true', cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '') })));
    expect(ranked).toHaveLength(6);
    expect(ranked.filter((r) => r.top)).toHaveLength(2);
    expect(ranked[0].top && ranked[1].top).toBe(true);
    const objectives = ranked.map((r) => Number(r.cells[4]));
    for (let i = 1; i < objectives.length; i++) expect(objectives[i]).toBeLessThanOrEqual(objectives[i - 1]);
    expect(await page.$$eval('[data-testid="check-row"]', (trs) => trs.length)).toBe(3);
    const tau = Number(await page.getByTestId('kendall-tau').textContent());
    expect(tau).toBeGreaterThanOrEqual(-1);
    expect(tau).toBeLessThanOrEqual(1);
    expect(await page.getByTestId('ranking-check').textContent()).toContain('trusting supernet scores blindly');

    // Export the run as one run file, import it back: a second, imported run showing the same ranking and check,
    // with the supernet lineage, and no Resume (no supernet weights in run files).
    const runs = await page.locator('[data-testid="oneshot-runs"] > li').count();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="oneshot-runs"] > li.selected').getByTestId('oneshot-export-run').click()]);
    expect(download.suggestedFilename()).toMatch(/\.nas-run\.json$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const file = parseOneShotRunFile(JSON.parse(text));
    expect(file.candidates.map((c) => c.arch)).toEqual(ranked.map((r) => r.cells[1]));
    expect(file.candidates.every((c) => c.hash !== null && c.supernet.id === `${file.runId}/${c.supernet.configHash}@1`)).toBe(true);
    const original = await page.getByTestId('oneshot-status').getAttribute('data-run');
    await page.getByTestId('oneshot-import-run').setInputFiles({ name: download.suggestedFilename(), mimeType: 'application/json', buffer: Buffer.from(text) });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="oneshot-runs"] > li').length === n + 1, runs, { timeout: 30_000 });
    await page.waitForFunction((id) => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-run') !== id, original, { timeout: 30_000 });
    const shown = await page.$$eval('[data-testid="ranked-row"]', (trs) => trs.map((tr) => ({ top: tr.getAttribute('data-top') === 'true', cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '') })));
    expect(shown).toEqual(ranked);
    expect(await page.$$eval('[data-testid="check-row"]', (trs) => trs.length)).toBe(3);
    expect(Number(await page.getByTestId('kendall-tau').textContent())).toBe(tau);
    expect(await page.getByTestId('oneshot-imported').textContent()).toContain('Supernet weights are not in run files');
    expect(await page.getByTestId('oneshot-resume').isDisabled()).toBe(true);
    // A black-box search file on this tab is refused with the reason, and adds no run.
    const search = { ...JSON.parse(text), kind: 'search' };
    await page.getByTestId('oneshot-import-run').setInputFiles({ name: 'search.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(search)) });
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-error"]')?.textContent?.includes('this is a black-box search run file: the Search tab imports it'), null, { timeout: 30_000 });
    expect(await page.locator('[data-testid="oneshot-runs"] > li').count()).toBe(runs + 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('DARTS-cell space: 14 alpha rows per cell type, the derived DARTS genotype drawn', async () => {
    const { page, errors } = await app().open('#oneshot');
    await set(page, 'oneshot-space', 'darts');
    await set(page, 'oneshot-method', 'darts');
    await set(page, 'oneshot-epochs', 1);
    await set(page, 'oneshot-batch', 16);
    await set(page, 'oneshot-channels', 2);
    await set(page, 'oneshot-layers', 1);
    await set(page, 'oneshot-train-samples', 32);
    await set(page, 'oneshot-valid-samples', 32);
    await set(page, 'oneshot-seed', 3);
    await set(page, 'oneshot-backend', 'wasm');
    await page.getByTestId('oneshot-start').click();
    // Earlier runs stay listed (the newest is selected on load): wait for this run, on the DARTS space.
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="oneshot-status"]');
      return el?.getAttribute('data-space') === 'darts' && el.getAttribute('data-status') === 'done';
    }, null, { timeout: 240_000 });
    const groups = await page.$$eval('[data-testid="alpha-heatmap"] [data-testid="alpha-row"]', (trs) => trs.map((tr) => tr.getAttribute('data-group')));
    expect(groups.filter((g) => g === 'normal')).toHaveLength(14);
    expect(groups.filter((g) => g === 'reduce')).toHaveLength(14);
    for (const r of await heatmap(page)) {
      expect(r).toHaveLength(8);
      expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    }
    expect(await page.getByTestId('alpha-groups').textContent()).toContain('normal: 14 edges');
    expect(await page.getByTestId('oneshot-genotype').textContent()).toMatch(/^Genotype\(normal=\[/);
    // CellGraph draws both DARTS cells (one panel each), without a drawing error.
    expect(await page.locator('[data-testid="cell-graph"] .panel-svg').count()).toBe(2);
    expect(await page.locator('[data-testid="cell-graph"] .graph-error').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('mobile macro space: DARTS methods disabled with the reason; SPOS ranks subnets with a Kendall-tau check', async () => {
    const { page, errors } = await app().open('#oneshot');
    await set(page, 'oneshot-space', 'mobile');
    expect(await page.getByTestId('oneshot-method').inputValue()).toBe('spos');
    expect(await page.locator('[data-testid="oneshot-method"] option[value="darts"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="oneshot-method"] option[value="pc-darts"]').isDisabled()).toBe(true);
    expect(await page.getByTestId('oneshot-method-note').textContent()).toContain('needs a cell space');
    await set(page, 'oneshot-epochs', 1);
    await set(page, 'oneshot-batch', 16);
    await set(page, 'oneshot-channels', 4);
    await set(page, 'oneshot-mobile-stages', 2);
    await set(page, 'oneshot-mobile-widths', '4, 8');
    await set(page, 'oneshot-mobile-depths', '1, 2');
    await set(page, 'oneshot-train-samples', 64);
    await set(page, 'oneshot-valid-samples', 64);
    await set(page, 'oneshot-seed', 3);
    await set(page, 'oneshot-backend', 'wasm');
    await set(page, 'oneshot-subnets', 6);
    await set(page, 'oneshot-topk', 2);
    await set(page, 'oneshot-ranking-check', 3);
    await page.getByTestId('oneshot-start').click();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="oneshot-status"]');
      return el?.getAttribute('data-space') === 'mobile' && el.getAttribute('data-status') === 'done';
    }, null, { timeout: 240_000 });
    const archs = await page.$$eval('[data-testid="ranked-row"] code', (cs) => cs.map((c) => c.textContent ?? ''));
    expect(archs).toHaveLength(6);
    for (const a of archs) expect(a).toMatch(/^(ds|mb\d)_k\d(_se)?_w[48]_d[12]_s1\|(ds|mb\d)_k\d(_se)?_w[48]_d[12]_s2$/);
    expect(await page.$$eval('[data-testid="check-row"]', (trs) => trs.length)).toBe(3);
    // The shown Kendall tau is tau-b of the check rows' two score columns ('—' when one column is all ties, as
    // happens when a few-step supernet predicts one class for every subnet).
    const rows = await page.$$eval('[data-testid="check-row"]', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => Number(td.textContent))));
    const [a, b] = [rows.map((r) => r[1]), rows.map((r) => r[2])];
    let [con, dis, ta, tb] = [0, 0, 0, 0];
    for (let i = 0; i < a.length; i++) {
      for (let j = i + 1; j < a.length; j++) {
        const [da, db] = [Math.sign(a[i] - a[j]), Math.sign(b[i] - b[j])];
        if (da === 0) ta++;
        if (db === 0) tb++;
        if (da !== 0 && db !== 0) { if (da === db) con++; else dis++; }
      }
    }
    const pairs = (a.length * (a.length - 1)) / 2;
    const denom = Math.sqrt((pairs - ta) * (pairs - tb));
    const shown = await page.getByTestId('kendall-tau').textContent();
    if (denom === 0) expect(shown).toBe('—');
    else expect(Number(shown)).toBeCloseTo((con - dis) / denom, 3);
    // The best subnet drawn as the mobile stage diagram.
    expect(await page.locator('[data-testid="cell-graph"] svg').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="cell-graph"] .graph-error').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
