import { describe, expect, it } from 'vitest';
import { RegularizedEvolution } from '../../src/engine/strategy/evolution';
import { RandomSearch } from '../../src/engine/strategy/random';
import { countTarget, drive, toySpace, type ToyGenotype } from '../helpers/strategy-toy';
import { mean } from '../../src/engine/util/stats';

const hamming = (a: ToyGenotype, b: ToyGenotype) => a.idx.filter((x, i) => x !== b.idx[i]).length;

describe('regularized evolution (Real et al. 2019)', () => {
  const space = toySpace(8, 4); // 65,536 genotypes
  const f = countTarget(3); // optimum: fitness 8

  it('finds the optimum with a model budget and beats random search on average (NNI-style sanity)', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => i);
    const evo = seeds.map((seed) => drive(new RegularizedEvolution(space, { populationSize: 20, sampleSize: 5 }, seed), f, 300).best);
    const rnd = seeds.map((seed) => drive(new RandomSearch(space, {}, seed), f, 300).best);
    expect(evo.filter((b) => b === 8).length).toBeGreaterThanOrEqual(15); // 17 of 20 at the time of writing
    expect(Math.min(...evo)).toBeGreaterThanOrEqual(7);
    expect(mean(evo)).toBeGreaterThan(mean(rnd) + 1);
  });

  it('proposes P random candidates, then mutants of tournament winners from the population', () => {
    const P = 6;
    const s = new RegularizedEvolution(space, { populationSize: P, sampleSize: 2 }, 3);
    for (let i = 0; i < 60; i++) {
      const before = s.members();
      const c = s.ask()!;
      if (i >= P) {
        // exactly one choice away from some current member (the tournament winner)
        expect(before.length).toBe(P);
        expect(before.some((m) => hamming(space.decode(m.arch), c.genotype) === 1)).toBe(true);
      }
      s.tell(c, { objective: f(c.genotype), metrics: {} });
    }
  });

  it('the parent is the best of the tournament: with S = P it is the best member', () => {
    const P = 5;
    const s = new RegularizedEvolution(space, { populationSize: P, sampleSize: P }, 8);
    for (let i = 0; i < 80; i++) {
      const before = s.members();
      const c = s.ask()!;
      if (i >= P) {
        const best = before.reduce((a, b) => (b.objective > a.objective ? b : a));
        const winners = before.filter((m) => m.objective === best.objective);
        expect(winners.some((m) => hamming(space.decode(m.arch), c.genotype) === 1)).toBe(true);
      }
      s.tell(c, { objective: f(c.genotype), metrics: {} });
    }
  });

  it('ages: the population is always the P most recently told candidates (oldest removed, not worst)', () => {
    const P = 4;
    const s = new RegularizedEvolution(space, { populationSize: P, sampleSize: 2 }, 5);
    const told: string[] = [];
    for (let i = 0; i < 30; i++) {
      const c = s.ask()!;
      // decreasing objective: aging must still drop the oldest (and best) one
      s.tell(c, { objective: 100 - i, metrics: {} });
      told.push(c.hash);
      expect(s.members().map((m) => m.hash)).toEqual(told.slice(-P));
    }
  });

  it('infeasible members (-Infinity) never win against feasible ones', () => {
    const P = 4;
    const s = new RegularizedEvolution(space, { populationSize: P, sampleSize: P }, 2);
    let n = 0;
    for (let i = 0; i < 40; i++) {
      const before = s.members();
      const c = s.ask()!;
      if (i >= P) {
        const feasible = before.filter((m) => m.objective > -Infinity);
        if (feasible.length > 0) expect(feasible.some((m) => hamming(space.decode(m.arch), c.genotype) === 1)).toBe(true);
      }
      // every other candidate is infeasible
      s.tell(c, { objective: n++ % 2 === 0 ? -Infinity : f(c.genotype), metrics: {} });
    }
  });

  it('crossover children take every choice from one of the two parents (mutated if equal to one)', () => {
    const P = 6;
    const s = new RegularizedEvolution(space, { populationSize: P, sampleSize: 3, crossoverProb: 1 }, 4);
    for (let i = 0; i < 50; i++) {
      const before = s.members().map((m) => space.decode(m.arch));
      const c = s.ask()!;
      if (i >= P) {
        const ok = before.some((a) => before.some((b) => {
          const off = c.genotype.idx.filter((x, j) => x !== a.idx[j] && x !== b.idx[j]).length;
          return off === 0 || (off === 1 && (hamming(c.genotype, a) === 1 || hamming(c.genotype, b) === 1));
        }));
        expect(ok).toBe(true);
      }
      s.tell(c, { objective: f(c.genotype), metrics: {} });
    }
  });

  it('validates its options', () => {
    expect(() => new RegularizedEvolution(space, { populationSize: 3, sampleSize: 4 }, 0)).toThrow('sampleSize must be an integer in 1..populationSize (3), got 4');
    expect(() => new RegularizedEvolution(space, { crossoverProb: 2 }, 0)).toThrow('crossoverProb must be in [0, 1], got 2');
  });
});
