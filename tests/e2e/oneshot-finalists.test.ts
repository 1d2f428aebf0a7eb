/**
 * Finalists of a One-shot-tab run in Chromium against the production build (issue 13, items 1, 2 and 7): a tiny
 * SPOS run on the built-in MNIST subset, then, in the same tab, its top-ranked architecture re-trained from scratch
 * as a standalone network in the finalists worker (1 epoch) and tested once; the results show TEST numbers and the
 * model's details name the supernet it was ranked in. Screenshots at 1280 and 390 px go to $E2E_SHOTS (default:
 * the OS temp folder); at 390 px nothing of the panel is wider than the viewport.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp, setField } from '../helpers/e2e-harness';

const app = useApp();
const SHOTS = process.env.E2E_SHOTS ?? tmpdir();
const text = async (page: Page, id: string) => (await page.getByTestId(id).first().textContent()) ?? '';

const set = setField;

describe('one-shot finalists in Chromium', () => {
  it('re-trains the top SPOS architecture from the One-shot tab and shows its TEST numbers and supernet', async () => {
    const { page, errors } = await app().open('#oneshot');
    for (const [id, v] of [['oneshot-method', 'spos'], ['oneshot-epochs', 1], ['oneshot-batch', 16], ['oneshot-channels', 4], ['oneshot-cells', 1],
      ['oneshot-train-samples', 64], ['oneshot-valid-samples', 64], ['oneshot-seed', 3], ['oneshot-backend', 'wasm'], ['oneshot-subnets', 4],
      ['oneshot-topk', 2], ['oneshot-ranking-check', 0]] as const) await set(page, id, v);
    await page.getByTestId('oneshot-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'done', null, { timeout: 200_000 });
    const topArch = await page.locator('[data-testid="ranked-row"]').first().locator('td').nth(1).textContent();

    const panel = page.getByTestId('finalists-panel');
    expect(await panel.textContent()).toContain('top-ranked subnets');
    await panel.getByTestId('finalists-top').fill('1');
    await panel.getByTestId('finalists-train-samples').fill('256');
    await panel.getByTestId('finalists-valid-samples').fill('128');
    await panel.locator('details.recipe summary').click();
    await panel.getByTestId('recipe-epochs').fill('1');
    await panel.getByTestId('finalists-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="finalists-status"]')?.textContent === 'done', null, { timeout: 200_000 });

    expect(await page.getByTestId('finalist-progress').textContent()).toContain(topArch ?? '?');
    expect(await page.getByTestId('finalist-row').count()).toBe(1);
    expect(await text(page, 'test-acc')).toMatch(/^\d+\.\d\d%$/);
    expect(await text(page, 'test-explain')).toContain('read once');
    await page.getByTestId('finalist-details').first().click();
    const runId = await page.getByTestId('oneshot-status').getAttribute('data-run');
    expect(await text(page, 'lineage-supernet')).toMatch(new RegExp(`ranked in supernet ${runId}/\\w+@1 \\(one-shot run, 1 epochs trained\\)`));

    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'oneshot-finalists-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'oneshot-finalists-390.png'), fullPage: true });
    await panel.screenshot({ path: path.join(SHOTS, 'oneshot-finalists-panel-390.png') });
    // Both columns of the tab fit the phone's width (a long option of the form's selects once widened them)...
    expect(await page.evaluate(() => Array.from(document.querySelectorAll('main.oneshot > section'), (s) => Math.round(s.getBoundingClientRect().right)))).toEqual([366, 366]);
    // ...and so does every part of the panel.
    expect(await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      return Array.from(document.querySelectorAll('[data-testid="finalists-panel"] *')).filter((e) => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap, .confusion-wrap')).length;
    })).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
