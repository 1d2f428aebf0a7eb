/**
 * The LUT predictor's arithmetic (a · Σ count × lut + b) on hand-made tables, and the least-squares overhead fit
 * on synthetic data with known answers (numbers worked by hand in the comments).
 */
import { describe, expect, it } from 'vitest';
import '../helpers/tf-node';
import { genotypeInstances, opInstances, type OpInstance } from '../../src/engine/profiler/instances';
import { fitOverhead, lutSum, predictLatency, type LatencyLut, type LutEntry } from '../../src/engine/profiler/lut';
import { profilerSpace } from '../../src/engine/profiler/space';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';
import { nb201FromString } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';

const entry = (ms: number): LutEntry => ({ ms, p10Ms: ms, p90Ms: ms, cv: 0, noisy: false, runs: 1, firstRunMs: ms, inner: 1, measured: ms > 0 });

describe('fitOverhead (ordinary least squares t = a·s + b)', () => {
  it('recovers an exact line', () => {
    const s = [1, 2.5, 4, 7];
    const f = fitOverhead(s, s.map((x) => 1.3 * x + 0.7));
    expect(f.method).toBe('least-squares');
    expect(f.a).toBeCloseTo(1.3, 12);
    expect(f.b).toBeCloseTo(0.7, 12);
    expect(f.r2).toBeCloseTo(1, 12);
    expect(f.rmseMs).toBeCloseTo(0, 12);
    expect(f.n).toBe(4);
  });

  it('matches the hand-computed fit on noisy points', () => {
    // x = 1..4, y = 2,4,5,8: mean x 2.5, mean y 4.75, Sxy = 9.5, Sxx = 5 -> a = 1.9, b = 0;
    // residuals 0.1, 0.2, -0.7, 0.4 -> SSres 0.7, SStot 18.75 -> R² = 1 - 0.7/18.75; RMSE sqrt(0.7/4)
    const f = fitOverhead([1, 2, 3, 4], [2, 4, 5, 8]);
    expect(f.a).toBeCloseTo(1.9, 12);
    expect(f.b).toBeCloseTo(0, 12);
    expect(f.r2).toBeCloseTo(1 - 0.7 / 18.75, 12);
    expect(f.rmseMs).toBeCloseTo(Math.sqrt(0.7 / 4), 12);
  });

  it('keeps the intercept >= 0: a negative one moves the fit through the origin', () => {
    // OLS on (1,1), (2,3), (3,5) is t = 2s - 1; constrained to b >= 0: a = Σst / Σs² = 22 / 14
    const f = fitOverhead([1, 2, 3], [1, 3, 5]);
    expect(f).toMatchObject({ b: 0, method: 'through-origin' });
    expect(f.a).toBeCloseTo(22 / 14, 12);
    // without a slope and with a negative mean residual: b = 0, a = mean(t) / mean(s) = 2 / 4
    expect(fitOverhead([4, 4], [1, 3])).toMatchObject({ a: 0.5, b: 0, method: 'ratio' });
  });

  it('falls back to a = 1 and the mean residual when a slope cannot be fitted', () => {
    expect(fitOverhead([], [])).toMatchObject({ a: 1, b: 0, n: 0, method: 'none' });
    expect(fitOverhead([2], [5])).toMatchObject({ a: 1, b: 3, n: 1, method: 'offset' });
    // all sums equal: b = mean(y - x) = mean(1, 3) = 2
    expect(fitOverhead([4, 4], [5, 7])).toMatchObject({ a: 1, b: 2, method: 'offset' });
    // a negative slope is noise, not physics
    const neg = fitOverhead([1, 2, 3], [3, 2, 1]);
    expect(neg).toMatchObject({ a: 1, method: 'offset' });
    expect(neg.b).toBeCloseTo(0, 12);
    expect(() => fitOverhead([1], [1, 2])).toThrow('1 sums but 2 measurements');
  });
});

describe('predictLatency on a hand-made NB201 table', () => {
  // Tiny skeleton: C = 4, N = 2 cells per stage, 8x8x3 input.
  const skeleton = nb201Skeleton({ channels: 4, cellsPerStage: 2, inputShape: [8, 8, 3], numClasses: 10 });
  const byRole: Record<string, number> = { stem: 1, reduction: 10, head: 100, 'node-sum': 0, zeros: 0.05, 'cell-op': 0 };
  const cost = (i: OpInstance): number => {
    if (i.role === 'node-sum') return i.inputs === 2 ? 0.1 : 0.2;
    if (i.role === 'cell-op') return i.op === 'nor_conv_3x3' ? 3 : i.op === 'nor_conv_1x1' ? 1 : i.op === 'avg_pool_3x3' ? 0.5 : 0;
    return byRole[i.role];
  };
  const entries = Object.fromEntries(opInstances('nb201', skeleton).map((i) => [i.key, entry(cost(i))]));
  const lut = { spaceId: 'nb201' as const, skeleton, entries, fit: { a: 2, b: 0.5, n: 0, r2: NaN, rmseMs: NaN, method: 'none' as const } };

  it('all skip connections: only node sums, stem, reductions and head cost', () => {
    // per cell: node 2 sums 2 inputs (0.1), node 3 sums 3 (0.2); 2 cells x 3 stages; skip costs 0.
    // Σ = stem 1 + 2 reductions x 10 + head 100 + 6 x 0.3 = 122.8;  a·Σ + b = 246.1
    const g = nb201FromString('|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|');
    expect(lutSum(lut, g).sumMs).toBeCloseTo(122.8, 10);
    expect(predictLatency(lut, g)).toBeCloseTo(246.1, 10);
  });

  it('all none: every cell outputs zeros', () => {
    // Σ = 1 + 20 + 100 + 6 x zeros 0.05 = 121.3
    const g = nb201FromString('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    expect(lutSum(lut, g).sumMs).toBeCloseTo(121.3, 10);
    expect(predictLatency(lut, g)).toBeCloseTo(2 * 121.3 + 0.5, 10);
  });

  it('edges from a dead node are not run', () => {
    // node 1 = none (dead), so edges 1->2 and 1->3 (both conv3x3) never run. Live: 0->2 conv1x1, 0->3 avg,
    // 2->3 conv3x3; node 2 has one input (no sum), node 3 sums two (0.1). Per cell 1 + 0.5 + 3 + 0.1 = 4.6.
    const g = nb201FromString('|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    expect(lutSum(lut, g).sumMs).toBeCloseTo(121 + 6 * 4.6, 10);
    const keys = genotypeInstances('nb201', g, skeleton).filter((i) => i.role === 'cell-op').map((i) => i.op);
    expect(keys.filter((k) => k === 'nor_conv_3x3')).toHaveLength(6); // one live conv3x3 per cell
  });

  it('a table built for another skeleton refuses with a clear error', () => {
    const other = { ...lut, skeleton: nb201Skeleton({ channels: 8, cellsPerStage: 2, inputShape: [8, 8, 3], numClasses: 10 }) };
    const g = nb201FromString('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    expect(lutSum(other, g).missing.length).toBeGreaterThan(0);
    expect(() => predictLatency(other, g)).toThrow(/has no entry for \d+ piece\(s\) of this genotype, e\.g\. stem@8x8x3\/s1->8/);
  });

  it('with synthetic measurements t = 1.5 Σ + 2, the fit recovers the model and predicts exactly', () => {
    const space = profilerSpace('nb201');
    const rng = createRng(3);
    const sample = Array.from({ length: 12 }, () => space.sample(rng));
    const sums = sample.map((g) => lutSum(lut, g).sumMs);
    const fit = fitOverhead(sums.slice(0, 6), sums.slice(0, 6).map((s) => 1.5 * s + 2));
    expect(fit.a).toBeCloseTo(1.5, 9);
    expect(fit.b).toBeCloseTo(2, 8);
    const fitted: Pick<LatencyLut, 'spaceId' | 'skeleton' | 'entries' | 'fit'> = { ...lut, fit };
    for (let i = 6; i < 12; i++) expect(predictLatency(fitted, sample[i])).toBeCloseTo(1.5 * sums[i] + 2, 8);
  });
});
