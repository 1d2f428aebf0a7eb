/**
 * The app at phone and desktop width, by keyboard, under axe-core, in the built app:
 * - no tab makes the page scroll sideways at 390 px or 1280 px, and every tab button is on screen (the list wraps);
 * - the first Tab stop is a visible skip link to the shown tab's Start (before: 27 Tab stops from the top to
 *   Start), every focused control draws a focus ring, and after Start focus lands on the search's live status
 *   region instead of dropping to <body>; on the One-shot tab to its run's status line;
 * - axe finds no serious or critical violation on any tab at either width, nor on the Search and One-shot tabs
 *   with results (charts, tables, heatmap).
 * Screenshots of every tab at both widths go to test-results/shots/.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { setField, useApp } from '../helpers/e2e-harness';
import { TABS, WIDTHS, pageWidth, seriousAxeViolations, shotPath, showTab } from '../helpers/a11y';

const app = useApp();

/** The focused element's test id (or tag), whether it is inside the viewport, and its outline. */
async function focused(page: Page): Promise<{ id: string; onScreen: boolean; outline: string; outlineWidth: number }> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!(el instanceof HTMLElement)) return { id: 'none', onScreen: false, outline: 'none', outlineWidth: 0 };
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return {
      id: el.dataset.testid ?? el.id ?? el.tagName,
      onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
      outline: cs.outlineStyle,
      outlineWidth: parseFloat(cs.outlineWidth),
    };
  });
}

describe('phone width, keyboard and axe', () => {
  it('no tab scrolls sideways at 390 or 1280 px, every tab is reachable, and axe finds nothing serious', async () => {
    const { page, errors } = await app().open();
    await page.getByTestId('start').waitFor({ timeout: 30_000 });
    const widths: string[] = [];
    const findings: string[] = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const tab of TABS) {
        await showTab(page, tab);
        // Each tab button lies fully inside the viewport: none is pushed off-screen by the others.
        for (const other of TABS) {
          const box = await page.getByTestId(`tab-${other}`).boundingBox();
          expect(box, `tab-${other} at ${width}px`).not.toBeNull();
          expect(box!.x).toBeGreaterThanOrEqual(0);
          expect(box!.x + box!.width, `tab-${other} right edge at ${width}px`).toBeLessThanOrEqual(width);
        }
        widths.push(`${tab}@${width}: ${await pageWidth(page)}`);
        await page.screenshot({ path: shotPath(`${tab}-${width}`), fullPage: true });
        for (const v of await seriousAxeViolations(page)) findings.push(`${tab}@${width} ${v.impact} ${v.id} (${v.help}): ${v.nodes.join(' | ')}`);
      }
    }
    expect(widths).toEqual(WIDTHS.flatMap((w) => TABS.map((t) => `${t}@${w}: ${w}`)));
    expect(findings).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a skip link reaches Start in one Tab, focus rings show, and focus follows Start to the live status', async () => {
    const { page, errors } = await app().open();
    await page.getByTestId('start').waitFor({ timeout: 30_000 });

    // From the top of the freshly loaded page: the first Tab stop is the skip link, on screen with a focus ring.
    let presses = 0;
    await page.keyboard.press('Tab');
    presses++;
    const skip = await focused(page);
    expect(skip).toMatchObject({ id: 'skip-to-start', onScreen: true });
    expect(skip.outline).not.toBe('none');
    expect(await page.getByTestId('skip-to-start').innerText()).toBe('Skip to Start');
    await page.keyboard.press('Enter');
    presses++;
    const start = await focused(page);
    expect(start).toMatchObject({ id: 'start', onScreen: true, outline: 'solid' });
    expect(start.outlineWidth).toBeGreaterThanOrEqual(2);
    // Before: 27 Tab stops from the top of the page to Start.
    expect(presses).toBe(2);

    // Fields and tabs draw a focus ring too.
    await page.getByTestId('seed').focus();
    expect((await focused(page)).outline).toBe('solid');
    await page.getByTestId('tab-search').focus();
    expect((await focused(page)).outline).toBe('solid');

    await page.getByTestId('budget').fill('2');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('train-samples').fill('128');
    await page.getByTestId('valid-samples').fill('64');
    // Start by keyboard: focus moves to the search's status region (a live region), not to <body>.
    await page.getByTestId('start').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'search-status', null, { timeout: 30_000 });
    expect(await page.locator('#search-status').getAttribute('role')).toBe('status');
    expect(await page.locator('#search-status').innerText()).toMatch(/\/ 2 candidates · status:/);
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 180_000 });
    expect(await page.locator('[data-testid="candidate-row"]').count()).toBe(2);

    // The Search tab with results (charts, table, runs list) at both widths: nothing serious for axe.
    const findings: string[] = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      // Charts follow their box's width through a ResizeObserver, a frame or more after the resize.
      await page.waitForFunction((w) => (document.scrollingElement?.scrollWidth ?? -1) <= w, width, { timeout: 10_000 }).catch(() => undefined);
      expect(await pageWidth(page)).toBe(width);
      await page.screenshot({ path: shotPath(`search-results-${width}`), fullPage: true });
      for (const v of await seriousAxeViolations(page)) findings.push(`results@${width} ${v.impact} ${v.id} (${v.help}): ${v.nodes.join(' | ')}`);
    }
    expect(findings).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('One-shot: focus follows Start to the run status; axe finds nothing serious with its charts drawn', async () => {
    const { page, errors } = await app().open('#oneshot');
    await page.getByTestId('oneshot-start').waitFor({ timeout: 30_000 });
    for (const [id, v] of [['oneshot-method', 'darts'], ['oneshot-epochs', 2], ['oneshot-batch', 16], ['oneshot-channels', 4], ['oneshot-cells', 1],
      ['oneshot-train-samples', 64], ['oneshot-valid-samples', 64], ['oneshot-seed', 3], ['oneshot-backend', 'wasm']] as const) await setField(page, id, v);
    await page.getByTestId('oneshot-start').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'oneshot-status', null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'done', null, { timeout: 180_000 });
    // The charts drew the run: 2 epochs of 4 steps of losses, one collapse point per epoch.
    expect(Number(await page.getByTestId('oneshot-loss-chart').getAttribute('data-points'))).toBe(8);
    expect(Number(await page.getByTestId('oneshot-collapse-chart').getAttribute('data-points'))).toBe(2);

    const findings: string[] = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      // Charts follow their box's width through a ResizeObserver, a frame or more after the resize.
      await page.waitForFunction((w) => (document.scrollingElement?.scrollWidth ?? -1) <= w, width, { timeout: 10_000 }).catch(() => undefined);
      expect(await pageWidth(page)).toBe(width);
      await page.screenshot({ path: shotPath(`oneshot-results-${width}`), fullPage: true });
      for (const v of await seriousAxeViolations(page)) findings.push(`oneshot@${width} ${v.impact} ${v.id} (${v.help}): ${v.nodes.join(' | ')}`);
    }
    expect(findings).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
