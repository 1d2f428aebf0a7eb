/**
 * The Search tab's "Stop hopeless candidates early" option in Chromium against the production build: ticked with a
 * margin, it reaches the worker in the run config, hopeless candidates are marked "stopped at epoch 3/4" in the
 * candidate table with their measured accuracy, and after a reload the stored run shows the option ticked again.
 */
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/e2e-harness';

const app = useApp();

describe('learning-curve stopping in the Search tab', () => {
  it('stops hopeless candidates, marks them in the table and keeps the setting with the run', async () => {
    const { page, errors } = await app().open();
    for (const [id, value] of [['budget', 6], ['epochs', 4], ['train-samples', 256], ['valid-samples', 128], ['seed', 1]] as const) await page.getByTestId(id).fill(String(value));
    await page.getByTestId('backend').selectOption('wasm');
    await page.getByTestId('curve-stop-on').check();
    await page.getByTestId('curve-stop-margin').fill('0');
    await page.getByTestId('curve-stop-margin').dispatchEvent('change');
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 400_000 });

    const rows = await page.$$eval('[data-testid="candidate-row"]', (trs) => trs.map((tr) => ({
      acc: Number(tr.querySelector('[data-testid="acc"]')?.textContent),
      note: tr.querySelector('[data-testid="curve-stopped"]')?.textContent?.trim() ?? null,
    })));
    console.log(`[e2e] curve stop: ${JSON.stringify(rows)}`);
    expect(rows).toHaveLength(6);
    expect(rows[0].note).toBeNull(); // nothing to compare the first candidate with
    const stopped = rows.filter((r) => r.note !== null);
    expect(stopped.length).toBeGreaterThanOrEqual(1);
    for (const r of stopped) {
      expect(r.note).toBe('stopped at epoch 3/4');
      expect(r.acc).toBeLessThan(Math.max(...rows.map((x) => x.acc))); // measured, and never the best
    }

    // The stored run's config carries the option: after a reload the form shows it ticked, with its margin.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length === 6, null, { timeout: 30_000 });
    expect(await page.getByTestId('curve-stop-on').isChecked()).toBe(true);
    expect(await page.getByTestId('curve-stop-margin').inputValue()).toBe('0');
    expect(errors).toEqual([]);
    await page.close();
  }, 480_000);
});
