/**
 * The spine end to end in real Chromium against the production build: start a random search on the
 * built-in MNIST subset, see candidates with accuracy and latency arrive, reload, find them still there
 * (IndexedDB), resume, and see more arrive without any candidate evaluated twice.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';

const app = useApp();

async function setNumber(page: Page, testId: string, value: number): Promise<void> {
  await page.getByTestId(testId).fill(String(value));
}

async function rows(page: Page): Promise<{ arch: string; acc: number; latency: number }[]> {
  return page.$$eval('[data-testid="candidate-row"]', (trs) =>
    trs.map((tr) => ({
      arch: tr.querySelector('code')?.textContent ?? '',
      acc: Number(tr.querySelector('[data-testid="acc"]')?.textContent),
      latency: Number.parseFloat(tr.querySelector('[data-testid="latency"]')?.textContent ?? ''),
    })),
  );
}

describe('search spine in Chromium', () => {
  it('runs, survives a reload and resumes', async () => {
    const { page, errors } = await app().open();
    await setNumber(page, 'budget', 8);
    await setNumber(page, 'epochs', 2);
    await setNumber(page, 'train-samples', 512);
    await setNumber(page, 'valid-samples', 256);
    await setNumber(page, 'seed', 7);
    await page.getByTestId('start').click();

    // While the worker trains, the main thread keeps rendering frames and answering input.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length >= 1, null, { timeout: 240_000 });
    const frames = await page.evaluate(() => new Promise<number>((resolve) => {
      let n = 0;
      const tick = () => (++n >= 30 ? resolve(n) : requestAnimationFrame(tick));
      requestAnimationFrame(tick);
    }));
    expect(frames).toBe(30);
    await page.locator('[data-testid="backend-panel"] summary').click();
    expect(await page.locator('[data-testid="backend-panel"] details').getAttribute('open')).not.toBeNull();

    // At least 3 candidates with accuracy and latency.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length >= 3, null, { timeout: 240_000 });
    const backend = await page.getByTestId('backend-live').textContent();
    console.log(`[e2e] live backend: ${backend}`);
    const reasons = await page.$$eval('[data-testid="backend-panel"] li', (lis) => lis.map((li) => li.textContent?.trim()));
    console.log(`[e2e] backend report:\n  ${reasons.join('\n  ')}`);
    await page.getByTestId('stop').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'paused', null, { timeout: 120_000 });
    const before = await rows(page);
    expect(before.length).toBeGreaterThanOrEqual(3);
    for (const r of before) {
      expect(r.arch).toMatch(/^\|.+~0\|\+\|/);
      expect(r.acc).toBeGreaterThanOrEqual(0);
      expect(r.acc).toBeLessThanOrEqual(100);
      expect(r.latency).toBeGreaterThan(0);
    }
    // Training on real digits must beat chance (10%) for at least one candidate.
    expect(Math.max(...before.map((r) => r.acc))).toBeGreaterThan(20);

    // Reload: everything comes back from IndexedDB.
    await page.reload();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="candidate-row"]').length === n, before.length, { timeout: 30_000 });
    expect(await rows(page)).toEqual(before);
    expect(await page.getByTestId('run-status').textContent()).toBe('paused');

    // Resume: more candidates arrive, the old ones unchanged, none evaluated twice.
    await page.getByTestId('resume').first().click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="candidate-row"]').length >= n + 2, before.length, { timeout: 240_000 });
    await page.getByTestId('stop').click();
    await page.waitForFunction(() => ['paused', 'done'].includes(document.querySelector('[data-testid="run-status"]')?.textContent ?? ''), null, { timeout: 120_000 });
    const after = await rows(page);
    expect(after.slice(0, before.length)).toEqual(before);
    const ids = await page.$$eval('[data-testid="candidate-row"] td:first-child', (tds) => tds.map((td) => Number(td.textContent)));
    expect(ids).toEqual(ids.map((_, i) => i));
    expect(errors).toEqual([]);
    await page.close();
  });
});
