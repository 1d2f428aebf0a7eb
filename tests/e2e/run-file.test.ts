/**
 * The run file in Chromium against the production build: run a short search and stop it, export the run
 * (capture the download), import the file back without deleting anything, find a second run with the same
 * candidates, and resume the imported copy; a file with a re-trained model shows it as an imported finalist without
 * weights (issue 13, item 8).
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';
import { parseRunFile } from '../../src/shared/run-file';
import { parseFinalistRecipe } from '../../src/shared/finalist-recipe';

const app = useApp();

async function rows(page: Page): Promise<{ id: string; arch: string; acc: string }[]> {
  return page.$$eval('[data-testid="candidate-row"]', (trs) =>
    trs.map((tr) => ({ id: tr.querySelector('td')?.textContent ?? '', arch: tr.querySelector('code')?.textContent ?? '', acc: tr.querySelector('[data-testid="acc"]')?.textContent ?? '' })),
  );
}
const status = (page: Page) => page.getByTestId('run-status').textContent();

describe('run file export and import in Chromium', () => {
  it('exports a stopped run, imports it as a second run with the same candidates, and resumes the copy', async () => {
    const { page, errors } = await app().open();
    for (const [id, v] of [['budget', 4], ['epochs', 1], ['train-samples', 256], ['valid-samples', 128], ['seed', 3]] as const) await page.getByTestId(id).fill(String(v));
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length >= 2, null, { timeout: 240_000 });
    await page.getByTestId('stop').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'paused', null, { timeout: 120_000 });
    const before = await rows(page);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(4);

    // Export: one JSON run file with every candidate, its lineage and the checkpoint.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-run').first().click()]);
    expect(download.suggestedFilename()).toMatch(/\.nas-run\.json$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const file = parseRunFile(JSON.parse(text));
    expect(file.format).toBe('nas-playground-run');
    expect(file.candidates.map((c) => c.arch)).toEqual(before.map((r) => r.arch));
    expect(file.checkpoint?.nextId).toBe(before.length);

    // Import it back (nothing deleted): a second run, selected, with the same candidates.
    await page.getByTestId('import-run').setInputFiles({ name: download.suggestedFilename(), mimeType: 'application/json', buffer: Buffer.from(text) });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="runs"] > li').length === 2, null, { timeout: 30_000 });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="candidate-row"]').length === n, before.length, { timeout: 30_000 });
    expect(await rows(page)).toEqual(before);
    expect(await status(page)).toBe('paused');

    // A bad file is refused with a message naming the problem, and adds no run.
    await page.getByTestId('import-run').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...file, format: 'zip' })) });
    await page.waitForFunction(() => document.querySelector('[data-testid="error"]')?.textContent?.includes('format must be "nas-playground-run"'), null, { timeout: 30_000 });
    expect(await page.locator('[data-testid="runs"] > li').count()).toBe(2);

    // A wrong pick far over a run file's size (a 65 MiB file) is refused by name before it is read.
    const dir = mkdtempSync(path.join(tmpdir(), 'run-file-'));
    const huge = path.join(dir, 'train-images.json');
    writeFileSync(huge, '');
    truncateSync(huge, 65 * 2 ** 20);
    await page.getByTestId('import-run').setInputFiles(huge);
    await page.waitForFunction(() => document.querySelector('[data-testid="error"]')?.textContent?.includes('train-images.json is 65.0 MiB, too large for a run file'), null, { timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(await page.locator('[data-testid="runs"] > li').count()).toBe(2);

    // Resume the imported copy (the newest run, listed first): more candidates arrive after the imported ones.
    await page.locator('[data-testid="runs"] > li').first().getByTestId('resume').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="candidate-row"]').length >= n + 1, before.length, { timeout: 240_000 });
    await page.waitForFunction(() => ['paused', 'done'].includes(document.querySelector('[data-testid="run-status"]')?.textContent ?? ''), null, { timeout: 240_000 });
    const after = await rows(page);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((r) => Number(r.id))).toEqual(after.map((_, i) => i));

    // A file with a re-trained model (its report, no weights) comes back as an imported finalist of the new run:
    // TEST numbers shown as such, downloads disabled with the reason.
    const c0 = file.candidates[0];
    const finalist = {
      id: c0.id, arch: c0.arch, hash: c0.hash, params: 800, macs: 12000, latency_ms: 2, backend: 'wasm', valid_acc: 0.7, seed: 11, recipe: parseFinalistRecipe({ epochs: 1 }),
      retrain: { epochs: 1, best_epoch: 0, stop: 'epochs', class_weights: [1, 1], flip: false, train_count: 64, history: [] },
      test: { split: 'test', count: 10, accuracy: 0.6, macro_recall: 0.6, per_class: [], confusion: [[3, 2], [2, 3]], ece: 0.1, reliability: [] },
      search: { objective: c0.objective }, latencyMs: { wasm: 2 },
    };
    await page.getByTestId('import-run').setInputFiles({ name: 'fin.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...file, finalists: [finalist] })) });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="imported-row"]').length === 1, null, { timeout: 30_000 });
    expect(await page.getByTestId('imported-test-acc').textContent()).toBe('60.00%');
    expect(await page.getByTestId('imported-explain').textContent()).toContain('TEST');
    const dl = page.getByTestId('imported-download');
    expect(await dl.isDisabled()).toBe(true);
    expect(await dl.getAttribute('title')).toContain('no weights');
    expect(errors).toEqual([]);
    await page.close();
  });
});
