/**
 * Issue 15, item 8, in the built app in Chromium: what a student, a practitioner and a profiler tripped over.
 * Search: limits named as labelled and the shown run left alone when Start refuses; more images than the split
 * holds said before Start; nothing "training" after Stop; the best-so-far chart numbered like the table (#0) with
 * values on hover; yes/no flags; a glossary on every tab. Datasets: an empty folder is said and clears the earlier
 * pick. Profiler: a failed Predict is said by its input and clears the old number, the table can take the
 * Search tab's settings, and tables go to a file and back (checked on import, never replacing a stored one). One-shot: a disconnected cell
 * (all 'none') is warned about before it is offered for download.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';
import { GLOSSARY } from '../../src/shared/glossary';
import { validateOneShotConfig } from '../../src/shared/oneshot-config';
import { supernetConfigHash } from '../../src/shared/oneshot-lineage';
import { emptyOneShotHistory } from '../../src/shared/oneshot-history';
import { ONESHOT_FILE_NOTE } from '../../src/shared/oneshot-run-file';

const app = useApp();
const GOOD = path.resolve(import.meta.dirname, '../fixtures/good-datasets');

const text = async (page: Page, testId: string): Promise<string> => ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s+/g, ' ').trim();
const rowCount = (page: Page) => page.locator('[data-testid="candidate-row"]').count();
const waitStatus = (page: Page, status: string, timeout = 240_000) =>
  page.waitForFunction((s) => document.querySelector('[data-testid="run-status"]')?.textContent === s, status, { timeout });

describe('issue 15 item 8 fixes in Chromium', () => {
  it('Search: glossary on every tab, chart numbered from #0 with hover values, limits named as labelled without disturbing the run, split sizes said, nothing training after Stop', async () => {
    const { page, errors } = await app().open();

    // The glossary opens from every tab and lists every term.
    for (const tab of ['search', 'oneshot', 'lab', 'profiler', 'datasets']) {
      await page.getByTestId(`tab-${tab}`).click();
      await page.getByTestId('glossary-open').click();
      expect(await page.getByTestId('glossary').evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
      expect(await page.getByTestId('glossary-term').allTextContents()).toEqual(GLOSSARY.map((g) => g.term));
      await page.getByTestId('glossary-close').click();
      expect(await page.getByTestId('glossary').evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
    }
    await page.getByTestId('tab-search').click();
    expect(await text(page, 'best-chart-empty')).toContain('Each scored candidate will appear here');
    expect(await text(page, 'space-size')).toBe('NAS-Bench-201 cell: 15,625 genotypes (6 edges × 5 ops)');

    // A tiny search of 2 candidates.
    for (const [id, v] of [['budget', 2], ['epochs', 1], ['train-samples', 64], ['valid-samples', 32], ['seed', 3]] as const) await page.getByTestId(id).fill(String(v));
    await page.getByTestId('start').click();
    await waitStatus(page, 'done');
    expect(await rowCount(page)).toBe(2);
    expect(await page.getByTestId('best-chart-empty').count()).toBe(0);
    // The backend badge is information, not an error: not red.
    const badge = await page.locator('.backend-badge').evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(badge).not.toBe('rgb(230, 57, 70)');
    // "why wasm?": each reason and its details are separate words.
    await page.locator('[data-testid="backend-panel"] summary').click();
    const reasons = await page.$$eval('[data-testid="backend-panel"] li', (lis) => lis.map((li) => ({ all: li.textContent ?? '', detail: li.querySelector('small')?.textContent ?? '' })));
    expect(reasons.length).toBeGreaterThan(1);
    for (const r of reasons) if (r.detail) expect(r.all).toContain(` ${r.detail}`);
    const threads = await text(page, 'wasm-threads');
    if (threads.includes('(')) expect(threads).toMatch(/^WASM threads: \d+ \(/);
    await page.locator('[data-testid="backend-panel"] summary').click();

    // Hovering the first point names candidate #0, as the table does, with its accuracy.
    const over = page.locator('[data-testid="best-chart"] .u-over');
    const box = (await over.boundingBox())!;
    await over.hover({ position: { x: box.width / 2, y: box.height / 2 } });
    await over.hover({ position: { x: 3, y: box.height / 2 } });
    const values = () => page.locator('[data-testid="best-chart"] .u-legend .u-value').allTextContents();
    await expect.poll(async () => (await values())[0]).toBe('#0');
    const legend = await values();
    expect(legend[1]).toMatch(/^\d+\.\d%$/);
    const firstRow = await page.locator('[data-testid="candidate-row"]').first().locator('td').first().textContent();
    expect(firstRow?.trim()).toBe('0');

    // A yes/no metric reads as a word.
    await page.locator('[data-testid="candidate-row"]').first().click();
    const stopped = await page.locator('[data-testid="detail-metrics"] tr', { hasText: 'stopped early' }).locator('td').textContent();
    expect(stopped).toBe('no');

    // More images than the split holds: said before Start, with the split's size.
    await page.getByTestId('train-samples').fill('100000');
    await page.getByTestId('samples-note').waitFor();
    expect(await text(page, 'samples-note')).toMatch(/^"Train images": 100,000 asked, but the train split of MNIST \(10k real digits\) holds [\d,]+ images; the run will use all [\d,]+\.$/);
    await page.getByTestId('train-samples').fill('64');
    expect(await page.getByTestId('samples-note').count()).toBe(0);

    // Out of range: each field named as labelled; Start refuses and the shown run, its rows and status stay.
    const progressBefore = await text(page, 'progress');
    expect(progressBefore).toMatch(/^2 \/ 2 candidates · status: done/);
    expect(await page.getByTestId('budget').getAttribute('max')).toBe('10000');
    await page.getByTestId('budget').fill('1000000000000');
    await page.getByTestId('lr').fill('1000000000');
    expect(await page.locator('[data-testid="form-problems"] li').allTextContents()).toEqual([
      '"Candidates" must be a whole number from 1 to 10,000, got 1,000,000,000,000',
      '"Learning rate" must be above 0 and at most 10, got 1,000,000,000',
    ]);
    await page.getByTestId('start').click();
    await page.getByTestId('error').waitFor();
    const error = await text(page, 'error');
    expect(error).toMatch(/^Not started: "Candidates" must be .*; "Learning rate" must be /);
    expect(error).not.toMatch(/budget|learningRate/);
    expect(await rowCount(page)).toBe(2);
    expect(await text(page, 'progress')).toBe(progressBefore);
    expect(await page.locator('[data-testid="best-chart"] .u-over').count()).toBe(1);

    // Stop mid-candidate: the status line no longer says a candidate is training.
    await page.getByTestId('budget').fill('3');
    await page.getByTestId('lr').fill('0.1');
    await page.getByTestId('epochs').fill('30');
    expect(await page.getByTestId('form-problems').count()).toBe(0);
    await page.getByTestId('start').click();
    await page.waitForFunction(() => /epoch [1-9]\d*\/30/.test(document.querySelector('[data-testid="live"]')?.textContent ?? ''), null, { timeout: 240_000 });
    await page.getByTestId('stop').click();
    await waitStatus(page, 'paused', 120_000);
    expect(await page.getByTestId('live').count()).toBe(0);
    expect(await text(page, 'progress')).toMatch(/status: paused/);
    expect(errors).toEqual([]);
  }, 600_000);

  it('Datasets: an empty folder is said and drops the zip picked before, so Preview cannot preview it', async () => {
    const { page, errors } = await app().open('#datasets');
    await page.getByTestId('import-kind-images').click();
    await page.getByTestId('images-zip').setInputFiles(path.join(GOOD, 'tiny-shapes.zip'));
    expect(await text(page, 'images-zip-chosen')).toBe('tiny-shapes.zip');
    expect(await page.getByTestId('import-preview').isDisabled()).toBe(false);
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-empty-'));
    try {
      await page.getByTestId('images-folder').setInputFiles(dir);
      await page.getByTestId('images-empty-folder').waitFor({ timeout: 10_000 });
      expect(await text(page, 'images-empty-folder')).toMatch(/^The folder.* is empty: it holds no files\./);
      expect(await page.getByTestId('images-zip-chosen').count()).toBe(0);
      expect(await page.getByTestId('import-preview').isDisabled()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(errors).toEqual([]);
  });

  it('Profiler: Search settings in one click; a failed Predict is said by its input and clears the old number; tables export and import (checked, never replacing)', async () => {
    const { page, errors } = await app().open('#profiler');
    // The Search tab's skeleton: MNIST 28×28×1, 10 classes, C 8, N 1 (the profiler's own default is 32×32×3, C16, N5).
    expect(await page.getByTestId('prof-height').inputValue()).toBe('32');
    await page.getByTestId('prof-use-search').click();
    const values = await Promise.all(['prof-height', 'prof-width', 'prof-in-channels', 'prof-classes', 'prof-channels', 'prof-cells', 'prof-batch'].map((id) => page.getByTestId(id).inputValue()));
    expect(values).toEqual(['28', '28', '1', '10', '8', '1', '1']);
    expect(await text(page, 'prof-notice')).toContain("Set to the Search tab's settings: nb201, C=8, N=1, input 28×28×1, 10 classes, batch 1");

    // A tiny table, to predict with.
    for (const [id, v] of [['prof-height', 8], ['prof-width', 8], ['prof-in-channels', 1], ['prof-channels', 2], ['prof-fit-samples', 2]] as const) await page.getByTestId(id).fill(String(v));
    await page.getByTestId('prof-build').click();
    // (The stale "Measuring on" line and the progress counts are the predictor rework's: branch lat.)
    await page.waitForSelector('[data-testid="prof-progress"]', { timeout: 30_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="prof-progress"]'), null, { timeout: 300_000 });
    expect(await text(page, 'prof-notice')).toMatch(/^Latency table stored: \d+ op instances/);

    await page.getByTestId('prof-genotype').fill('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|');
    await page.getByTestId('prof-predict').click();
    await page.getByTestId('prof-prediction').waitFor({ timeout: 30_000 });
    await page.getByTestId('prof-genotype').fill('|bogus~0|');
    await page.getByTestId('prof-predict').click();
    await page.getByTestId('prof-predict-error').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('prof-prediction').count()).toBe(0);
    expect(await text(page, 'prof-predict-error')).toContain('|bogus~0|');
    // Beside the input, not at the top of the page.
    const input = (await page.getByTestId('prof-genotype').boundingBox())!;
    const message = (await page.getByTestId('prof-predict-error').boundingBox())!;
    expect(message.y - (input.y + input.height)).toBeLessThan(80);

    // Export the table, delete it, import the file: the same table is back; a second import replaces nothing.
    const listed = await text(page, 'prof-lut');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('prof-export-lut').click()]);
    expect(download.suggestedFilename()).toBe('latency-table-nb201-wasm-b1.json');
    const exported = readFileSync((await download.path())!, 'utf8');
    expect(JSON.parse(exported)).toMatchObject({ format: 'nas-playground-latency-table', version: 1, table: { spaceId: 'nb201', batchSize: 1 } });
    await page.locator('[data-testid="prof-lut"] button[aria-label="delete latency table"]').click();
    await page.getByTestId('prof-no-luts').waitFor();
    const upload = { name: download.suggestedFilename(), mimeType: 'application/json', buffer: Buffer.from(exported) };
    await page.getByTestId('prof-import-lut').setInputFiles(upload);
    await page.getByTestId('prof-lut').waitFor();
    expect(await text(page, 'prof-lut')).toBe(listed);
    expect(await text(page, 'prof-notice')).toMatch(/^Imported latency-table-nb201-wasm-b1\.json: nb201 table of \d+ op instances, built on wasm/);
    await page.getByTestId('prof-import-lut').setInputFiles(upload);
    await page.getByTestId('prof-error').waitFor();
    expect(await text(page, 'prof-error')).toContain('this browser already holds the table for this device, space, skeleton and batch size (nb201, batch 1)');
    await page.getByTestId('prof-import-lut').setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"nas-playground-run"}') });
    await page.waitForFunction(() => document.querySelector('[data-testid="prof-error"]')?.textContent?.startsWith('run.json: '), null, { timeout: 10_000 });
    expect(await text(page, 'prof-error')).toContain('format: format must be "nas-playground-latency-table"');
    expect(await page.getByTestId('prof-lut').count()).toBe(1);
    expect(errors).toEqual([]);
  }, 600_000);

  it('One-shot: an all-none derived cell is warned about and not offered as a model without saying so; out-of-range values named as labelled', async () => {
    const { page, errors } = await app().open('#oneshot');
    const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8')) as Record<string, unknown>;
    const config = validateOneShotConfig({ ...example, space: 'nb201', method: 'darts', epochs: 1 });
    const ops = ['none', 'none', 'none', 'none', 'none', 'none'];
    const arch = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
    const supernet = { id: `r/${supernetConfigHash(config)}@1`, runId: 'r', configHash: supernetConfigHash(config), epoch: 1 };
    const file = {
      format: 'nas-playground-run', version: 2, kind: 'oneshot', exportedAt: new Date(0).toISOString(), supernetWeights: 'not-included', note: ONESHOT_FILE_NOTE,
      runId: 'r', config, backend: 'wasm', status: 'done', stopCause: 'exhausted', epoch: 1, stepsPerEpoch: 1, phase: 'done', arch,
      candidates: [{ id: 0, source: 'derived', arch, hash: null, genotype: { ops }, metrics: { supernet_valid_acc: 10 }, objective: null, selected: true, supernet }],
      history: { ...emptyOneShotHistory(), genotypes: [{ epoch: 0, genotype: { ops }, arch, changed: true }] },
      checkpoint: null,
    };
    await page.getByTestId('oneshot-import-run').setInputFiles({ name: 'all-none.nas-run.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
    await page.getByTestId('oneshot-disconnected').waitFor({ timeout: 30_000 });
    expect(await text(page, 'oneshot-export-arch')).toBe(arch);
    expect(await text(page, 'oneshot-disconnected')).toMatch(/^This cell is disconnected: every edge is 'none' from the input to the output/);
    expect(await text(page, 'oneshot-export-json')).toBe('Download JSON anyway (disconnected cell)');

    // Out of range on this tab too: named as labelled, and the shown run stays.
    const shown = await page.getByTestId('oneshot-status').getAttribute('data-run');
    await page.getByTestId('oneshot-epochs').fill('1000000000000');
    await page.getByTestId('oneshot-epochs').dispatchEvent('change');
    await page.getByTestId('oneshot-lr').fill('1000000000');
    await page.getByTestId('oneshot-lr').dispatchEvent('change');
    await page.getByTestId('oneshot-start').click();
    await page.getByTestId('oneshot-error').waitFor();
    expect(await text(page, 'oneshot-error')).toBe('Not started: "Epochs" must be at most 1000; "Learning rate" must be at most 10.');
    expect(await page.getByTestId('oneshot-status').getAttribute('data-run')).toBe(shown);
    expect(await text(page, 'oneshot-export-arch')).toBe(arch);
    expect(errors).toEqual([]);
  });
});
