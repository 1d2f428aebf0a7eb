import { describe, expect, it } from 'vitest';
import { formatMeanStd, kendallTau, mean, median, pearson, quantile, rank, spearman, std } from '../../src/engine/util/stats';
import { createRng } from '../../src/engine/util/rng';

describe('descriptive statistics', () => {
  it('mean, std (sample and population), median, quantile', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(std([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(std([1, 2, 3, 4], 0)).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const xs = [0.3, 0.1, 0.7, 0.2];
    expect(median(xs)).toBe((0.2 + 0.3) / 2); // the mean of the two middle values, exactly (numpy.median)
    expect(xs).toEqual([0.3, 0.1, 0.7, 0.2]); // input left unsorted
    expect(quantile([5, 1, 4, 2, 3], 0.25)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.1)).toBeCloseTo(1.3, 12); // numpy.quantile([1,2,3,4], 0.1)
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(formatMeanStd([1, 2, 3, 4], 3)).toBe('2.500 ± 1.291');
  });

  it('empty and degenerate input', () => {
    expect(mean([])).toBeNaN();
    expect(std([7])).toBeNaN();
    expect(std([7], 0)).toBe(0);
    expect(median([])).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow('quantile: q must be in [0, 1], got 1.5');
  });
});

describe('rank correlations', () => {
  it('average ranks for ties (scipy.stats.rankdata)', () => {
    expect(rank([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });

  it('Kendall tau without ties equals (C - D) / n0', () => {
    // pairs: 7 concordant, 3 discordant
    expect(kendallTau([1, 2, 3, 4, 5], [3, 1, 2, 5, 4])).toBeCloseTo(0.4, 12);
    expect(kendallTau([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(kendallTau([1, 2, 3], [10, 20, 30])).toBe(1);
  });

  it('Kendall tau-b with ties (scipy.stats.kendalltau gives 0.8)', () => {
    // 4 concordant, 0 discordant, one pair tied in x, one tied in y: 4 / sqrt(5 * 5)
    expect(kendallTau([1, 2, 2, 3], [1, 3, 2, 3])).toBeCloseTo(0.8, 12);
    // ties on both sides of the same pair count in both n1 and n2: C=5, D=0, n1=n2=1 -> 5/5
    expect(kendallTau([1, 2, 2, 3], [1, 2, 2, 3])).toBeCloseTo(1, 12);
    expect(kendallTau([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('Spearman rho without and with ties', () => {
    // sum d^2 = 8: 1 - 6 * 8 / (5 * 24) = 0.6
    expect(spearman([1, 2, 3, 4, 5], [3, 1, 2, 5, 4])).toBeCloseTo(0.6, 12);
    // ranks [1, 2.5, 2.5, 4] vs [1, 3.5, 2, 3.5]: 3.75 / 4.5
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 3])).toBeCloseTo(3.75 / 4.5, 12);
    // monotone but non-linear: rho 1, Pearson < 1
    expect(spearman([1, 2, 3, 4], [1, 10, 100, 1000])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [1, 10, 100, 1000])).toBeLessThan(0.99);
  });

  it('tau-b agrees with a brute-force definition on random data with many ties', () => {
    const rng = createRng(4);
    for (let t = 0; t < 20; t++) {
      const n = 2 + rng.int(30);
      const a = Array.from({ length: n }, () => rng.int(5));
      const b = Array.from({ length: n }, () => rng.int(5));
      let num = 0;
      let ta = 0;
      let tb = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          num += Math.sign(a[i] - a[j]) * Math.sign(b[i] - b[j]);
          ta += Math.sign(a[i] - a[j]) ** 2;
          tb += Math.sign(b[i] - b[j]) ** 2;
        }
      }
      const expected = ta === 0 || tb === 0 ? NaN : num / Math.sqrt(ta * tb);
      if (Number.isNaN(expected)) expect(kendallTau(a, b)).toBeNaN();
      else expect(kendallTau(a, b)).toBeCloseTo(expected, 12);
    }
  });

  it('rejects mismatched lengths and NaN', () => {
    expect(() => kendallTau([1, 2], [1])).toThrow('kendallTau: arrays differ in length (2 vs 1)');
    expect(() => spearman([1, NaN], [1, 2])).toThrow('spearman: value 1 is NaN');
  });
});
