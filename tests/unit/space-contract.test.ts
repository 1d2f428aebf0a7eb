/** The SearchSpace contract, checked on every space (default and user-restricted). */
import { describe, expect, it } from 'vitest';
import {
  createDartsSpace, createMobileSpace, createNb201Space, dartsSpace, mobileSpace, nb201Space, type SearchSpace,
} from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

const SPACES: [string, SearchSpace<unknown>][] = [
  ['nb201', nb201Space as SearchSpace<unknown>],
  ['nb201 (3 ops)', createNb201Space({ ops: ['none', 'skip_connect', 'nor_conv_3x3'] }) as SearchSpace<unknown>],
  ['darts', dartsSpace as SearchSpace<unknown>],
  ['darts (2 ops)', createDartsSpace({ ops: ['none', 'skip_connect', 'sep_conv_3x3'] }) as SearchSpace<unknown>],
  ['mobile', mobileSpace as SearchSpace<unknown>],
  ['mobile (custom)', createMobileSpace({
    strides: [2, 1, 2, 1], blocks: ['mb'], expansions: [4, 6], kernels: [5], se: [true], widths: [40, 8], depths: [2, 4],
  }) as SearchSpace<unknown>],
];

const diff = (a: readonly number[], b: readonly number[]) => a.filter((x, k) => x !== b[k]).length;

describe.each(SPACES)('%s space', (_, space) => {
  it('round-trips 3000 random genotypes: decode(encode(g)), fromIndices(toIndices(g)), JSON, validate', () => {
    const rng = createRng(11);
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b); // deep, key-order strict
    const failures: string[] = [];
    for (let t = 0; t < 3000; t++) {
      const g = space.sample(rng);
      const text = space.encode(g);
      const idx = space.toIndices(g);
      const json = JSON.parse(JSON.stringify(g));
      if (!same(space.decode(text), g)) failures.push(`decode(encode) ${text}`);
      if (space.encode(space.decode(text)) !== text) failures.push(`encode(decode) ${text}`);
      if (idx.length !== space.choices.length || !same(space.fromIndices(idx), g)) failures.push(`indices ${text}`);
      if (!same(space.validate(json), g)) failures.push(`validate(JSON) ${text}`);
      if (space.hash(json) !== space.hash(g)) failures.push(`hash ${text}`);
    }
    expect(failures).toEqual([]);
    // and the strict comparison agrees with vitest's deep equality on a sample
    const g = space.sample(rng);
    expect(space.decode(space.encode(g))).toEqual(g);
  });

  it('index vectors round-trip too (every vector is a valid genotype)', () => {
    const rng = createRng(12);
    for (let t = 0; t < 2000; t++) {
      const idx = space.choices.map((c) => rng.int(c.options.length));
      const back = space.toIndices(space.fromIndices(idx));
      if (back.join() !== idx.join()) expect(back).toEqual(idx);
    }
  });

  it('samples deterministically from a seed, and different seeds differ', () => {
    const run = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () => space.encode(space.sample(rng)));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('mutate changes exactly one choice, deterministically per seed', () => {
    const rng = createRng(13);
    for (let t = 0; t < 1000; t++) {
      const g = space.sample(rng);
      const m = space.mutate(g, rng);
      expect(diff(space.toIndices(g), space.toIndices(m))).toBe(1);
      space.validate(m);
    }
    const g = space.sample(createRng(1));
    expect(space.encode(space.mutate(g, createRng(2)))).toBe(space.encode(space.mutate(g, createRng(2))));
  });

  it('neighbours are all genotypes one choice away: sum of (options - 1), distinct', () => {
    const expected = space.choices.reduce((n, c) => n + c.options.length - 1, 0);
    const rng = createRng(14);
    for (let t = 0; t < 20; t++) {
      const g = space.sample(rng);
      const base = space.toIndices(g);
      const ns = space.neighbours(g);
      expect(ns.length).toBe(expected);
      expect(new Set(ns.map((n) => space.encode(n))).size).toBe(expected);
      for (const n of ns) expect(diff(base, space.toIndices(n))).toBe(1);
    }
  });

  it('crossover takes every choice from one of the parents and mixes both', () => {
    const rng = createRng(15);
    let mixed = 0;
    for (let t = 0; t < 300; t++) {
      const a = space.sample(rng);
      const b = space.sample(rng);
      const ia = space.toIndices(a);
      const ib = space.toIndices(b);
      const ic = space.toIndices(space.crossover(a, b, rng));
      ic.forEach((v, k) => expect(v === ia[k] || v === ib[k]).toBe(true));
      if (diff(ic, ia) > 0 && diff(ic, ib) > 0) mixed++;
    }
    expect(mixed).toBeGreaterThan(100);
  });

  it('size() is the number of index vectors', () => {
    expect(space.size()).toBe(space.choices.reduce((n, c) => n * BigInt(c.options.length), 1n));
  });

  it('rejects garbage with specific messages', () => {
    expect(() => space.validate(null)).toThrow(/must be an object/);
    expect(() => space.validate(42)).toThrow(/must be an object/);
    expect(() => space.decode('nonsense')).toThrow();
    expect(() => space.fromIndices([])).toThrow(/expected \d+ choice indices, got 0/);
    const idx = space.toIndices(space.sample(createRng(1)));
    idx[0] = 999;
    expect(() => space.fromIndices(idx)).toThrow(/index 0 \(.+\) must be an integer in 0\.\.\d+, got 999/);
  });
});
