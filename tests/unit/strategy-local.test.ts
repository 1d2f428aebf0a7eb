import { describe, expect, it } from 'vitest';
import { LocalSearch } from '../../src/engine/strategy/local-search';
import { RandomSearch } from '../../src/engine/strategy/random';
import { countTarget, drive, toySpace, type ToyGenotype } from '../helpers/strategy-toy';
import { mean } from '../../src/engine/util/stats';

const hamming = (a: ToyGenotype, b: ToyGenotype) => a.idx.filter((x, i) => x !== b.idx[i]).length;

describe('local search (White et al. 2020)', () => {
  const space = toySpace(8, 4);
  const f = countTarget(3);

  it('climbs to the optimum of a unimodal fitness and beats random search', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => i);
    const ls = seeds.map((seed) => drive(new LocalSearch(space, {}, seed), f, 300).best);
    const rnd = seeds.map((seed) => drive(new RandomSearch(space, {}, seed), f, 300).best);
    expect(ls.every((b) => b === 8)).toBe(true);
    expect(mean(ls)).toBeGreaterThan(mean(rnd) + 1.5);
  });

  it('evaluates the whole neighbourhood of the current point, then moves to the best neighbour', () => {
    const s = new LocalSearch(space, {}, 3);
    const start = s.ask()!;
    s.tell(start, { objective: f(start.genotype), metrics: {} });
    const nbs = [];
    for (let i = 0; i < 24; i++) {
      const c = s.ask()!;
      expect(hamming(c.genotype, start.genotype)).toBe(1);
      nbs.push(c);
      s.tell(c, { objective: f(c.genotype), metrics: {} });
    }
    expect(new Set(nbs.map((c) => c.hash)).size).toBe(24); // 8 choices x 3 other options
    const best = nbs.reduce((a, b) => (f(b.genotype) > f(a.genotype) ? b : a));
    // The next candidate is a neighbour of the best neighbour (the new current point).
    const next = s.ask()!;
    expect(hamming(next.genotype, best.genotype)).toBe(1);
  });

  it('restarts from a new random point at a local optimum, and never re-queries a known genotype', () => {
    // A deceptive fitness with many local optima: parity of the sum plus a bonus for op 0 everywhere.
    const deceptive = (g: ToyGenotype) => (g.idx.every((x) => x === 0) ? 100 : g.idx.reduce((a, b) => a + b, 0) % 3);
    const s = new LocalSearch(toySpace(4, 3), {}, 5);
    const r = drive(s, deceptive, 81);
    expect(new Set(r.hashes).size).toBe(r.hashes.length);
    expect((s.progress().restarts)).toBeGreaterThan(0);
  });

  it('with neighbourSample n evaluates n neighbours per step; with firstImprovement moves on the first better one', () => {
    const s = new LocalSearch(space, { neighbourSample: 5 }, 1);
    const start = s.ask()!;
    s.tell(start, { objective: 0, metrics: {} });
    for (let i = 0; i < 5; i++) {
      const c = s.ask()!;
      expect(hamming(c.genotype, start.genotype)).toBe(1);
      s.tell(c, { objective: -1, metrics: {} }); // no improvement
    }
    // local optimum after 5 neighbours: restart somewhere new
    const restart = s.ask()!;
    expect(s.progress().restarts).toBe(1);
    expect(restart.hash).not.toBe(start.hash);

    const t = new LocalSearch(space, { firstImprovement: true }, 1);
    const a = t.ask()!;
    t.tell(a, { objective: 0, metrics: {} });
    const b = t.ask()!;
    t.tell(b, { objective: 1, metrics: {} }); // improves: move at once
    const c = t.ask()!;
    expect(hamming(c.genotype, b.genotype)).toBe(1);
    expect(t.progress().moves).toBe(1);
  });

  it('exhausts a tiny space and is then done', () => {
    const s = new LocalSearch(toySpace(2, 2), {}, 1);
    const r = drive(s, countTarget(1), 50);
    expect(r.hashes.length).toBe(4);
    expect(s.status).toBe('done');
    expect(() => s.ask()).toThrow(/ask\(\) while done/);
  });

  it('is sequential: a second ask() before the start point is told throws, status unchanged', () => {
    const s = new LocalSearch(space, {}, 1);
    s.ask();
    expect(() => s.ask()).toThrow('local: ask() before the pending start candidate was told (local search is sequential)');
    expect(s.status).toBe('running');
  });
});
