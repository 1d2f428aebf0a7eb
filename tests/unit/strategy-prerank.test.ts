import { describe, expect, it } from 'vitest';
import { createStrategy, parseStrategyOptions, StrategyConfigError, STRATEGY_NAMES } from '../../src/engine/strategy/registry';
import { rankPool, type PoolEntry } from '../../src/engine/strategy/prerank';
import { runSearchSync } from '../../src/engine/search/loop';
import { nb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import type { Strategy, StrategyState } from '../../src/engine/strategy/types';
import { drive } from '../helpers/strategy-toy';

/** A deterministic stand-in proxy (tfjs-free): convs count most, then a hash-based tie-breaker. */
function fakeProxy(g: Nb201Genotype): number {
  const h = nb201Space.hash(g);
  let t = 0;
  for (let i = 0; i < h.length; i++) t = (t * 31 + h.charCodeAt(i)) % 1000;
  return g.ops.filter((o) => o === 'nor_conv_3x3').length * 10 + g.ops.filter((o) => o === 'nor_conv_1x1').length * 3 + t / 1000;
}
const fit = (g: Nb201Genotype) => g.ops.filter((o) => o === 'nor_conv_3x3').length + 0.5 * g.ops.filter((o) => o === 'skip_connect').length;
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const WARM: Record<string, object> = {
  random: { prerank: { proxy: 'synflow', pool: 40, keep: 8 } },
  evolution: { populationSize: 8, sampleSize: 3, prerank: { proxy: 'synflow', pool: 40 } },
  reinforce: { learningRate: 0.1, prerank: { proxy: 'synflow', pool: 40, keep: 8 } },
  local: { prerank: { proxy: 'synflow', pool: 40, keep: 8 } },
};

function counting() {
  const calls: string[] = [];
  return { calls, scorer: (g: Nb201Genotype) => { calls.push(nb201Space.encode(g)); return fakeProxy(g); } };
}

function pool(s: Strategy<Nb201Genotype>): { arch: string; hash: string; score: number }[] {
  const p = s.stateDict().prerank as { entries: { arch: string; hash: string; score: number }[] | null };
  return p.entries ?? [];
}

describe.each(STRATEGY_NAMES.map((n) => [n]))('%s + zero-cost warm start', (name) => {
  it('scores a seeded pool once, ranked best first; the first proposals are its top-K in score order', () => {
    const { calls, scorer } = counting();
    const s = createStrategy(name, nb201Space, WARM[name], 3, scorer);
    expect(calls.length).toBe(0); // lazily, on the first ask()
    const first = s.ask()!;
    expect(calls.length).toBe(40);
    expect(new Set(calls).size).toBe(40);
    const ranked = pool(s);
    expect(ranked.map((e) => e.score)).toEqual(calls.map((a) => fakeProxy(nb201Space.decode(a))).sort((a, b) => b - a));
    expect(first.hash).toBe(ranked[0].hash);
    expect(first.metrics).toEqual({ zc_synflow: ranked[0].score });
    if (name === 'local') {
      // Local search climbs from the top-1: its next proposals are neighbours, not the rest of the pool.
      s.tell(first, { objective: fit(first.genotype), metrics: {} });
      const nb = new Set(nb201Space.neighbours(first.genotype).map((g) => nb201Space.hash(g)));
      expect(nb.has(s.ask()!.hash)).toBe(true);
      return;
    }
    const rest = drive(s, fit, 7).hashes;
    expect([first.hash, ...rest]).toEqual(ranked.slice(0, 8).map((e) => e.hash));
    expect(calls.length).toBe(40); // never rescored
  });

  it('resume is exact before, during and after the warm phase (JSON round trip, nothing rescored)', () => {
    const total = 40;
    const full = drive(createStrategy(name, nb201Space, WARM[name], 11, fakeProxy), fit, total).hashes;
    for (const k of [0, 3, 8, 20]) {
      const a = createStrategy(name, nb201Space, WARM[name], 11, fakeProxy);
      const head = drive(a, fit, k).hashes;
      const { calls, scorer } = counting();
      const b = createStrategy(name, nb201Space, WARM[name], 999, scorer);
      b.loadStateDict(roundTrip(a.stateDict()));
      const tail = drive(b, fit, total - k).hashes;
      expect([...head, ...tail]).toEqual(full);
      expect(calls.length).toBe(k === 0 ? 40 : 0); // at k = 0 the pool was not built yet: built (identically) after resume
    }
  });
});

describe('warm start', () => {
  it('the pool depends on the seed only (not on the strategy); its scores are logged as zc_<proxy> metrics', () => {
    const r = createStrategy('random', nb201Space, WARM.random, 5, fakeProxy);
    const e = createStrategy('evolution', nb201Space, WARM.evolution, 5, fakeProxy);
    r.ask();
    e.ask();
    expect(pool(r)).toEqual(pool(e));
    const s = createStrategy('evolution', nb201Space, WARM.evolution, 5, fakeProxy);
    const res = runSearchSync({ space: nb201Space, strategy: s, evaluator: { evaluateSync: (c) => ({ valid_acc: 80 + fit(c.genotype) }), evaluate: async (c) => ({ valid_acc: 80 + fit(c.genotype) }) }, budget: { queries: 12 } });
    const scores = new Map(pool(s).map((x) => [x.hash, x.score]));
    for (const entry of res.log.slice(0, 8)) expect(entry.metrics.zc_synflow).toBe(scores.get(entry.hash));
    for (const entry of res.log) expect(entry.metrics.zc_synflow).toBe(scores.get(entry.hash)); // undefined outside the pool
  });

  it('evolution: the initial population is the top-P of the pool; keep < P fills the rest randomly', () => {
    const s = createStrategy('evolution', nb201Space, { populationSize: 6, prerank: { proxy: 'naswot', pool: 30, keep: 4 } }, 2, fakeProxy);
    const h = drive(s, fit, 6).hashes;
    const top = pool(s).slice(0, 4).map((e) => e.hash);
    expect(h.slice(0, 4)).toEqual(top);
    expect(h.slice(4).some((x) => !top.includes(x))).toBe(true);
  });

  it('defaults: pool 100, keep = populationSize for evolution, 10 otherwise (at most the pool)', () => {
    expect(parseStrategyOptions('evolution', { populationSize: 20, prerank: { proxy: 'synflow' } })).toMatchObject({ prerank: { proxy: 'synflow', pool: 100, keep: 20 } });
    expect(parseStrategyOptions('random', { prerank: { proxy: 'grad_norm' } })).toMatchObject({ prerank: { proxy: 'grad_norm', pool: 100, keep: 10 } });
    expect(parseStrategyOptions('reinforce', { prerank: { proxy: 'jacob_cov', pool: 5 } })).toMatchObject({ prerank: { proxy: 'jacob_cov', pool: 5, keep: 5 } });
    expect(parseStrategyOptions('local', {})).not.toHaveProperty('prerank');
  });

  const bad: [string, unknown, string][] = [
    ['random', { prerank: { proxy: 'snip' } }, 'random.prerank.proxy: prerank.proxy must be one of: synflow, naswot, jacob_cov, grad_norm'],
    ['random', { prerank: { proxy: 'synflow', pool: 0 } }, 'random.prerank.pool: prerank.pool must be >= 1'],
    ['random', { prerank: { proxy: 'synflow', pool: 10, keep: 20 } }, 'random.prerank: prerank.keep (20) must be <= prerank.pool (10)'],
    ['local', { prerank: { proxy: 'synflow', size: 10 } }, 'local.prerank.size: unknown prerank option (expected proxy, pool, keep)'],
    ['reinforce', { prerank: 'synflow' }, 'reinforce.prerank: prerank must be an object {proxy, pool, keep}'],
    ['evolution', { populationSize: 5, prerank: { proxy: 'synflow', keep: 8 } }, 'prerank.keep (8) must be <= populationSize (5): the warm start fills the initial population'],
  ];
  it.each(bad)('%s %j -> %s', (name, options, message) => {
    expect(() => createStrategy(name, nb201Space, options, 0, fakeProxy)).toThrow(message);
    expect(() => createStrategy(name, nb201Space, options, 0, fakeProxy)).toThrow(StrategyConfigError);
  });

  it('a warm start without a scorer is refused; a state dict with/without a pool must match the options', () => {
    expect(() => createStrategy('random', nb201Space, WARM.random, 0)).toThrow('random.prerank: a warm start with proxy "synflow" needs a zero-cost scorer; this caller did not provide one');
    const plain = createStrategy('random', nb201Space, {}, 0);
    const warm = createStrategy('random', nb201Space, WARM.random, 0, fakeProxy);
    warm.ask();
    // Options differ, so the options check refuses first; forge matching options to reach the pool check.
    const st = roundTrip(warm.stateDict()) as Record<string, unknown>;
    expect(() => plain.loadStateDict({ ...st, options: roundTrip(plain.stateDict()).options } as unknown as StrategyState)).toThrow(/has a warm-start pool, but this strategy has no options.prerank/);
    const other = createStrategy('random', nb201Space, WARM.random, 0, fakeProxy);
    expect(() => other.loadStateDict({ ...st, prerank: null } as unknown as StrategyState)).toThrow(/has no warm-start pool/);
    expect(() => other.loadStateDict({ ...st, prerank: { ...(st.prerank as object), next: 99 } } as unknown as StrategyState)).toThrow(/"next" \(99\) is past the pool \(40\)/);
  });

  it('rankPool: score descending, NaN last, ties by sampling order, Infinity first', () => {
    const e = (score: number, order: number): PoolEntry => ({ arch: String(order), hash: String(order), score, order });
    expect(rankPool([e(1, 0), e(NaN, 1), e(3, 2), e(1, 3), e(Infinity, 4), e(-Infinity, 5)]).map((x) => x.order)).toEqual([4, 2, 0, 3, 5, 1]);
  });
});
