import { describe, expect, it } from 'vitest';
import { Reinforce, softmax } from '../../src/engine/strategy/reinforce';
import { RandomSearch } from '../../src/engine/strategy/random';
import { countTarget, drive, toySpace } from '../helpers/strategy-toy';
import { mean } from '../../src/engine/util/stats';
import type { StrategyState } from '../../src/engine/strategy/types';

const entropy = (p: number[]) => -p.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0);

describe('REINFORCE (Williams 1992) with a factorized categorical policy', () => {
  const space = toySpace(8, 4);
  const f = countTarget(3);

  it('finds the optimum with a model budget, beats random search, and its policy concentrates on the target', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => i);
    const runs = seeds.map((seed) => {
      const s = new Reinforce(space, { learningRate: 0.1 }, seed);
      return { best: drive(s, f, 300).best, p: s.probabilities() };
    });
    const rnd = seeds.map((seed) => drive(new RandomSearch(space, {}, seed), f, 300).best);
    expect(runs.filter((r) => r.best === 8).length).toBeGreaterThanOrEqual(18);
    expect(mean(runs.map((r) => r.best))).toBeGreaterThan(mean(rnd) + 1.5);
    for (const r of runs) expect(mean(r.p.map((pc) => pc[3]))).toBeGreaterThan(0.8);
  });

  it('one update matches the hand-computed policy gradient with an EMA baseline', () => {
    const s = new Reinforce(toySpace(2, 3), { learningRate: 0.5, baselineMomentum: 0.9 }, 1);
    const c1 = s.ask()!;
    s.tell(c1, { objective: 10, metrics: {} });
    // First update: baseline := reward, advantage 0, logits unchanged.
    expect(s.probabilities().flat().every((p) => Math.abs(p - 1 / 3) < 1e-12)).toBe(true);
    const c2 = s.ask()!;
    s.tell(c2, { objective: 20, metrics: {} });
    // baseline = 0.9 * 10 + 0.1 * 20 = 11; advantage = 9; d log pi / d z_k = onehot - 1/3.
    const logits = s.stateDict().logits as number[][];
    c2.genotype.idx.forEach((a, i) => {
      for (let k = 0; k < 3; k++) expect(logits[i][k]).toBeCloseTo(0.5 * 9 * ((k === a ? 1 : 0) - 1 / 3), 12);
    });
    expect(s.stateDict().baseline).toBeCloseTo(11, 12);
  });

  it('the entropy bonus pulls a skewed policy back toward uniform', () => {
    const skewed = (beta: number) => {
      const s = new Reinforce(toySpace(1, 3), { learningRate: 1, entropyWeight: beta }, 1);
      const st = s.stateDict();
      s.loadStateDict({ ...st, logits: [[2, 0, -1]], baseline: 5 } as StrategyState);
      for (let i = 0; i < 5; i++) {
        const c = s.ask()!;
        // With momentum 0.9 and reward == baseline the advantage is 0: only the entropy term acts.
        s.tell(c, { objective: 5, metrics: {} });
      }
      return entropy(s.probabilities()[0]);
    };
    const h0 = entropy(softmax([2, 0, -1]));
    expect(skewed(0)).toBeCloseTo(h0, 12);
    expect(skewed(0.5)).toBeGreaterThan(h0 + 0.05);
  });

  it('treats an infeasible (-Infinity) reward as the worst reward seen so far', () => {
    const s = new Reinforce(toySpace(2, 3), { learningRate: 0.5 }, 1);
    const rewards = [3, 7, -Infinity];
    for (const r of rewards) s.tell(s.ask()!, { objective: r, metrics: {} });
    const st = s.stateDict();
    expect(st.worstReward).toBe(3);
    expect(Number.isFinite(st.baseline as number)).toBe(true);
    // baseline: 3 -> 0.9*3 + 0.1*7 = 3.4 -> 0.9*3.4 + 0.1*3 = 3.36
    expect(st.baseline).toBeCloseTo(3.36, 12);
    expect((st.logits as number[][]).flat().every(Number.isFinite)).toBe(true);
  });

  it('samples from its policy: a peaked policy proposes the peak', () => {
    const s = new Reinforce(toySpace(3, 4), {}, 2);
    s.loadStateDict({ ...s.stateDict(), logits: [[0, 0, 20, 0], [20, 0, 0, 0], [0, 0, 0, 20]] } as StrategyState);
    for (let i = 0; i < 20; i++) {
      const c = s.ask()!;
      expect(c.genotype.idx).toEqual([2, 0, 3]);
      s.tell(c, { objective: 0, metrics: {} });
    }
  });

  it('rejects logits of the wrong shape in a state dict', () => {
    const s = new Reinforce(toySpace(2, 3), {}, 1);
    expect(() => s.loadStateDict({ ...s.stateDict(), logits: [[0, 0, 0]] } as StrategyState)).toThrow(/"logits" must be an array of 2 logit vectors of lengths \[3,3\]/);
  });
});
