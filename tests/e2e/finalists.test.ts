/**
 * Finalists in Chromium against the production build (issue 13, items 1, 2, 7, 8): a short random search on the
 * built-in MNIST subset, then its top finalist re-trained in the finalists worker; the page is reloaded during
 * re-training and the job resumes from its last saved epoch to completion; the results show TEST numbers marked
 * as such with a reliability diagram; the tfjs download is a zip with a model.json whose weight manifest matches
 * its weight file, which stock tfjs (tf.min.js in a blank page) loads and runs; the model registry lists the model,
 * re-measures its latency on another backend and deletes it. A MobileNet-like baseline ticked in the panel is trained
 * with the same recipe and shown in the same comparison table, with TEST numbers and no download offered. Screenshots at 1280 and 390 px go to
 * $E2E_SHOTS (default: the OS temp folder).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import type { io } from '@tensorflow/tfjs';
import { useApp } from '../helpers/e2e-harness';

const app = useApp();
type ModelJson = { format: string; modelTopology: object; weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[] };
const SHOTS = process.env.E2E_SHOTS ?? tmpdir();
const TF_MIN_JS = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js');
const text = async (page: Page, id: string) => (await page.getByTestId(id).first().textContent()) ?? '';

describe('finalists in Chromium', () => {
  it('re-trains the top finalist, survives a reload mid-training, shows TEST numbers and downloads a tfjs model', async () => {
    const { page, errors } = await app().open();
    for (const [id, v] of [['budget', 2], ['epochs', 1], ['train-samples', 128], ['valid-samples', 64], ['seed', 5]] as const) await page.getByTestId(id).fill(String(v));
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 240_000 });

    const panel = page.getByTestId('finalists-panel');
    await panel.getByTestId('finalists-top').fill('1');
    await panel.getByTestId('finalists-train-samples').fill('512');
    await panel.getByTestId('finalists-valid-samples').fill('128');
    await panel.locator('details.recipe summary').click();
    await panel.getByTestId('recipe-epochs').fill('4');
    await panel.getByTestId('recipe-patience').fill('0');
    // A bad target is shown with the parser's message and blocks Start; a good one is accepted.
    await panel.getByTestId('finalists-targets').fill('recall[3] => 94%');
    expect(await text(page, 'targets-error')).toContain('comparison must be one of >=, <=, >, <');
    expect(await panel.getByTestId('finalists-start').isDisabled()).toBe(true);
    await panel.getByTestId('finalists-targets').fill('recall[3] >= 50%\nlatency_ms <= 10000');
    await panel.getByTestId('baseline-mobilenet').check();
    // The HPO section and the distillation options, open for the screenshots, then off again (this job trains the
    // finalist and the baseline only); the search's numbers are editable only while it is on.
    expect(await panel.getByTestId('recipe-hpoConfigs').isDisabled()).toBe(true);
    await panel.getByTestId('recipe-hpoEnabled').check();
    await panel.getByTestId('distill-enabled').check();
    expect(await panel.getByTestId('recipe-hpoConfigs').isDisabled()).toBe(false);
    expect(await panel.getByTestId('distill-student').inputValue()).toBe('narrow');
    await panel.screenshot({ path: path.join(SHOTS, 'finalists-options-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await panel.screenshot({ path: path.join(SHOTS, 'finalists-options-390.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await panel.getByTestId('recipe-hpoEnabled').uncheck();
    await panel.getByTestId('distill-enabled').uncheck();
    await panel.getByTestId('finalists-start').click();

    // Reload once the first epoch is saved; the stored job is then interrupted and resumes after that epoch.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="finalist-progress"]')?.getAttribute('data-saved')) >= 1, null, { timeout: 180_000 });
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid="finalists-status"]')?.textContent === 'interrupted', null, { timeout: 60_000 });
    const saved = Number(await page.getByTestId('finalist-progress').getAttribute('data-saved'));
    expect(saved).toBeGreaterThanOrEqual(1);
    expect(saved).toBeLessThan(4);
    await page.getByTestId('finalists-resume').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="finalists-status"]')?.textContent === 'done', null, { timeout: 240_000 });
    expect(await text(page, 'finalist-progress')).toContain(`resumed after epoch ${saved}`);
    expect(await text(page, 'job-recipe')).toContain('4 epochs · batch 64');

    // TEST numbers, marked and explained.
    expect(await page.getByTestId('finalist-row').count()).toBe(1);
    expect(await text(page, 'test-acc')).toMatch(/^\d+\.\d\d%$/);
    expect(await text(page, 'test-explain')).toContain('read once');
    expect(await page.locator('th.test').first().textContent()).toContain('TEST');
    expect(await text(page, 'targets-cell')).toMatch(/[0-2]\/2 met/);
    await page.getByTestId('finalist-row').getByTestId('finalist-details').click();
    expect(await page.getByTestId('reliability-bar').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="per-class"] tbody tr').count()).toBe(10);
    expect(await text(page, 'class-weights')).toMatch(/^(\d\.\d\d, ){9}\d\.\d\d$/);
    // The baseline: one more row of the same table, TEST numbers, its name instead of a genotype, no download.
    const baseline = page.getByTestId('baseline-row');
    expect(await baseline.locator('th').textContent()).toBe('baseline mobilenet');
    expect(await baseline.locator('td.test').first().textContent()).toMatch(/^\d+\.\d\d%$/);
    expect(await baseline.getByTestId('no-export').isDisabled()).toBe(true);
    expect(await page.getByTestId('extra-progress').textContent()).toContain('tested');

    await page.getByTestId('finalists-panel').scrollIntoViewIfNeeded();
    await page.getByTestId('finalist-table').screenshot({ path: path.join(SHOTS, 'finalists-table-1280.png') });
    await page.screenshot({ path: path.join(SHOTS, 'finalists-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'finalists-390.png'), fullPage: true });
    await page.getByTestId('finalists-panel').screenshot({ path: path.join(SHOTS, 'finalists-panel-390.png') });
    // Nothing of the panel is wider than the phone's viewport (tables scroll inside their own box).
    expect(await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      return Array.from(document.querySelectorAll('[data-testid="finalists-panel"] *')).filter((e) => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap, .confusion-wrap')).length;
    })).toBe(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await baseline.getByTestId('finalist-details').click();
    expect(await text(page, 'detail-baseline')).toMatch(/Hand-designed mobilenet: MobileNetV2-style/);

    // The tfjs download: one zip with model.json and the weight file it names, of the size its manifest gives.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-tfjs').first().click()]);
    expect(download.suggestedFilename()).toMatch(/-tfjs\.zip$/);
    const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
    const folder = download.suggestedFilename().replace(/\.zip$/, '');
    const json = JSON.parse(strFromU8(files[`${folder}/model.json`])) as ModelJson;
    expect(json.format).toBe('layers-model');
    const values = json.weightsManifest[0].weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    const weights = files[`${folder}/${json.weightsManifest[0].paths[0]}`];
    expect(weights.byteLength).toBe(4 * values);
    // Stock tfjs (its prebuilt bundle, no code of ours) in a blank page loads it and predicts 10 finite logits.
    const plain = await app().browser.context.newPage();
    await plain.setContent('<!doctype html><title>plain</title>');
    await plain.addScriptTag({ path: TF_MIN_JS });
    const logits = await plain.evaluate(async ({ model, bytes }) => {
      const t = (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
      const m = await t.loadLayersModel(t.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: model.weightsManifest[0].weights, weightData: new Float32Array(bytes).buffer }));
      return (m.predict(t.ones([1, 28, 28, 1])) as import('@tensorflow/tfjs').Tensor).arraySync() as number[][];
    }, { model: json, bytes: Array.from(new Float32Array(weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength))) });
    await plain.close();
    expect(logits).toHaveLength(1);
    expect(logits[0]).toHaveLength(10);
    expect(logits[0].every(Number.isFinite)).toBe(true);

    // The registry lists the model; deleting it removes it.
    await page.locator('[data-testid="model-registry"] summary').click();
    expect(await page.getByTestId('registry-row').count()).toBe(2);
    const row = page.locator('[data-testid="registry-row"][data-kind="finalist"]');
    // Latency re-measured on another backend joins the one measured after training.
    const trainedOn = (await row.locator('td').nth(4).textContent()) ?? '';
    const other = trainedOn.startsWith('cpu') ? 'wasm' : 'cpu';
    await page.getByTestId('measure-backend').selectOption(other);
    await row.getByTestId('measure-latency').click();
    await page.waitForFunction((b) => (document.querySelectorAll('[data-testid="registry-row"][data-kind="finalist"] td')[4]?.textContent ?? '').includes(`${b} `), other, { timeout: 60_000 });
    expect((await row.locator('td').nth(4).textContent())?.split(' · ')).toHaveLength(2);
    await row.getByTestId('delete-model').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="registry-row"]').length === 1, null, { timeout: 10_000 });
    expect(errors).toEqual([]);
    await page.close();
  });
});
