/**
 * Issue 15 item 1, see the search happen, in real Chromium against the production build with the real workers:
 * during a tiny search the candidate training now draws its curve epoch by epoch and sits on the accuracy-vs-cost
 * chart, the runs list and the front's count follow the committed candidates, every chart holds exactly the data
 * it was given (uPlot series counted), the latency budget of the objective is drawn, and a clicked candidate
 * shows its stored curve with one point per epoch. A tiny DARTS run shows a progress bar with the time left and a
 * validation-accuracy point per epoch. Screenshots of both tabs mid-run at 1280 and 390 px go to SHOTS.
 */
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp, setField } from '../helpers/e2e-harness';

const app = useApp();
const SHOTS = process.env.SHOTS_DIR ?? '';

async function shoot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(400); // the charts follow their panel's width
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

const num = (page: Page, testId: string, attr: string) => page.getByTestId(testId).getAttribute(attr).then(Number);

describe('the search happening, live', () => {
  it('draws the live curve, the population and the runs list as candidates commit', async () => {
    const { page, errors } = await app().open();
    await setField(page, 'budget', 3);
    await setField(page, 'epochs', 3);
    await setField(page, 'train-samples', 128);
    await setField(page, 'valid-samples', 64);
    await setField(page, 'seed', 9);
    await setField(page, 'run-name', 'live view');
    await page.getByTestId('add-constraint').click();
    await page.getByTestId('constraint-value').fill('50');
    // Before any run the curve panel says what will appear.
    expect(await page.getByTestId('curve-empty').count()).toBe(1);
    await page.getByTestId('start').click();

    // The candidate training now: its curve grows one point per epoch.
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="curve-chart"]');
      return el?.getAttribute('data-source') === 'live' && Number(el.getAttribute('data-points')) >= 1;
    }, null, { timeout: 300_000 });
    expect(await num(page, 'curve-chart', 'data-loss-points')).toBe(await num(page, 'curve-chart', 'data-points'));

    // The first committed candidate: the runs list shows it (not 0/3) while the run is still running.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length >= 1, null, { timeout: 300_000 });
    const listed = await page.evaluate(() => ({
      rows: document.querySelectorAll('[data-testid="candidate-row"]').length,
      entry: document.querySelector('[data-testid="runs"] li.selected small')?.textContent ?? '',
      status: document.querySelector('[data-testid="run-status"]')?.textContent ?? '',
      front: document.querySelector('[data-testid="pareto-chart"]')?.parentElement?.querySelector('.foot')?.textContent ?? '',
    }));
    if (listed.status === 'running') {
      expect(listed.entry).toContain(`${listed.rows}/3 · running`);
      expect(listed.front).not.toContain('Pareto front (0)');
    }

    // The next candidate sits on the accuracy-vs-cost chart once its first epoch reports.
    await page.waitForFunction(() => document.querySelector('[data-testid="pareto-chart"]')?.getAttribute('data-live') === '1', null, { timeout: 300_000 });
    expect(await page.getByTestId('pareto-live-key').textContent()).toMatch(/training #[12]/);
    await shoot(page, 'search-running');

    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 540_000 });
    // Redraws are throttled: wait for the last one, then count what each chart holds.
    await page.waitForFunction(() => document.querySelector('[data-testid="best-chart"]')?.getAttribute('data-points') === '3', null, { timeout: 5_000 });
    expect(await page.locator('[data-testid="candidate-row"]').count()).toBe(3);
    expect(await num(page, 'best-chart', 'data-best')).toBe(3);
    await page.waitForFunction(() => document.querySelector('[data-testid="pareto-chart"]')?.getAttribute('data-points') === '3', null, { timeout: 5_000 });
    expect(await num(page, 'pareto-chart', 'data-live')).toBe(0);
    const front = Number(/Pareto front \((\d+)\)/.exec((await page.locator('.pareto .foot').textContent()) ?? '')?.[1]);
    expect(front).toBeGreaterThanOrEqual(1);
    // The drawn front catches up with the committed paretoIds at the next (throttled) redraw.
    await page.waitForFunction((n) => document.querySelector('[data-testid="pareto-chart"]')?.getAttribute('data-front') === String(n), front, { timeout: 5_000 });
    expect(await page.locator('[data-testid="runs"] li.selected small').first().textContent()).toContain('3/3 · done');

    // The objective's latency budget, drawn on the latency axis.
    expect(await num(page, 'pareto-budget', 'data-budget')).toBe(50);
    await page.getByTestId('pareto-cost-latency_ms').click();
    expect(await page.getByTestId('pareto-budget').textContent()).not.toContain('on the latency axis');

    // A clicked candidate shows its stored curve: one point per epoch, its last point its accuracy.
    await page.locator('[data-testid="candidate-row"]').nth(1).click();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="curve-chart"]');
      return el?.getAttribute('data-source') === 'selected' && el.getAttribute('data-candidate') === '1' && el.getAttribute('data-points') === '3';
    }, null, { timeout: 5_000 });
    expect(await num(page, 'curve-chart', 'data-loss-points')).toBe(3);
    expect(await page.getByTestId('curve-which').textContent()).toContain('#1');

    // After a reload the curve comes from IndexedDB.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length === 3, null, { timeout: 30_000 });
    await page.locator('[data-testid="candidate-row"]').nth(2).click();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="curve-chart"]');
      return el?.getAttribute('data-candidate') === '2' && el.getAttribute('data-points') === '3';
    }, null, { timeout: 5_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);

  it('one-shot: a progress bar with the time left and a validation-accuracy point per epoch', async () => {
    const { page, errors } = await app().open('#oneshot');
    await setField(page, 'oneshot-method', 'darts');
    await setField(page, 'oneshot-epochs', 3);
    await setField(page, 'oneshot-batch', 16);
    await setField(page, 'oneshot-channels', 4);
    await setField(page, 'oneshot-cells', 1);
    await setField(page, 'oneshot-train-samples', 64);
    await setField(page, 'oneshot-valid-samples', 64);
    await setField(page, 'oneshot-seed', 3);
    await setField(page, 'oneshot-backend', 'wasm');
    await page.getByTestId('oneshot-start').click();

    // 64 images in batches of 16, 3 epochs: 12 steps; the time left is known once a step was measured.
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="oneshot-eta"]');
      return el !== null && Number(el.getAttribute('data-done')) >= 2 && el.getAttribute('data-eta-ms') !== '';
    }, null, { timeout: 300_000 });
    expect(await num(page, 'oneshot-eta', 'data-total')).toBe(12);
    expect(await page.getByTestId('oneshot-eta-eta').textContent()).toMatch(/about \d+( min \d+)? s left/);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="oneshot-acc-chart"]')?.getAttribute('data-drawn')) >= 1, null, { timeout: 300_000 });
    await shoot(page, 'oneshot-running');

    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'done', null, { timeout: 540_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-acc-chart"]')?.getAttribute('data-drawn') === '3', null, { timeout: 5_000 });
    expect(await num(page, 'oneshot-acc-chart', 'data-points')).toBe(3);
    expect(await page.getByTestId('oneshot-eta').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);
});
