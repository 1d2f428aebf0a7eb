/**
 * Test helpers for the strategy tests (NNI-style sanity checks): a small categorical search space,
 * a fake evaluator with a known fitness, and a plain ask/tell driver.
 */
import type { SearchSpace } from '../../src/engine/space/types';
import type { Rng } from '../../src/engine/util/rng';
import type { Candidate, Strategy } from '../../src/engine/strategy/types';
import type { SyncEvaluator } from '../../src/engine/evaluator/types';

export interface ToyGenotype {
  readonly idx: readonly number[];
}

/** k choices with m options each; the genotype is the index vector. */
export function toySpace(k: number, m: number): SearchSpace<ToyGenotype> {
  const options = Array.from({ length: m }, (_, i) => `op${i}`);
  const encode = (g: ToyGenotype) => g.idx.join(',');
  const decode = (t: string): ToyGenotype => {
    const idx = t.split(',').map(Number);
    if (idx.length !== k || idx.some((i) => !Number.isInteger(i) || i < 0 || i >= m)) throw new Error(`bad toy genotype "${t}"`);
    return { idx };
  };
  return {
    id: `toy${k}x${m}`,
    name: 'toy',
    choices: Array.from({ length: k }, (_, i) => ({ name: `c${i}`, options })),
    sample: (rng: Rng) => ({ idx: Array.from({ length: k }, () => rng.int(m)) }),
    mutate: (g, rng) => {
      const e = rng.int(k);
      const others = options.map((_, i) => i).filter((i) => i !== g.idx[e]);
      return { idx: g.idx.map((x, j) => (j === e ? rng.choice(others) : x)) };
    },
    crossover: (a, b, rng) => ({ idx: a.idx.map((x, j) => (rng.next() < 0.5 ? x : b.idx[j])) }),
    neighbours: (g) => {
      const out: ToyGenotype[] = [];
      g.idx.forEach((cur, e) => {
        for (let o = 0; o < m; o++) if (o !== cur) out.push({ idx: g.idx.map((x, j) => (j === e ? o : x)) });
      });
      return out;
    },
    encode,
    decode,
    hash: encode,
    size: () => BigInt(m) ** BigInt(k),
    *enumerate() {
      const total = m ** k;
      for (let n = 0; n < total; n++) {
        const idx: number[] = [];
        let r = n;
        for (let e = 0; e < k; e++) {
          idx.push(r % m);
          r = Math.floor(r / m);
        }
        yield { idx };
      }
    },
    toIndices: (g) => g.idx.slice(),
    fromIndices: (idx) => ({ idx: idx.slice() }),
    validate: (v) => decode(encode(v as ToyGenotype)),
  };
}

/** Fitness = number of choices equal to `target` (the optimum is all-target, fitness k). */
export const countTarget = (target: number) => (g: ToyGenotype): number => g.idx.filter((x) => x === target).length;

export function toyEvaluator(fitness: (g: ToyGenotype) => number): SyncEvaluator<ToyGenotype> & { calls: number } {
  const ev = {
    calls: 0,
    evaluateSync(c: Candidate<ToyGenotype>) {
      ev.calls++;
      return { valid_acc: fitness(c.genotype), train_time_s: 1 };
    },
    evaluate(c: Candidate<ToyGenotype>) {
      return Promise.resolve(ev.evaluateSync(c));
    },
  };
  return ev;
}

/** Plain ask/tell driver: returns the proposed hashes and the best fitness. */
export function drive<G>(s: Strategy<G>, fitness: (g: G) => number, budget: number): { hashes: string[]; best: number; fits: number[] } {
  const hashes: string[] = [];
  const fits: number[] = [];
  let best = -Infinity;
  for (let i = 0; i < budget; i++) {
    const c = s.ask();
    if (!c) break;
    const f = fitness(c.genotype);
    hashes.push(c.hash);
    fits.push(f);
    best = Math.max(best, f);
    s.tell(c, { objective: f, metrics: { valid_acc: f } });
  }
  return { hashes, best, fits };
}
