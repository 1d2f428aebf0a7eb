/**
 * The guided tour (issue 15, item 4) in Chromium against the production build: the field guide's worked example on
 * the synthetic paint-defect set, step by step, with the tour's own small budgets — generate the panels, lock a
 * week-ordered split, set the recall and latency targets, run SPOS with a FLOP penalty on the mobile supernet, read
 * the ranking check, re-train the top 3 beside the MobileNet-like baseline, compare, and read the test numbers once.
 * Real data worker, one-shot worker and finalists worker; real IndexedDB. Also: a reload mid-tour reopens it at the
 * same step with what is done still done. Screenshots at 1280 and 390 px go to $E2E_SHOTS (default: the OS temp folder).
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';
import { seriousAxeViolations } from '../helpers/a11y';

const app = useApp();
const SHOTS = process.env.E2E_SHOTS ?? tmpdir();

async function stepId(page: Page): Promise<string | null> {
  return page.getByTestId('tour').getAttribute('data-step');
}

/** Takes the step's action and waits until the tour says it is done. */
async function doStep(page: Page, id: string, timeout = 60_000): Promise<void> {
  expect(await stepId(page)).toBe(id);
  await page.getByTestId('tour-act').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="tour"]')?.getAttribute('data-done') === 'true', null, { timeout });
}

describe('guided tour in Chromium', () => {
  it('walks the worked example end to end on the paint-defect set and survives a reload', async () => {
    let { page, errors } = await app().open();
    await page.getByTestId('tour-open').click();
    expect(await page.getByTestId('tour-count').textContent()).toBe('Guided tour · step 1 of 8');
    // Next waits for the step to be done.
    expect(await page.getByTestId('tour-next').isDisabled()).toBe(true);
    // The open card keeps the page accessible.
    expect(await seriousAxeViolations(page)).toEqual([]);

    await doStep(page, 'data');
    expect(page.url()).toContain('#datasets');
    expect(await page.getByTestId('preview-count').textContent()).toBe('600');
    await page.getByTestId('tour-next').click();

    expect(await page.getByTestId('tour-pitfall').textContent()).toContain('random split');
    await doStep(page, 'split');
    const stored = (await page.locator('.stored').textContent()) ?? '';
    expect(stored).toContain('paint defects (tour)');
    expect(stored).toMatch(/ordered by week: train [\d,]+ · validation [\d,]+ · test [\d,]+/);
    await page.getByTestId('tour-next').click();

    // A reload keeps the tour open at its step; the first two steps are still done (read from storage).
    await page.close();
    ({ page, errors } = await app().open('#oneshot'));
    await page.getByTestId('tour').waitFor();
    expect(await stepId(page)).toBe('targets');
    await page.getByTestId('tour-back').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="tour"]')?.getAttribute('data-done') === 'true');
    await page.getByTestId('tour-next').click();

    await doStep(page, 'targets');
    await page.getByTestId('tour-next').click();

    expect(await page.getByTestId('tour-pitfall').textContent()).toContain('Proxy overfitting');
    await doStep(page, 'search', 400_000);
    const status = page.getByTestId('oneshot-status');
    expect(await status.getAttribute('data-method')).toBe('spos');
    expect(await status.getAttribute('data-space')).toBe('mobile');
    expect(await page.getByTestId('ranked-row').count()).toBe(8);
    await page.getByTestId('tour-next').click();

    await doStep(page, 'rank');
    expect(await page.getByTestId('ranking-check').textContent()).toMatch(/τ/);
    await page.getByTestId('tour-next').click();

    await doStep(page, 'retrain', 400_000);
    expect(await page.getByTestId('finalist-row').count()).toBe(3);
    expect(await page.getByTestId('baseline-row').count()).toBe(1);
    await page.getByTestId('tour-next').click();

    await doStep(page, 'compare');
    await page.getByTestId('tour-next').click();
    expect(await page.getByTestId('tour-pitfall').textContent()).toContain('Peeking at the test set');
    await doStep(page, 'test');
    expect(await page.getByTestId('test-explain').textContent()).toContain('read once');
    const targets = await page.getByTestId('targets-cell').allTextContents();
    expect(targets.length).toBe(4);
    for (const t of targets) expect(t.trim()).toMatch(/^[0-2]\/2 met$/);
    expect(await page.getByTestId('tour-status').textContent()).toContain('whole worked example');

    await page.screenshot({ path: path.join(SHOTS, 'tour-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'tour-390.png') });
    // Folded, the card keeps its title and buttons and lets the results show.
    await page.getByTestId('tour-fold').click();
    expect(await page.getByTestId('tour-text').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, 'tour-390-folded.png') });
    await page.getByTestId('tour-fold').click();
    expect(await page.getByTestId('tour-text').isVisible()).toBe(true);
    // The card fits the phone's width.
    expect(await page.getByTestId('tour').evaluate((e) => Math.round(e.getBoundingClientRect().width))).toBeLessThanOrEqual(390);

    await page.getByTestId('tour-next').click();
    expect(await page.getByTestId('tour').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
