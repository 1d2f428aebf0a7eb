import { describe, expect, it } from 'vitest';
import { dominates, nonDominatedSort, ParetoFront, paretoFrontIndices, type Sense } from '../../src/engine/util/pareto';
import { createRng, type Rng } from '../../src/engine/util/rng';

function bruteDominates(a: number[], b: number[], senses: Sense[]): boolean {
  const noWorse = senses.every((s, k) => (s === 'max' ? a[k] >= b[k] : a[k] <= b[k]));
  const better = senses.some((s, k) => (s === 'max' ? a[k] > b[k] : a[k] < b[k]));
  return noWorse && better;
}

/** Fronts by peeling: front k = points of the rest that nothing else in the rest dominates. */
function bruteFronts(points: number[][], senses: Sense[]): number[][] {
  let rest = points.map((_, i) => i);
  const fronts: number[][] = [];
  while (rest.length > 0) {
    const front = rest.filter((i) => !rest.some((j) => bruteDominates(points[j], points[i], senses)));
    fronts.push(front);
    rest = rest.filter((i) => !front.includes(i));
  }
  return fronts;
}

function randomPoints(rng: Rng, n: number, m: number, grid: number): number[][] {
  // Coarse grid values force ties and duplicate points.
  return Array.from({ length: n }, () => Array.from({ length: m }, () => rng.int(grid)));
}

describe('dominance', () => {
  it('needs no worse everywhere and strictly better somewhere; equal points do not dominate', () => {
    const s: Sense[] = ['max', 'min'];
    expect(dominates([90, 5], [89, 5], s)).toBe(true);
    expect(dominates([90, 5], [90, 6], s)).toBe(true);
    expect(dominates([90, 5], [90, 5], s)).toBe(false);
    expect(dominates([91, 6], [90, 5], s)).toBe(false);
    expect(dominates([-Infinity, 1], [-Infinity, 2], s)).toBe(true);
  });
});

describe('non-dominated sorting', () => {
  it('matches brute-force peeling on random point sets (2 and 3 objectives, with ties)', () => {
    const rng = createRng(7);
    for (let t = 0; t < 200; t++) {
      const m = t % 2 === 0 ? 2 : 3;
      const senses: Sense[] = m === 2 ? ['max', 'min'] : ['max', 'min', 'min'];
      const pts = randomPoints(rng, 1 + rng.int(40), m, t % 3 === 0 ? 4 : 50);
      expect(nonDominatedSort(pts, senses)).toEqual(bruteFronts(pts, senses));
      expect(paretoFrontIndices(pts, senses)).toEqual(bruteFronts(pts, senses)[0]);
    }
  });

  it('a hand-made case', () => {
    // (acc, cost): A(90,10) B(85,5) C(80,5) D(90,12) E(95,20) F(85,5)
    const pts = [[90, 10], [85, 5], [80, 5], [90, 12], [95, 20], [85, 5]];
    expect(nonDominatedSort(pts, ['max', 'min'])).toEqual([[0, 1, 4, 5], [2, 3]]);
    expect(nonDominatedSort([], ['max', 'min'])).toEqual([]);
  });

  it('rejects NaN and points of the wrong length', () => {
    expect(() => nonDominatedSort([[1, NaN]], ['max', 'min'])).toThrow('nonDominatedSort point 0: objective value is NaN');
    expect(() => nonDominatedSort([[1]], ['max', 'min'])).toThrow('expected 2 objective values, got 1');
  });
});

describe('incremental Pareto front (accuracy max, cost min)', () => {
  it('equals the brute-force front of all points added so far, after every insertion', () => {
    const rng = createRng(11);
    for (let t = 0; t < 100; t++) {
      const pts = randomPoints(rng, 60, 2, t % 2 === 0 ? 6 : 1000).map(([a, c]) => [a / 10, c / 7]);
      const front = new ParetoFront<number>();
      pts.forEach((p, i) => {
        const on = front.add(i, p[0], p[1]);
        const seen = pts.slice(0, i + 1);
        const expected = bruteFronts(seen, ['max', 'min'])[0];
        expect(on).toBe(expected.includes(i));
        expect(front.items().slice().sort((a, b) => a - b)).toEqual(expected);
        // sorted by cost ascending, accuracy non-decreasing along the front
        const ps = front.points();
        for (let k = 1; k < ps.length; k++) {
          expect(ps[k].cost).toBeGreaterThanOrEqual(ps[k - 1].cost);
          if (ps[k].cost > ps[k - 1].cost) expect(ps[k].accuracy).toBeGreaterThan(ps[k - 1].accuracy);
          else expect(ps[k].accuracy).toBe(ps[k - 1].accuracy);
        }
      });
    }
  });

  it('bestWithin picks the most accurate point under a cost cap', () => {
    const f = new ParetoFront<string>();
    f.add('a', 80, 2);
    f.add('b', 88, 6);
    f.add('c', 91, 12);
    f.add('d', 85, 7); // dominated by b
    expect(f.items()).toEqual(['a', 'b', 'c']);
    expect(f.bestWithin(8)?.item).toBe('b');
    expect(f.bestWithin(1)).toBeNull();
    expect(() => f.add('x', NaN, 1)).toThrow('ParetoFront.add: accuracy and cost must not be NaN');
  });
});
