/**
 * The search-space editor in real Chromium against the production build: switch to the mobile space, an
 * invalid width shows its own message with its path and disables Start, a valid custom space (only
 * depthwise-separable blocks, widths 16/24) runs a 2-candidate search on the built-in MNIST subset to done,
 * the genotypes respect the restriction, a candidate's detail draws the stage diagram, and after a reload
 * the run still shows its custom space.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';

const app = useApp();

async function setField(page: Page, testId: string, value: string | number): Promise<void> {
  await page.getByTestId(testId).fill(String(value));
  await page.getByTestId(testId).press('Tab'); // change fires on blur
}

const issues = (page: Page) => page.$$eval('[data-testid="space-issue"]', (lis) => lis.map((li) => li.textContent?.replace(/\s+/g, ' ').trim() ?? ''));
const sizeText = (page: Page) => page.getByTestId('space-size').textContent();
const jsonOf = async (page: Page) => JSON.parse(await page.getByTestId('space-json').inputValue()) as Record<string, unknown>;

describe('space editor in Chromium', () => {
  it('edits a mobile space, blocks an invalid one, runs a valid one and keeps it across a reload', async () => {
    const { page, errors } = await app().open();

    // The offered ops come from the shared vocabulary (no worker): NB201 first, then switch to mobile.
    await page.getByTestId('op-nor_conv_3x3').waitFor({ timeout: 60_000 });
    expect(await sizeText(page)).toMatch(/15,625 genotypes/);
    await page.getByTestId('space-kind').selectOption('mobile');
    await page.getByTestId('block-ds').waitFor();
    expect(await page.getByTestId('skeleton-hint').textContent()).toMatch(/Mobile skeleton/);
    expect((await jsonOf(page)).space).toBe('mobile');

    // An invalid width: its own message with its path, Start disabled.
    await setField(page, 'space-widths', '16, 0');
    await page.getByTestId('space-issue').first().waitFor();
    expect(await issues(page)).toEqual(['widths[1] width must be at least 1, got 0']);
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    // The JSON text follows the form.
    expect((await jsonOf(page)).widths).toEqual([16, 0]);
    // A JSON edit with two problems: both reported, each with its path.
    await page.getByTestId('space-json').fill(JSON.stringify({ space: 'mobile', kernels: [7], depths: [] }));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="space-issue"]').length === 2);
    expect(await issues(page)).toEqual(['kernels[0] 7 is not a valid kernel size (allowed: 3, 5)', 'depths must list at least one depth']);
    expect(await page.getByTestId('start').isDisabled()).toBe(true);

    // A valid custom space: only depthwise-separable blocks, widths 16/24, 2 stages, kernel 3, depth 1.
    await page.getByTestId('space-json').fill(JSON.stringify({ space: 'mobile' }));
    await page.getByTestId('space-size').waitFor();
    await page.getByTestId('block-mb').uncheck();
    await page.getByTestId('kernel-5').uncheck();
    await setField(page, 'space-widths', '16, 24');
    await setField(page, 'space-depths', '1');
    await setField(page, 'space-stages', 2);
    await page.waitForFunction(() => /: 16 genotypes/.test(document.querySelector('[data-testid="space-size"]')?.textContent ?? ''), null, { timeout: 30_000 })
      .catch(async (e: unknown) => { throw new Error(`${String(e)}; issues: ${JSON.stringify(await issues(page))}; json: ${await page.getByTestId('space-json').inputValue()}`); });
    const json = await jsonOf(page);
    expect(json).toMatchObject({ space: 'mobile', stages: 2, strides: [1, 2], blocks: ['ds'], kernels: [3], widths: [16, 24], depths: [1] });
    expect(await page.getByTestId('block-mb').isChecked()).toBe(false);
    expect(await page.getByTestId('start').isEnabled()).toBe(true);

    await page.getByTestId('budget').fill('2');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('train-samples').fill('256');
    await page.getByTestId('valid-samples').fill('128');
    await page.getByTestId('channels').fill('8');
    await page.getByTestId('backend').selectOption('wasm');
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 240_000 });

    // The name was left empty: the run is named from its space, strategy and dataset.
    expect(await page.getByRole('button', { name: 'Mobile random search on MNIST' }).count()).toBeGreaterThan(0);
    const archs = await page.$$eval('[data-testid="candidate-row"] code', (cs) => cs.map((c) => c.textContent ?? ''));
    expect(archs).toHaveLength(2);
    for (const arch of archs) {
      const stages = arch.split('|');
      expect(stages).toHaveLength(2);
      stages.forEach((s, i) => expect(s).toMatch(new RegExp(`^ds_k3(_se)?_w(16|24)_d1_s${i === 0 ? 1 : 2}$`)));
    }
    // The detail draws the mobile stage diagram.
    await page.getByTestId('candidate-row').first().click();
    await page.getByTestId('candidate-detail').waitFor();
    expect(await page.locator('[data-testid="candidate-detail"] [data-testid="cell-graph"] g.stage').count()).toBe(2);
    expect(await page.locator('[data-testid="candidate-detail"] .stage-title').first().textContent()).toMatch(/^DS conv/);
    expect(await page.getByTestId('detail-space').textContent()).toMatch(/^mobile space \(2 stages · blocks ds · kernels 3 · widths 16, 24 · depths 1\)/);

    // Reload: the run comes back with its custom space in the editor.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length === 2, null, { timeout: 30_000 });
    await page.getByTestId('block-ds').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('space-kind').inputValue()).toBe('mobile');
    expect(await jsonOf(page)).toMatchObject({ space: 'mobile', stages: 2, blocks: ['ds'], widths: [16, 24], depths: [1], kernels: [3] });
    expect(await page.getByTestId('block-mb').isChecked()).toBe(false);
    expect(await sizeText(page)).toMatch(/: 16 genotypes/);

    // Export downloads the normalised config; importing a file replaces the draft (here a DARTS space).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('space-export').click()]);
    expect(download.suggestedFilename()).toBe('space-mobile.json');
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(exported).toEqual(await jsonOf(page));
    await page.getByTestId('space-import').setInputFiles({ name: 'darts.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ space: 'darts', ops: ['skip_connect', 'sep_conv_3x3'] })) });
    await page.getByTestId('op-sep_conv_3x3').waitFor();
    expect(await page.getByTestId('space-kind').inputValue()).toBe('darts');
    expect(await page.getByTestId('op-dil_conv_3x3').isChecked()).toBe(false);
    await page.waitForFunction(() => /DARTS cells \(skip_connect, sep_conv_3x3\)/.test(document.querySelector('[data-testid="space-size"]')?.textContent ?? ''), null, { timeout: 30_000 });
    expect(await page.getByTestId('skeleton-hint').textContent()).toMatch(/DARTS skeleton/);

    // A wrong pick over a space file's size (2 MiB) is refused by name; the draft stays the DARTS space.
    const draftBefore = await jsonOf(page);
    await page.getByTestId('space-import').setInputFiles({ name: 'photo.json', mimeType: 'application/json', buffer: Buffer.alloc(2 * 2 ** 20, 32) });
    await page.waitForFunction(() => document.querySelector('[data-testid="space-file-error"]')?.textContent?.includes('photo.json is 2.0 MiB, too large for a space definition'), null, { timeout: 30_000 });
    expect(await jsonOf(page)).toEqual(draftBefore);

    // A partial JSON keeps the schema's defaults in the form: ds-only with 2 stages, then a checkbox edit stays valid.
    await page.getByTestId('space-json').fill(JSON.stringify({ space: 'mobile', blocks: ['ds'], stages: 2 }));
    await page.getByTestId('block-ds').waitFor();
    await page.getByTestId('kernel-5').uncheck();
    await page.waitForFunction(() => /: 576 genotypes/.test(document.querySelector('[data-testid="space-size"]')?.textContent ?? ''), null, { timeout: 30_000 })
      .catch(async (e: unknown) => { throw new Error(`${String(e)}; issues: ${JSON.stringify(await issues(page))}`); });
    expect(await jsonOf(page)).toMatchObject({ blocks: ['ds'], expansions: [], stages: 2, strides: [1, 2], kernels: [3] });
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);

  it('runs a zero-cost warm start from the Search tab: the first candidates are the pool\'s best by SynFlow', async () => {
    const { page, errors } = await app().open();
    // The page opens on the previous test's run (its mobile space): back to NB201 first.
    await page.getByTestId('space-kind').selectOption('nb201');
    await page.getByTestId('op-nor_conv_3x3').waitFor({ timeout: 60_000 });
    await page.getByTestId('warm-start-on').check();
    await page.getByTestId('warm-start-proxy').selectOption('synflow');
    await setField(page, 'warm-start-pool', 8);
    await setField(page, 'warm-start-keep', 2);
    await page.getByTestId('budget').fill('2');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('train-samples').fill('128');
    await page.getByTestId('valid-samples').fill('64');
    await page.getByTestId('channels').fill('4');
    await page.getByTestId('backend').selectOption('wasm');
    await page.getByTestId('start').click();
    // The previous test's finished run is on screen until the new one starts.
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent !== 'done', null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 240_000 });
    expect(await page.getByTestId('candidate-row').count()).toBe(2);
    const synflowOf = async (row: number): Promise<number> => {
      await page.getByTestId('candidate-row').nth(row).click();
      await page.getByTestId('candidate-detail').waitFor();
      const text = await page.locator('[data-testid="detail-metrics"] tr', { hasText: 'zc_synflow' }).locator('td').textContent();
      return Number(text);
    };
    const first = await synflowOf(0);
    const second = await synflowOf(1);
    expect(Number.isFinite(first) && Number.isFinite(second)).toBe(true);
    expect(first).toBeGreaterThanOrEqual(second); // best first
    // The warm start is part of the stored run: after a reload the panel shows it again.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length === 2, null, { timeout: 30_000 });
    expect(await page.getByTestId('warm-start-on').isChecked()).toBe(true);
    expect(await page.getByTestId('warm-start-pool').inputValue()).toBe('8');
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);
});
