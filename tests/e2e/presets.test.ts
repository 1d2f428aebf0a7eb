/**
 * Search presets and the time estimate (issue 15, item 2) in Chromium against the production build: before any
 * search the tab says it cannot estimate this device yet; a preset fills the form and starts nothing; after a
 * search has run, the estimate comes from that run's measured spacing of candidates and follows the form's edits.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useApp, setField } from '../helpers/e2e-harness';
import { startSearch, waitForStoredStatus } from '../helpers/kill-resume';

const app = useApp();
const SHOTS = process.env.E2E_SHOTS ?? tmpdir();

describe('search presets in Chromium', () => {
  it('fills the form without starting work, and estimates from this device once a search ran', async () => {
    const { page, errors } = await app().open();
    const estimate = page.getByTestId('time-estimate');
    await page.waitForFunction(() => document.querySelector('[data-testid="time-estimate"]')?.textContent?.includes('No NAS-Bench-201 search'));
    expect(await page.getByTestId('preset-quick').textContent()).toContain('aims at ~2 min on a 2-core laptop');

    await page.getByTestId('preset-proper').click();
    const value = (id: string) => page.getByTestId(id).inputValue();
    expect([await value('strategy'), await value('budget'), await value('channels'), await value('cells'), await value('epochs'), await value('batch'), await value('train-samples'), await value('valid-samples')])
      .toEqual(['evolution', '150', '12', '1', '2', '64', '2048', '512']);
    // A preset is a form edit: no worker runs before Start.
    expect(page.workers().length).toBe(0);

    await page.getByTestId('preset-quick').click();
    await startSearch(page, 'calibration', { strategy: 'random', budget: 4, epochs: 1, trainSamples: 128, validSamples: 64, seed: 2 });
    await waitForStoredStatus(page, 'calibration', 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="time-estimate"]')?.textContent?.includes('on this device'));
    const text = (await estimate.textContent()) ?? '';
    expect(text).toContain('scaled from “calibration”');
    const perCandidate = Number(/\(([\d.]+) s per candidate\)/.exec(text)?.[1]);
    expect(perCandidate).toBeGreaterThan(0);
    const seconds = (t: string) => {
      const m = /about ([\d.]+) (s|min|h)/.exec(t);
      if (!m) throw new Error(`no duration in "${t}"`);
      return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'min' ? 60 : 1);
    };
    // The form still holds the measured run's settings: 4 candidates x the measured spacing.
    const same = seconds(text);
    expect(Math.abs(same - 4 * perCandidate)).toBeLessThanOrEqual(Math.max(1, 0.05 * same) + 0.2);
    // Ten times the candidates: the estimate follows the edit.
    await setField(page, 'budget', 40);
    await page.waitForFunction((before) => document.querySelector('[data-testid="time-estimate"]')?.textContent !== before, text);
    expect(seconds((await estimate.textContent()) ?? '')).toBeGreaterThan(same * 5);
    // The measured run (128 images) is far smaller than the Proper preset: its button keeps the aim, not an extrapolation.
    expect(await page.getByTestId('preset-proper').textContent()).toContain('aims at ~30 min');
    await setField(page, 'train-samples', 2048);
    expect(await page.getByTestId('rough-estimate').textContent()).toContain('16x less training work');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'presets-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('presets').screenshot({ path: path.join(SHOTS, 'presets-390.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
