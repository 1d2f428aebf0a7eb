import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../../src/engine/data/errors';
import { generatePaintDefects } from '../../src/engine/data/paint-defects';
import {
  checkSplit,
  makeSplit,
  splitClassCounts,
  splitFingerprint,
  stratifiedSplit,
  temporalSplit,
} from '../../src/engine/data/splits';
import type { DatasetSplit } from '../../src/engine/data/types';
import { createRng } from '../../src/engine/util/rng';

function labelsWith(counts: number[], seed: number): Uint8Array {
  const flat: number[] = [];
  counts.forEach((n, c) => {
    for (let i = 0; i < n; i++) flat.push(c);
  });
  return Uint8Array.from(createRng(seed).shuffle(flat));
}

function expectPartition(s: DatasetSplit, n: number): void {
  checkSplit(s, n);
  expect(s.train.length + s.valid.length + s.test.length).toBe(n);
  for (const part of [s.train, s.valid, s.test]) for (let k = 1; k < part.length; k++) expect(part[k]).toBeGreaterThan(part[k - 1]);
}

describe('stratified split', () => {
  it('keeps every class within one sample of its share, covers everything once, and is stable per seed', () => {
    const counts = [800, 100, 100, 100, 37, 5, 1];
    const labels = labelsWith(counts, 1);
    for (const [valid, test] of [
      [0.1, 0.1],
      [0.15, 0.2],
      [0.2, 0],
    ]) {
      const s = stratifiedSplit(labels, { seed: 7, valid, test, everyClass: false });
      expectPartition(s, labels.length);
      const c = splitClassCounts(s, labels, counts.length);
      counts.forEach((n, k) => {
        expect(Math.abs(c.valid[k] - n * valid)).toBeLessThanOrEqual(1);
        expect(Math.abs(c.test[k] - n * test)).toBeLessThanOrEqual(1);
        expect(c.train[k] + c.valid[k] + c.test[k]).toBe(n);
      });
      expect(s.test.length).toBe(Math.round(labels.length * test));
    }
    const a = stratifiedSplit(labels, { seed: 7 });
    const b = stratifiedSplit(labels, { seed: 7 });
    expect(splitFingerprint(a)).toBe(splitFingerprint(b));
    expect(Array.from(a.valid)).toEqual(Array.from(b.valid));
    const other = stratifiedSplit(labels, { seed: 8 });
    expect(splitFingerprint(other)).not.toBe(splitFingerprint(a));
    expect(other.valid.length).toBe(a.valid.length);
  });

  it('gives small classes (>= 3 samples) at least one valid and one test sample by default', () => {
    const labels = labelsWith([200, 3, 4], 2);
    const c = splitClassCounts(stratifiedSplit(labels, { seed: 1, valid: 0.1, test: 0.1 }), labels, 3);
    expect(c.valid[1]).toBe(1);
    expect(c.test[1]).toBe(1);
    expect(c.train[1]).toBe(1);
    expect(c.valid[2]).toBe(1);
  });

  it('honours a fixed test set (MNIST t10k / CIFAR test_batch) and stratifies the rest', () => {
    const labels = labelsWith([50, 50, 50, 50], 3);
    const fixedTest = Array.from({ length: 40 }, (_, i) => 160 + i);
    const s = stratifiedSplit(labels, { seed: 2, valid: 0.25, fixedTest });
    expectPartition(s, 200);
    expect(Array.from(s.test)).toEqual(fixedTest);
    expect(s.valid.length).toBe(40);
  });

  it('rejects impossible fractions with bad-split', () => {
    const e = (() => {
      try {
        stratifiedSplit(new Uint8Array(10), { seed: 1, valid: 0.6, test: 0.5 });
      } catch (x) {
        return x as DatasetFormatError;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(DatasetFormatError);
    expect(e!.code).toBe('bad-split');
  });
});

describe('temporal split', () => {
  it('holds out the last weeks: every test week > every valid week > every train week', () => {
    const ds = generatePaintDefects({ seed: 4, count: 1200, weeks: 12 });
    const week = ds.fields!.week;
    const s = makeSplit(ds, { method: 'temporal', field: 'week', valid: 0.1, test: 0.1 });
    expectPartition(s, ds.count);
    const weeksOf = (idx: Uint32Array): number[] => [...new Set(Array.from(idx, (i) => week[i]))].sort((a, b) => a - b);
    expect(weeksOf(s.test)).toEqual([11]);
    expect(weeksOf(s.valid)).toEqual([10]);
    expect(weeksOf(s.train)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(makeSplit(ds, { method: 'temporal', field: 'week', valid: 0.1, test: 0.1 })).toEqual(s);
  });

  it('orders by any numeric field, ties by index, exact counts when not snapping to whole groups', () => {
    const values = Float32Array.from({ length: 100 }, (_, i) => (i * 37) % 100);
    const s = temporalSplit(values, { valid: 0.2, test: 0.1, wholeGroups: false });
    expectPartition(s, 100);
    expect(s.test.length).toBe(10);
    expect(s.valid.length).toBe(20);
    const max = (idx: Uint32Array): number => Math.max(...Array.from(idx, (i) => values[i]));
    const min = (idx: Uint32Array): number => Math.min(...Array.from(idx, (i) => values[i]));
    expect(max(s.train)).toBeLessThan(min(s.valid));
    expect(max(s.valid)).toBeLessThan(min(s.test));
    expect(min(s.test)).toBe(90);
  });

  it('explains a missing field', () => {
    const ds = generatePaintDefects({ seed: 4, count: 22 });
    let err: unknown;
    try {
      makeSplit(ds, { method: 'temporal', field: 'day', valid: 0.1, test: 0.1 });
    } catch (e) {
      err = e;
    }
    expect((err as DatasetFormatError).code).toBe('bad-split');
    expect((err as DatasetFormatError).message).toContain('no field "day" to order by (it has week)');
  });
});

describe('split fingerprint', () => {
  it('is stable, order-independent within a part, and changes when anything moves', () => {
    const s: DatasetSplit = { train: Uint32Array.from([0, 1, 2, 5]), valid: Uint32Array.from([3]), test: Uint32Array.from([4]) };
    const fp = splitFingerprint(s);
    expect(fp).toMatch(/^split1-4-1-1-[0-9a-f]{16}$/);
    // Pinned: a stored run compares against this string, so the hash must never change silently.
    expect(fp).toBe('split1-4-1-1-500c72e95eed1791');
    expect(fp).toBe(splitFingerprint({ train: Uint32Array.from([5, 2, 1, 0]), valid: s.valid, test: s.test }));
    expect(splitFingerprint({ ...s, valid: s.test, test: s.valid })).not.toBe(fp);
    expect(splitFingerprint({ ...s, train: Uint32Array.from([0, 1, 2, 6]) })).not.toBe(fp);
    const labels = Uint8Array.from([0, 1, 0, 1, 0, 1]);
    expect(splitFingerprint(s, { count: 6, labels })).not.toBe(splitFingerprint(s, { count: 6, labels: Uint8Array.from([1, 1, 0, 1, 0, 1]) }));
  });

  it('checkSplit catches overlap, out-of-range and missing indices', () => {
    const base = { train: Uint32Array.from([0, 1]), valid: Uint32Array.from([2]), test: Uint32Array.from([3]) };
    expect(() => checkSplit(base, 4)).not.toThrow();
    expect(() => checkSplit({ ...base, test: Uint32Array.from([1]) }, 4)).toThrow(/appears twice/);
    expect(() => checkSplit({ ...base, test: Uint32Array.from([9]) }, 4)).toThrow(/outside/);
    expect(() => checkSplit(base, 5)).toThrow(/index 4 is in no part/);
  });
});
