/**
 * The profiler tab in real Chromium against the production build: build a latency lookup table for a tiny NB201
 * skeleton on WASM, validate its predictor on fresh networks (report + scatter), compare one model on every
 * backend (WASM and CPU measured; WebGL/WebGPU on this machine are software fallbacks or unavailable), download
 * the comparison as CSV, and find the table and its report again after a reload (IndexedDB).
 * No wall-clock assertions: the figures are printed for the record.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';

const app = useApp();

async function fill(page: Page, testId: string, value: number | string): Promise<void> {
  await page.getByTestId(testId).fill(String(value));
}

async function idle(page: Page, timeout: number): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('[data-testid="prof-progress"]'), null, { timeout });
}

const HEADER = 'backend,status,software_fallback,median_ms,p10_ms,p90_ms,cv,noisy,first_run_ms,memory_bytes,tensors,gpu_bytes,detail,space,arch,batch,params';

describe('profiler tab in Chromium', () => {
  it('builds a LUT on wasm, validates it, compares backends, exports CSV, and keeps the LUT after a reload', async () => {
    const { page, errors } = await app().open();
    await page.getByTestId('tab-profiler').click();
    await expect.poll(() => page.getByTestId('prof-no-luts').count()).toBe(1);

    // A tiny NB201 skeleton on WASM.
    await page.getByTestId('prof-space').selectOption('nb201');
    await page.getByTestId('prof-backend').selectOption('wasm');
    await fill(page, 'prof-height', 8);
    await fill(page, 'prof-width', 8);
    await fill(page, 'prof-in-channels', 3);
    await fill(page, 'prof-classes', 10);
    await fill(page, 'prof-channels', 4);
    await fill(page, 'prof-cells', 1);
    await fill(page, 'prof-batch', 1);
    await fill(page, 'prof-fit-samples', 5);
    await page.getByTestId('prof-build').click();
    await page.waitForSelector('[data-testid="prof-progress"]', { timeout: 30_000 });
    await idle(page, 240_000);
    expect(await page.getByTestId('prof-error').count(), (await page.getByTestId('prof-error').textContent().catch(() => '')) ?? '').toBe(0);
    await expect.poll(() => page.getByTestId('prof-lut').count()).toBe(1);
    const lutText = (await page.getByTestId('prof-lut').textContent()) ?? '';
    console.log(`[e2e profiler] LUT: ${lutText.replace(/\s+/g, ' ').trim()}`);
    expect(lutText).toContain('nb201');
    expect(lutText).toMatch(/wasm \((no )?SIMD/);
    expect(lutText).toMatch(/25 op instances/);

    // Predictor vs measured on fresh networks.
    await fill(page, 'prof-validate-samples', 8);
    await page.getByTestId('prof-validate').click();
    await page.waitForSelector('[data-testid="prof-report"]', { timeout: 240_000 });
    await idle(page, 240_000);
    const within5 = await page.getByTestId('prof-within5').textContent();
    const within10 = await page.getByTestId('prof-within10').textContent();
    const tau = await page.getByTestId('prof-tau').textContent();
    console.log(`[e2e profiler] predictor on wasm: within ±5% ${within5}, within ±10% ${within10}, Kendall tau ${tau}`);
    expect(within5).toMatch(/^\d+%$/);
    expect(within10).toMatch(/^\d+%$/);
    expect(Number.parseInt(within10!, 10)).toBeGreaterThanOrEqual(Number.parseInt(within5!, 10));
    expect(await page.getByTestId('scatter-point').count()).toBe(8);
    expect(await page.locator('[data-testid="prof-worst"] tbody tr').count()).toBeGreaterThan(0);
    // The protocol's record and the recalibration, as the tab words them; the job's backend line left with the job.
    const measurement = (await page.getByTestId('prof-measurement').textContent())?.replace(/\s+/g, ' ').trim() ?? '';
    console.log(`[e2e profiler] ${measurement}`);
    expect(measurement).toMatch(/^\d+ rounds in \d+\.\d s: (every median within ±3% \(95% CI\)\.|\d+ of 13 medians stayed wider than ±3%)/);
    const calibration = (await page.getByTestId('prof-calibration').textContent())?.replace(/\s+/g, ' ').trim() ?? '';
    expect(calibration).toMatch(/^Recalibrated on the table's 5 fit networks, timed in the same rounds as these: t ≈ \d+\.\d{3} · Σ \+ \d+\.\d{3} ms\./);
    expect(await page.getByTestId('prof-table-fit').textContent()).toMatch(/^\d+% \/ \d+%$/);
    expect(await page.getByTestId('prof-measuring-on').count()).toBe(0);
    const drift = await page.getByTestId('prof-drift').textContent();
    console.log(`[e2e profiler] ${drift?.replace(/\s+/g, ' ').trim()}`);
    expect(drift).toMatch(/×\d+\.\d\d/);

    // Predict one genotype from its text form.
    await fill(page, 'prof-genotype', '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|');
    await page.getByTestId('prof-predict').click();
    await page.waitForSelector('[data-testid="prof-prediction"]', { timeout: 30_000 });
    expect(await page.getByTestId('prof-prediction').textContent()).toMatch(/Predicted: \d+\.\d{3} ms/);

    // The same model on every backend.
    await page.getByTestId('prof-compare').click();
    await page.waitForSelector('[data-testid="prof-progress"]', { timeout: 30_000 });
    await idle(page, 280_000);
    expect(await page.getByTestId('prof-error').count()).toBe(0);
    const rows = await page.$$eval('[data-testid="prof-compare-row"]', (trs) => trs.map((tr) => ({
      backend: tr.getAttribute('data-backend'),
      status: tr.getAttribute('data-status'),
      software: tr.getAttribute('data-software') === 'true',
      text: tr.textContent?.replace(/\s+/g, ' ').trim(),
    })));
    console.log(`[e2e profiler] backend comparison:\n  ${rows.map((r) => r.text).join('\n  ')}`);
    expect(rows.map((r) => r.backend)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    for (const name of ['wasm', 'cpu']) expect(rows.find((r) => r.backend === name)).toMatchObject({ status: 'measured', software: false });
    for (const name of ['webgpu', 'webgl']) {
      const r = rows.find((x) => x.backend === name)!;
      expect(r.status === 'unavailable' || r.software, `${name}: ${r.text}`).toBe(true);
    }

    // CSV download: header + one row per backend.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('prof-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^backend-comparison-.*\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(HEADER);
    expect(csv).toHaveLength(5);
    const cells = csv.slice(1).map((line) => line.split(','));
    expect(cells.map((c) => c[0])).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    for (const c of cells.slice(2)) {
      expect(c[1]).toBe('measured');
      expect(Number(c[3])).toBeGreaterThan(0); // median_ms
      expect(Number(c[9])).toBeGreaterThan(0); // memory_bytes
    }
    for (const c of cells) expect(c.at(-4)).toBe('nb201');
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('prof-json').click()]);
    const parsed = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { rows: unknown[]; model: { spaceId: string } };
    expect(parsed.rows).toHaveLength(4);
    expect(parsed.model.spaceId).toBe('nb201');

    // Reload: the LUT and its report come back from IndexedDB.
    await page.reload();
    if ((await page.getByTestId('prof-luts').count()) === 0) await page.getByTestId('tab-profiler').click();
    await expect.poll(() => page.getByTestId('prof-lut').count(), { timeout: 30_000 }).toBe(1);
    expect((await page.getByTestId('prof-lut').textContent())?.replace(/\s+/g, ' ').trim()).toBe(lutText.replace(/\s+/g, ' ').trim());
    await page.waitForSelector('[data-testid="prof-report"]', { timeout: 30_000 });
    expect(await page.getByTestId('prof-within10').textContent()).toBe(within10);
    expect(await page.getByTestId('scatter-point').count()).toBe(8);
    expect(errors).toEqual([]);
    await page.close();
  });
});
