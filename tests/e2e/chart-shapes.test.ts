/**
 * Colour is never the only carrier of meaning in the Benchmark lab's curves: each strategy's curve and key entry
 * carry a marker of its own shape (random circle, evolution square), named in the key. Run on the real
 * NAS-Bench-201 table (../shared/benchmarks), 2 strategies x 1 seed x 40 queries; axe finds nothing serious on
 * the lab with results at 1280 and 390 px, and the page does not scroll sideways. The profiler's predicted-vs-measured
 * scatter marks each network's error band by shape (circle within 5%, square within 10%, triangle beyond), named
 * in its key.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, setField, useApp } from '../helpers/e2e-harness';
import { pageWidth, seriousAxeViolations, shotPath, showTab } from '../helpers/a11y';

const TABLE = path.resolve(ROOT, '../shared/benchmarks/nb201/nb201-cifar10-valid.csv');
const app = useApp();

describe('chart shapes', () => {
  it('marks each lab curve with its strategy shape, in the chart and its key', async () => {
    const { page, errors } = await app().open();
    await showTab(page, 'lab');
    await page.getByTestId('table-file').setInputFiles(TABLE);
    await page.waitForSelector('[data-testid="table-item"]', { timeout: 60_000 });
    for (const s of ['random', 'evolution', 'reinforce', 'local']) await page.getByTestId(`lab-strategy-${s}`).setChecked(s === 'random' || s === 'evolution');
    await page.getByTestId('lab-seeds').fill('1');
    await page.getByTestId('lab-budget-queries').check();
    await page.getByTestId('lab-budget').fill('40');
    await page.getByTestId('lab-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lab-status"]')?.textContent === 'done', null, { timeout: 120_000 });

    const key = await page.$$eval('[data-testid="lab-key"]', (lis) => lis.map((li) => ({
      series: li.getAttribute('data-series'),
      shape: li.getAttribute('data-shape'),
      marker: li.querySelector('svg.marker path')?.getAttribute('d') ?? '',
      text: li.textContent?.trim() ?? '',
    })));
    expect(key.map((k) => `${k.series} ${k.shape}`)).toEqual(['random circle', 'evolution square']);
    // Two different drawn shapes, each beside its strategy's name.
    expect(key[0].marker).not.toBe(key[1].marker);
    expect(key[0].text).toMatch(/^Random search/);
    expect(key[1].text).toMatch(/^(Regularized )?[Ee]volution/);

    // The markers are drawn on the curves: white-filled nothing, strategy-coloured square corners present.
    // The chart redraws at most every 250 ms (app/chart.ts): the last data lands just after "done", later on a busy
    // machine, so the canvas is read until the markers show (at most 15 s).
    const countSquares = () => page.$eval('[data-testid="lab-chart"] canvas', (c) => {
      const canvas = c as HTMLCanvasElement;
      const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      // A filled square marker of the evolution colour (#e63946) is a block of at least 5x5 red pixels: a 2.2 px
      // line never paints one.
      const red = (x: number, y: number) => { const i = (y * width + x) * 4; return data[i] > 200 && data[i + 1] < 90 && data[i + 2] < 100 && data[i + 3] > 200; };
      let blocks = 0;
      for (let y = 0; y + 5 < height; y += 1) {
        for (let x = 0; x + 5 < width; x += 1) {
          let full = true;
          for (let dy = 0; dy < 5 && full; dy++) for (let dx = 0; dx < 5 && full; dx++) full = red(x + dx, y + dy);
          if (full) { blocks++; x += 8; }
        }
      }
      return blocks;
    });
    let evolutionSquares = await countSquares();
    for (const until = Date.now() + 15_000; evolutionSquares === 0 && Date.now() < until;) {
      await page.waitForTimeout(500);
      evolutionSquares = await countSquares();
    }
    expect(evolutionSquares).toBeGreaterThan(0);

    const findings: string[] = [];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      // The charts follow their box's width through a ResizeObserver, a frame or more after the resize.
      await page.waitForFunction((w) => (document.scrollingElement?.scrollWidth ?? -1) <= w, width, { timeout: 10_000 }).catch(() => undefined);
      expect(await pageWidth(page)).toBe(width);
      await page.screenshot({ path: shotPath(`lab-results-${width}`), fullPage: true });
      for (const v of await seriousAxeViolations(page)) findings.push(`lab@${width} ${v.impact} ${v.id} (${v.help}): ${v.nodes.join(' | ')}`);
    }
    expect(findings).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('marks each profiled network by its error band with a shape, named in the key', async () => {
    const { page, errors } = await app().open();
    await showTab(page, 'profiler');
    for (const [id, v] of [['prof-space', 'nb201'], ['prof-backend', 'wasm'], ['prof-height', 8], ['prof-width', 8], ['prof-in-channels', 3], ['prof-classes', 10],
      ['prof-channels', 4], ['prof-cells', 1], ['prof-batch', 1], ['prof-fit-samples', 5]] as const) await setField(page, id, v);
    await page.getByTestId('prof-build').click();
    await page.getByTestId('prof-lut').waitFor({ timeout: 240_000 });
    await setField(page, 'prof-validate-samples', 8);
    await page.getByTestId('prof-validate').click();
    await page.getByTestId('prof-report').waitFor({ timeout: 240_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="scatter-point"]').length === 8, null, { timeout: 240_000 });

    const points = await page.$$eval('[data-testid="scatter-point"]', (ps) => ps.map((p) => ({
      band: p.getAttribute('data-band'),
      d: p.getAttribute('d') ?? '',
      title: p.querySelector('title')?.textContent ?? '',
    })));
    /** The shape a path draws: an arc is the circle, H/V the square, three corners the triangle. */
    const shapeOf = (d: string) => (/a/.test(d) ? 'circle' : /H/.test(d) ? 'square' : (d.match(/L/g) ?? []).length === 2 ? 'triangle' : 'other');
    const SHAPE: Record<string, string> = { 'within-5': 'circle', 'within-10': 'square', off: 'triangle' };
    for (const p of points) {
      const m = /predicted ([\d.]+) ms, measured ([\d.]+) ms/.exec(p.title);
      expect(m, p.title).not.toBeNull();
      const err = Math.abs(Number(m![1]) - Number(m![2])) / Number(m![2]);
      const band = err <= 0.05 ? 'within-5' : err <= 0.1 ? 'within-10' : 'off';
      // Rounded to 3 decimals in the title: a point on a band's edge may read either way.
      if (Math.abs(err - 0.05) > 0.002 && Math.abs(err - 0.1) > 0.002) expect(p.band, p.title).toBe(band);
      expect(shapeOf(p.d), p.title).toBe(SHAPE[p.band!]);
    }
    expect(await page.getByTestId('scatter-key').innerText()).toMatch(/within 5%[\s\S]*within 10%[\s\S]*off by more than 10%/);

    const findings: string[] = [];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      // The charts follow their box's width through a ResizeObserver, a frame or more after the resize.
      await page.waitForFunction((w) => (document.scrollingElement?.scrollWidth ?? -1) <= w, width, { timeout: 10_000 }).catch(() => undefined);
      expect(await pageWidth(page)).toBe(width);
      await page.screenshot({ path: shotPath(`profiler-report-${width}`), fullPage: true });
      for (const v of await seriousAxeViolations(page)) findings.push(`profiler@${width} ${v.impact} ${v.id} (${v.help}): ${v.nodes.join(' | ')}`);
    }
    expect(findings).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
