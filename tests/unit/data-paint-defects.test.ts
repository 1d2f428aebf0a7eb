import { describe, expect, it } from 'vitest';
import { PAINT_DEFECT_CLASSES, createPaintDefectGenerator, generatePaintDefects } from '../../src/engine/data/paint-defects';
import { stratifiedSplit } from '../../src/engine/data/splits';
import { datasetFingerprint } from '../../src/engine/data/splits';
import type { ImageDataset } from '../../src/engine/data/types';

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/**
 * Nearest-centroid classifier on per-image mean-centred pixels (each image minus its own mean colour,
 * so the paint colour does not dominate): one mean image per class from `train`, argmin L2 on `test`.
 */
function nearestCentroid(ds: ImageDataset, train: Uint32Array, test: Uint32Array, center: boolean): { acc: number; balanced: number; recall: number[] } {
  const [h, w, c] = ds.shape;
  const D = h * w * c;
  const K = ds.classes.length;
  const feat = (i: number, out: Float64Array): Float64Array => {
    const m = new Float64Array(c);
    for (let p = 0; p < D; p++) m[p % c] += ds.images[i * D + p] / (h * w);
    for (let p = 0; p < D; p++) out[p] = ds.images[i * D + p] - (center ? m[p % c] : 0);
    return out;
  };
  const cent = Array.from({ length: K }, () => new Float64Array(D));
  const n = new Array<number>(K).fill(0);
  const f = new Float64Array(D);
  for (const i of train) {
    feat(i, f);
    n[ds.labels[i]]++;
    const ck = cent[ds.labels[i]];
    for (let p = 0; p < D; p++) ck[p] += f[p];
  }
  cent.forEach((ck, k) => ck.forEach((_, p) => (ck[p] /= n[k])));
  const hit = new Array<number>(K).fill(0);
  const tot = new Array<number>(K).fill(0);
  for (const i of test) {
    feat(i, f);
    let best = 0;
    let bd = Infinity;
    for (let k = 0; k < K; k++) {
      let d = 0;
      const ck = cent[k];
      for (let p = 0; p < D; p++) d += (f[p] - ck[p]) ** 2;
      if (d < bd) {
        bd = d;
        best = k;
      }
    }
    tot[ds.labels[i]]++;
    if (best === ds.labels[i]) hit[ds.labels[i]]++;
  }
  const recall = hit.map((x, k) => x / tot[k]);
  return { acc: hit.reduce((a, b) => a + b, 0) / test.length, balanced: recall.reduce((a, b) => a + b, 0) / K, recall };
}

describe('synthetic paint-defect dataset', () => {
  it('is deterministic per seed, whatever the chunking', () => {
    const opts = { seed: 42, count: 150 };
    const full = generatePaintDefects(opts);
    expect(full.shape).toEqual([32, 32, 3]);
    expect(full.classes).toEqual(['ok', 'scratch', 'bubble', 'color_drift']);
    expect(same(full.images, generatePaintDefects(opts).images)).toBe(true);
    expect(same(full.images, generatePaintDefects(opts, undefined, 7).images)).toBe(true);
    // Iterator chunks, and a fresh generator asked for an arbitrary window.
    const g = createPaintDefectGenerator(opts);
    let at = 0;
    for (const ch of g.chunks(13)) {
      expect(ch.start).toBe(at);
      expect(same(ch.images, full.images.subarray(at * 3072, (at + ch.count) * 3072))).toBe(true);
      expect(same(ch.labels, full.labels.subarray(at, at + ch.count))).toBe(true);
      at += ch.count;
    }
    expect(at).toBe(150);
    const win = createPaintDefectGenerator(opts).generate(97, 5);
    expect(same(win.images, full.images.subarray(97 * 3072, 102 * 3072))).toBe(true);
    expect(same(win.week, full.fields!.week.subarray(97, 102) as Uint8Array)).toBe(true);
    // A different seed gives different images.
    expect(same(full.images, generatePaintDefects({ seed: 43, count: 150 }).images)).toBe(false);
    expect(datasetFingerprint(full)).toBe(datasetFingerprint(generatePaintDefects(opts, undefined, 50)));
  });

  it('has ok : each defect = 8 : 1 and spans the weeks in order', () => {
    const g = createPaintDefectGenerator({ seed: 5, count: 5000 });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 5000; i++) counts[g.labelOf(i)]++;
    // Labels are dealt in shuffled blocks of 11 (8 ok + one of each defect), so the ratio is exact per block.
    expect(counts[0] / 5000).toBeCloseTo(8 / 11, 2);
    for (const k of [1, 2, 3]) expect(Math.abs(counts[k] - 5000 / 11)).toBeLessThanOrEqual(1);
    const exact = createPaintDefectGenerator({ seed: 9, count: 1100 });
    const c2 = [0, 0, 0, 0];
    for (let i = 0; i < 1100; i++) c2[exact.labelOf(i)]++;
    expect(c2).toEqual([800, 100, 100, 100]);
    // Weeks: 0..11, non-decreasing with the index, each holding about count/12 images.
    let prev = 0;
    const perWeek = new Array<number>(12).fill(0);
    for (let i = 0; i < 5000; i++) {
      const wk = g.weekOf(i);
      expect(wk).toBeGreaterThanOrEqual(prev);
      prev = wk;
      perWeek[wk]++;
    }
    for (const n of perWeek) expect(Math.abs(n - 5000 / 12)).toBeLessThanOrEqual(1);
  });

  it('supports other sizes (48x64) and drifts the lighting across weeks', () => {
    const ds = generatePaintDefects({ seed: 8, count: 600, height: 48, width: 64 });
    expect(ds.shape).toEqual([48, 64, 3]);
    expect(ds.images.length).toBe(600 * 48 * 64 * 3);
    const per = 48 * 64 * 3;
    // Image i's random draws depend only on (seed, i), and its week on i/count: so the same panel can be
    // rendered in week 0 (huge count) and in a late week (count 55) and compared directly.
    const late = createPaintDefectGenerator({ seed: 8, count: 55, height: 48, width: 64 }).generate(0, 55);
    const early = createPaintDefectGenerator({ seed: 8, count: 1_000_000, height: 48, width: 64 }).generate(0, 55);
    let sumLate = 0;
    let sumEarly = 0;
    let rbLate = 0;
    let rbEarly = 0;
    let n = 0;
    for (let i = 0; i < 55; i++) {
      expect(early.week[i]).toBe(0);
      if (late.week[i] < 9) continue;
      n++;
      for (let p = 0; p < per; p += 3) {
        sumLate += late.images[i * per + p] + late.images[i * per + p + 1] + late.images[i * per + p + 2];
        sumEarly += early.images[i * per + p] + early.images[i * per + p + 1] + early.images[i * per + p + 2];
        rbLate += late.images[i * per + p] - late.images[i * per + p + 2];
        rbEarly += early.images[i * per + p] - early.images[i * per + p + 2];
      }
    }
    expect(n).toBeGreaterThanOrEqual(12);
    // Lamps dim (~15%) and warm up (red rises against blue) over the weeks: a real covariate shift.
    expect(sumLate).toBeLessThan(sumEarly * 0.9);
    expect((rbLate - rbEarly) / (n * per / 3)).toBeGreaterThan(3);
    // Nuisance variation: images are not flat and not identical.
    const sd = (i: number): number => {
      let m = 0;
      for (let p = 0; p < per; p++) m += ds.images[i * per + p] / per;
      let v = 0;
      for (let p = 0; p < per; p++) v += (ds.images[i * per + p] - m) ** 2 / per;
      return Math.sqrt(v);
    };
    expect(sd(0)).toBeGreaterThan(2);
    expect(PAINT_DEFECT_CLASSES.length).toBe(4);
  });

  it('is learnable but not trivial: nearest-centroid accuracy well above chance, well below perfect', () => {
    const ds = generatePaintDefects({ seed: 11, count: 6600 });
    const split = stratifiedSplit(ds.labels, { seed: 1, valid: 0, test: 1 / 3 });
    const centred = nearestCentroid(ds, split.train, split.test, true);
    const raw = nearestCentroid(ds, split.train, split.test, false);
    console.log(
      `paint-defects 32x32 nearest-centroid (mean-centred pixels): accuracy ${centred.acc.toFixed(3)}, balanced ${centred.balanced.toFixed(3)}, ` +
        `per-class recall ${centred.recall.map((r) => r.toFixed(2)).join('/')}; raw pixels: accuracy ${raw.acc.toFixed(3)}, balanced ${raw.balanced.toFixed(3)} (chance: balanced 0.25, majority accuracy 0.727)`,
    );
    // Balanced accuracy: chance is 0.25.
    expect(centred.balanced).toBeGreaterThan(0.38);
    expect(centred.balanced).toBeLessThan(0.95);
    expect(centred.acc).toBeLessThan(0.95);
    // Small local defects (scratches, bubbles) are hard for a mean image; the colour drift, spread over a
    // region, is what this baseline catches best. A CNN has the rest to learn.
    expect(Math.max(...centred.recall.slice(1))).toBeGreaterThan(0.5);
    expect(raw.balanced).toBeLessThan(0.95);
  });
});
