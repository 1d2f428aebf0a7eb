import { describe, expect, it } from 'vitest';
import { createStrategy, STRATEGY_NAMES } from '../../src/engine/strategy/registry';
import { nb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import type { Strategy, StrategyState } from '../../src/engine/strategy/types';
import { countTarget, drive, toySpace, type ToyGenotype } from '../helpers/strategy-toy';

// A fitness with plateaus, ties and infeasible (-Infinity) candidates, so the state dicts hold all of them.
const nbFitness = (g: Nb201Genotype): number => {
  if (g.ops[0] === 'none' && g.ops[5] === 'none') return -Infinity;
  return g.ops.filter((o) => o === 'nor_conv_3x3').length + 0.5 * g.ops.filter((o) => o === 'skip_connect').length;
};

const OPTIONS: Record<string, object> = {
  random: {},
  evolution: { populationSize: 8, sampleSize: 3, crossoverProb: 0.3 },
  reinforce: { learningRate: 0.1, entropyWeight: 0.01 },
  local: {},
};

function roundTrip(s: StrategyState): StrategyState {
  return JSON.parse(JSON.stringify(s)) as StrategyState;
}

describe.each(STRATEGY_NAMES.map((n) => [n]))('%s: stateDict resume', (name) => {
  const total = 120;

  it.each([1, 7, 40, 77])('NB201: stop at %i, JSON round-trip, finish = uninterrupted', (k) => {
    const full = drive(createStrategy(name, nb201Space, OPTIONS[name], 11), nbFitness, total);
    expect(full.hashes.length).toBe(total);

    const first: Strategy<Nb201Genotype> = createStrategy(name, nb201Space, OPTIONS[name], 11);
    const a = drive(first, nbFitness, k);
    // Built with another seed on purpose: everything must come from the state dict.
    const second: Strategy<Nb201Genotype> = createStrategy(name, nb201Space, OPTIONS[name], 999);
    second.loadStateDict(roundTrip(first.stateDict()));
    const b = drive(second, nbFitness, total - k);
    expect([...a.hashes, ...b.hashes]).toEqual(full.hashes);
    // And the two strategies end in the same state.
    const rest = drive(first, nbFitness, total - k);
    expect(rest.hashes).toEqual(b.hashes);
    expect(JSON.stringify(second.stateDict())).toBe(JSON.stringify(first.stateDict()));
  });

  it('toy space: resume keeps ids and order', () => {
    const space = toySpace(6, 3);
    const f = countTarget(2);
    const full = drive(createStrategy(name, space, OPTIONS[name], 5), f, 60);
    const s1: Strategy<ToyGenotype> = createStrategy(name, space, OPTIONS[name], 5);
    const a = drive(s1, f, 25);
    const s2: Strategy<ToyGenotype> = createStrategy(name, space, OPTIONS[name], 6);
    s2.loadStateDict(roundTrip(s1.stateDict()));
    const c = s2.ask();
    expect(c?.id).toBe(25);
    s2.tell(c!, { objective: f(c!.genotype), metrics: {} });
    const b = drive(s2, f, 34);
    expect([...a.hashes, c!.hash, ...b.hashes]).toEqual(full.hashes);
  });

  it('candidates pending at save time are handed out again, none lost', () => {
    const s1: Strategy<Nb201Genotype> = createStrategy(name, nb201Space, OPTIONS[name], 3);
    drive(s1, nbFitness, 30);
    // Two candidates asked, none told (local search: the neighbours of one step may be in flight together).
    const p1 = s1.ask()!;
    const p2 = s1.ask()!;
    const saved = roundTrip(s1.stateDict());
    const s2: Strategy<Nb201Genotype> = createStrategy(name, nb201Space, OPTIONS[name], 3);
    s2.loadStateDict(saved);
    const q1 = s2.ask()!;
    const q2 = s2.ask()!;
    expect([q1.id, q1.hash, q2.id, q2.hash]).toEqual([p1.id, p1.hash, p2.id, p2.hash]);
    // Telling them in either strategy leads to the same continuation.
    for (const [s, x, y] of [[s1, p1, p2], [s2, q1, q2]] as const) {
      s.tell(y, { objective: nbFitness(y.genotype), metrics: {} });
      s.tell(x, { objective: nbFitness(x.genotype), metrics: {} });
    }
    expect(drive(s2, nbFitness, 30).hashes).toEqual(drive(s1, nbFitness, 30).hashes);
  });

  it('same seed, same trajectory; another seed, another one', () => {
    const a = drive(createStrategy(name, nb201Space, OPTIONS[name], 1), nbFitness, 50).hashes;
    const b = drive(createStrategy(name, nb201Space, OPTIONS[name], 1), nbFitness, 50).hashes;
    const c = drive(createStrategy(name, nb201Space, OPTIONS[name], 2), nbFitness, 50).hashes;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('rejects a state dict of another strategy or other options', () => {
    const s: Strategy<Nb201Genotype> = createStrategy(name, nb201Space, OPTIONS[name], 1);
    drive(s, nbFitness, 5);
    const other = STRATEGY_NAMES.find((n) => n !== name)!;
    const t: Strategy<Nb201Genotype> = createStrategy(other, nb201Space, OPTIONS[other], 1);
    expect(() => t.loadStateDict(s.stateDict())).toThrow(`${other}: cannot load a state dict of strategy "${name}"`);
    const state = { ...s.stateDict(), version: 99 };
    expect(() => createStrategy(name, nb201Space, OPTIONS[name], 1).loadStateDict(state)).toThrow(/unsupported state version 99/);
    const badRng = { ...s.stateDict(), rng: [1, 2] };
    expect(() => createStrategy(name, nb201Space, OPTIONS[name], 1).loadStateDict(badRng)).toThrow(/"rng" must be an array of 4 uint32/);
  });
});

describe('state dict option check', () => {
  it('names both option sets when they differ', () => {
    const s = createStrategy('evolution', nb201Space, { populationSize: 8 }, 1);
    const t = createStrategy('evolution', nb201Space, { populationSize: 9 }, 1);
    expect(() => t.loadStateDict(s.stateDict())).toThrow(/saved with options .*"populationSize":8.*this strategy has .*"populationSize":9/);
  });
});
