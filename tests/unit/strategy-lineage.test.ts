/**
 * Lineage (issue 13, item 7): evolution's children name a parent that is in the population when they are
 * proposed, local search's neighbours name the incumbent, random search names none; ids always refer to earlier
 * candidates; parents survive a state dict (pending candidates) and the search core's log and checkpoint.
 */
import { describe, expect, it } from 'vitest';
import { RegularizedEvolution } from '../../src/engine/strategy/evolution';
import { LocalSearch } from '../../src/engine/strategy/local-search';
import { RandomSearch } from '../../src/engine/strategy/random';
import { runSearchSync } from '../../src/engine/search/loop';
import { SearchSetupError, type LoggedCandidate } from '../../src/engine/search/types';
import { countTarget, toySpace, type ToyGenotype } from '../helpers/strategy-toy';
import type { SyncEvaluator } from '../../src/engine/evaluator/types';
import type { Candidate } from '../../src/engine/strategy/types';

const space = toySpace(8, 4);
const f = countTarget(3);
const hamming = (a: ToyGenotype, b: ToyGenotype) => a.idx.filter((x, i) => x !== b.idx[i]).length;

describe('lineage of proposed candidates', () => {
  it('evolution: the first P are parentless; every child names a member of the population at the time, mutated by one step', () => {
    const P = 6;
    const evo = new RegularizedEvolution(space, { populationSize: P, sampleSize: 3 }, 11);
    const byId = new Map<number, Candidate<ToyGenotype>>();
    let children = 0;
    for (let i = 0; i < 60; i++) {
      const before = new Set([...byId.values()].filter((c) => evo.members().some((m) => m.hash === c.hash)).map((c) => c.id));
      const c = evo.ask()!;
      if (i < P) expect(c.parents ?? []).toEqual([]);
      else {
        expect(c.parents).toHaveLength(1);
        const p = c.parents![0];
        expect(p).toBeLessThan(c.id);
        expect(before.has(p)).toBe(true);
        expect(hamming(byId.get(p)!.genotype, c.genotype)).toBeLessThanOrEqual(1);
        children++;
      }
      byId.set(c.id, c);
      evo.tell(c, { objective: f(c.genotype), metrics: {} });
    }
    expect(children).toBe(60 - P);
  });

  it('evolution with crossover names both tournament winners, all earlier', () => {
    const evo = new RegularizedEvolution(space, { populationSize: 5, sampleSize: 2, crossoverProb: 1 }, 4);
    let two = 0;
    for (let i = 0; i < 40; i++) {
      const c = evo.ask()!;
      for (const p of c.parents ?? []) expect(p).toBeLessThan(c.id);
      if ((c.parents ?? []).length === 2) two++;
      evo.tell(c, { objective: f(c.genotype), metrics: {} });
    }
    expect(two).toBeGreaterThan(10);
  });

  it('local search: a neighbour names the incumbent, a start names none', () => {
    const ls = new LocalSearch(space, {}, 3);
    const start = ls.ask()!;
    expect(start.parents ?? []).toEqual([]);
    ls.tell(start, { objective: f(start.genotype), metrics: {} });
    const idOf = new Map([[start.hash, start.id]]);
    for (let i = 0; i < 24; i++) {
      const c = ls.ask()!;
      expect(c.parents).toEqual([start.id]);
      idOf.set(c.hash, c.id);
      ls.tell(c, { objective: f(c.genotype), metrics: {} });
    }
    // The climb moves to the best neighbour: the next candidate names that incumbent and is its neighbour.
    const next = ls.ask()!;
    const cur = ls.progress().current!;
    expect(cur.hash).not.toBe(start.hash);
    expect(next.parents).toEqual([idOf.get(cur.hash)]);
    expect(hamming(space.decode(cur.arch), next.genotype)).toBe(1);
  });

  it('local search over restarts and first-improvement moves: every named parent is an earlier candidate one step away', () => {
    for (const firstImprovement of [false, true]) {
      const ls = new LocalSearch(space, { firstImprovement, neighbourSample: 6 }, 21);
      const byId = new Map<number, Candidate<ToyGenotype>>();
      let named = 0;
      for (let i = 0; i < 150; i++) {
        const c = ls.ask();
        if (c === null) break;
        for (const p of c.parents ?? []) {
          expect(p).toBeLessThan(c.id);
          expect(hamming(byId.get(p)!.genotype, c.genotype)).toBe(1);
          named++;
        }
        byId.set(c.id, c);
        ls.tell(c, { objective: f(c.genotype), metrics: {} });
      }
      expect(named).toBeGreaterThan(100);
    }
  });

  it('random search names no parents', () => {
    const r = new RandomSearch(space, {}, 1);
    for (let i = 0; i < 10; i++) expect(r.ask()!.parents ?? []).toEqual([]);
  });

  it('pending candidates keep their parents across a state dict; a state dict without lineage fields still loads', () => {
    const evo = new RegularizedEvolution(space, { populationSize: 3, sampleSize: 2 }, 9);
    for (let i = 0; i < 3; i++) {
      const c = evo.ask()!;
      evo.tell(c, { objective: f(c.genotype), metrics: {} });
    }
    const pending = evo.ask()!;
    expect(pending.parents).toHaveLength(1);
    const state = evo.stateDict();
    const again = new RegularizedEvolution(space, { populationSize: 3, sampleSize: 2 }, 9);
    again.loadStateDict(state);
    expect(again.ask()!.parents).toEqual(pending.parents);
    // An older state dict: pending entries without `parents`, local search without `ids`.
    const old = { ...state, pending: (state.pending as { id: number; arch: string }[]).map(({ id, arch }) => ({ id, arch })) };
    const fromOld = new RegularizedEvolution(space, { populationSize: 3, sampleSize: 2 }, 9);
    fromOld.loadStateDict(old);
    expect(fromOld.ask()!.id).toBe(pending.id);
    const ls = new LocalSearch(space, {}, 3);
    const s0 = ls.ask()!;
    ls.tell(s0, { objective: f(s0.genotype), metrics: {} });
    const { ids: _ids, ...lsOld } = ls.stateDict();
    const ls2 = new LocalSearch(space, {}, 3);
    ls2.loadStateDict(lsOld);
    expect(ls2.ask()!.parents ?? []).toEqual([]);
  });

  it('the search core logs parents, keeps them in its checkpoint and rejects a parent that is not earlier', () => {
    const metrics = (c: Candidate<ToyGenotype>) => ({ valid_acc: f(c.genotype) });
    const evaluator: SyncEvaluator<ToyGenotype> = { evaluate: (c) => Promise.resolve(metrics(c)), evaluateSync: metrics };
    const mk = () => new RegularizedEvolution(space, { populationSize: 4, sampleSize: 2 }, 5);
    const full = runSearchSync({ space, strategy: mk(), evaluator, budget: { queries: 12 } });
    expect(full.log.slice(0, 4).every((e) => e.parents?.length === 0)).toBe(true);
    expect(full.log.slice(4).every((e) => e.parents?.length === 1 && e.parents[0] < e.id)).toBe(true);
    let cp: readonly LoggedCandidate[] | undefined;
    const half = runSearchSync({ space, strategy: mk(), evaluator, budget: { queries: 7 }, save: (p) => { if (p.stop) cp = p.checkpoint.log?.slice(); } });
    expect(cp?.map((e) => e.parents)).toEqual(half.log.map((e) => e.parents));
    const bad = half.log.map((e) => (e.id === 5 ? { ...e, parents: [6] } : e));
    const strategy = mk();
    expect(() => runSearchSync({ space, strategy, evaluator, budget: { queries: 12 }, resumeFrom: { version: 2, nextId: 7, strategy: mk().stateDict(), log: bad } }))
      .toThrow(new SearchSetupError('checkpoint.log[5].parents must be ids of earlier candidates (integers < 5), got [6]'));
  });
});
