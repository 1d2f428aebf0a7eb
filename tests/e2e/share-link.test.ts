/**
 * Share an experiment (issue 15 item 5) in Chromium against the production build: the Search form's whole setup
 * goes into a link (#search=…); opening the link in a fresh page puts every input of the form back to the same value
 * and starts no worker; a cut-off link and a link whose dataset this browser lacks get messages naming the problem.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page, Worker } from 'playwright-core';
import { setField, useApp } from '../helpers/e2e-harness';
import { encodeSearchSetup } from '../../src/app/runs/share-link';
import { RUN_FORM_VERSION } from '../../src/shared/run-form';
import { parseSpaceConfig } from '../../src/shared/space-config';

const app = useApp();
const SHOTS = process.env.E2E_SHOTS ?? tmpdir();

/** Every input, select and textarea of the Search form and the Objective panel: its name and value (or checked). */
function formValues(page: Page): Promise<[string, string][]> {
  return page.evaluate(() => {
    const roots = [document.querySelector('#view-search form'), document.querySelector('[data-testid="objective-panel"]')];
    return roots.flatMap((root) => Array.from(root?.querySelectorAll('input, select, textarea') ?? [], (el, i): [string, string] => {
      const e = el as HTMLInputElement;
      const name = e.dataset.testid ?? e.getAttribute('aria-label') ?? e.closest('label')?.textContent?.trim().split('\n')[0] ?? `#${i}`;
      // The space's JSON text is compared as JSON (the editor pretty-prints what it shows).
      const value = e.type === 'checkbox' ? String(e.checked) : name === 'space-json' ? JSON.stringify(JSON.parse(e.value)) : e.value;
      return [name, value];
    }));
  });
}

describe('share an experiment', () => {
  it('a copied link restores every field of the form in a fresh page and starts nothing', async () => {
    const { page, errors } = await app().open();
    await page.getByTestId('start').waitFor({ timeout: 30_000 });
    await setField(page, 'run-name', 'shared tiny search');
    await setField(page, 'space-json', JSON.stringify({ space: 'nb201', ops: ['skip_connect', 'nor_conv_3x3', 'avg_pool_3x3'] }));
    await page.waitForFunction(() => /: 729 genotypes/.test(document.querySelector('[data-testid="space-size"]')?.textContent ?? ''));
    await setField(page, 'strategy', 'evolution');
    for (const [id, v] of [['seed', 77], ['budget', 3], ['channels', 6], ['cells', 2], ['epochs', 4], ['batch', 24], ['train-samples', 300], ['valid-samples', 100], ['backend', 'wasm']] as const) await setField(page, id, v);
    await page.getByLabel('Learning rate', { exact: true }).fill('0.0425');
    await page.getByTestId('warm-start-on').check();
    await setField(page, 'warm-start-proxy', 'naswot');
    await setField(page, 'warm-start-pool', 40);
    await page.getByTestId('curve-stop-on').check();
    await setField(page, 'curve-stop-margin', 3.5);
    await page.getByTestId('add-constraint').click();
    await setField(page, 'constraint-value', 9);
    await setField(page, 'pareto-cost', 'params');
    const before = await formValues(page);
    expect(before.length).toBeGreaterThan(15);

    await page.getByTestId('share-copy').click();
    const link = await page.getByTestId('share-url').inputValue();
    await page.getByTestId('share').screenshot({ path: path.join(SHOTS, 'share-copied-1280.png') });
    expect(link).toMatch(/#search=[A-Za-z0-9_-]+$/);

    // A fresh page opens the link: the form is the same, field by field, and no worker starts.
    const fresh = await app().browser.context.newPage();
    const workers: string[] = [];
    fresh.on('worker', (w: Worker) => workers.push(w.url()));
    const freshErrors: string[] = [];
    fresh.on('pageerror', (e) => freshErrors.push(e.message));
    await fresh.goto(link);
    await fresh.getByTestId('share-loaded').waitFor({ timeout: 30_000 });
    expect(await fresh.getByTestId('share-loaded').textContent()).toContain('"shared tiny search". Nothing runs until you click Start.');
    await fresh.waitForFunction(() => /: 729 genotypes/.test(document.querySelector('[data-testid="space-size"]')?.textContent ?? ''));
    expect(await formValues(fresh)).toEqual(before);
    await fresh.waitForLoadState('networkidle');
    expect(workers).toEqual([]);
    expect(await fresh.getByTestId('start').isEnabled()).toBe(true);

    // Cut off: says so, and the form keeps what it had.
    await fresh.goto(link.slice(0, -12));
    await fresh.getByTestId('share-error').waitFor();
    expect(await fresh.getByTestId('share-error').textContent()).toMatch(/^This shared link is incomplete or damaged \(it was probably cut off when it was copied\)/);

    // An invalid field: named as in the run config.
    const form = {
      version: RUN_FORM_VERSION, name: 'x', datasetId: 'user:paint-defects-123', space: parseSpaceConfig({ space: 'nb201' }), strategy: 'random', seed: 1, budget: 2,
      channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 16, learningRate: 0.1, trainSamples: 64, validSamples: 32, backend: 'wasm',
      objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops', prerank: null,
    } as const;
    const url = (payload: string) => `${app().url}#search=${payload}`;
    await fresh.goto(url(encodeSearchSetup({ ...form, learningRate: 1e9 }, 'bad lr', null)));
    await fresh.getByTestId('share-error').waitFor();
    expect(await fresh.getByTestId('share-error').textContent()).toBe("This shared link's setup is invalid: LR must be <= 10 (evaluator.learningRate).");

    // A dataset this browser does not have: named, the rest of the setup filled in.
    await fresh.goto(url(encodeSearchSetup(form, 'needs paint', 'Paint defects (week-ordered)')));
    await fresh.getByTestId('share-missing-dataset').waitFor();
    expect(await fresh.getByTestId('share-missing-dataset').textContent()).toBe('This link uses the dataset "Paint defects (week-ordered)", which is not in this browser: import it in Datasets, then pick it under Dataset before you start.');
    expect(await fresh.getByTestId('run-name').inputValue()).toBe('needs paint');
    await fresh.getByTestId('share').screenshot({ path: path.join(SHOTS, 'share-missing-dataset-1280.png') });
    await fresh.setViewportSize({ width: 390, height: 844 });
    await fresh.getByTestId('share').screenshot({ path: path.join(SHOTS, 'share-missing-dataset-390.png') });
    await fresh.waitForLoadState('networkidle');
    expect(workers).toEqual([]);
    expect(freshErrors).toEqual([]);
    expect(errors).toEqual([]);
    await fresh.close();
    await page.close();
  }, 240_000);

  it('a one-shot setup round-trips through its link too, and opening it starts nothing', async () => {
    const { page, errors } = await app().open('#oneshot');
    await page.getByTestId('oneshot-start').waitFor({ timeout: 30_000 });
    for (const [id, v] of [['oneshot-method', 'spos'], ['oneshot-epochs', 3], ['oneshot-batch', 24], ['oneshot-channels', 6], ['oneshot-seed', 9],
      ['oneshot-train-samples', 500], ['oneshot-valid-samples', 200], ['oneshot-backend', 'wasm'], ['oneshot-subnets', 7], ['oneshot-topk', 2], ['oneshot-ranking-check', 3]] as const) await setField(page, id, v);
    const values = (p: Page) => p.$$eval('#view-oneshot section.left .panel:first-child :is(input, select, textarea)', (els) => els.map((el) => {
      const e = el as HTMLInputElement;
      return [e.dataset.testid ?? e.closest('label')?.textContent?.trim().split('\n')[0] ?? '?', e.type === 'checkbox' ? String(e.checked) : e.value];
    }));
    const before = await values(page);
    expect(before.length).toBeGreaterThan(12);
    await page.getByTestId('oneshot-share-copy').click();
    const link = await page.getByTestId('oneshot-share-url').inputValue();
    expect(link).toMatch(/#oneshot=[A-Za-z0-9_-]+$/);

    const fresh = await app().browser.context.newPage();
    const workers: string[] = [];
    fresh.on('worker', (w: Worker) => workers.push(w.url()));
    await fresh.goto(link);
    await fresh.getByTestId('oneshot-share-loaded').waitFor({ timeout: 30_000 });
    expect(await values(fresh)).toEqual(before);
    await fresh.goto(link.slice(0, -10));
    await fresh.getByTestId('oneshot-share-error').waitFor();
    expect(await fresh.getByTestId('oneshot-share-error').textContent()).toMatch(/^This shared link is incomplete or damaged/);
    await fresh.waitForLoadState('networkidle');
    expect(workers).toEqual([]);
    expect(errors).toEqual([]);
    await fresh.close();
    await page.close();
  }, 240_000);
});
