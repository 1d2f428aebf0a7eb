import { describe, expect, it } from 'vitest';
import { RandomSearch } from '../../src/engine/strategy/random';
import { nb201Space } from '../../src/engine/space/nb201/space';
import { countTarget, drive, toySpace } from '../helpers/strategy-toy';
import { mean } from '../../src/engine/util/stats';

describe('random search', () => {
  it('with dedupe visits every genotype of a small space exactly once, then is done', () => {
    const space = toySpace(4, 3); // 81 genotypes
    const s = new RandomSearch(space, { dedupe: true, maxRetries: 5 }, 1);
    const r = drive(s, countTarget(0), 200);
    expect(r.hashes.length).toBe(81);
    expect(new Set(r.hashes).size).toBe(81);
    expect(r.best).toBe(4); // the optimum is found because everything is
    expect(s.status).toBe('done');
    expect(s.stopCause).toBe('exhausted');
    // done by exhaustion is final: ask() now refuses, and resume() cannot reopen it.
    expect(() => s.ask()).toThrow(/ask\(\) while done \(nothing left to propose\)/);
    expect(() => s.resume()).toThrow(/cannot resume\(\): it is done: the space is exhausted/);
  });

  it('with maxRetries 0 still finds unseen genotypes by enumeration', () => {
    const space = toySpace(3, 2);
    const s = new RandomSearch(space, { dedupe: true, maxRetries: 0 }, 4);
    expect(new Set(drive(s, countTarget(1), 100).hashes).size).toBe(8);
    expect(s.status).toBe('done');
  });

  it('without dedupe repeats genotypes and never runs out', () => {
    const space = toySpace(2, 2);
    const s = new RandomSearch(space, { dedupe: false }, 2);
    const r = drive(s, countTarget(0), 50);
    expect(r.hashes.length).toBe(50);
    expect(new Set(r.hashes).size).toBeLessThanOrEqual(4);
    expect(s.status).toBe('running');
  });

  it('samples roughly uniformly (each NB201 op about 1/5 of the time on each edge)', () => {
    const s = new RandomSearch(nb201Space, { dedupe: false }, 9);
    const counts = Array.from({ length: 6 }, () => new Map<string, number>());
    for (let i = 0; i < 5000; i++) {
      const c = s.ask()!;
      c.genotype.ops.forEach((o, e) => counts[e].set(o, (counts[e].get(o) ?? 0) + 1));
      s.tell(c, { objective: 0, metrics: {} });
    }
    for (const m of counts) for (const n of m.values()) expect(Math.abs(n / 5000 - 0.2)).toBeLessThan(0.03);
  });

  it('ids are 0, 1, 2, ... and hashes are the space hashes', () => {
    const s = new RandomSearch(nb201Space, {}, 0);
    for (let i = 0; i < 10; i++) {
      const c = s.ask()!;
      expect(c.id).toBe(i);
      expect(c.hash).toBe(nb201Space.hash(c.genotype));
      s.tell(c, { objective: 1, metrics: {} });
    }
  });

  it('tell() of a candidate that was not asked throws', () => {
    const s = new RandomSearch(nb201Space, {}, 0);
    const c = s.ask()!;
    s.tell(c, { objective: 1, metrics: {} });
    expect(() => s.tell(c, { objective: 1, metrics: {} })).toThrow(/candidate 0 .* which is not pending/);
    const d = s.ask()!;
    expect(() => s.tell(d, { objective: NaN, metrics: {} })).toThrow(/finite number or -Infinity/);
  });

  it('model budget: mean best over seeds grows with the budget (sanity)', () => {
    const space = toySpace(8, 4);
    const f = countTarget(3);
    const best = (budget: number) => mean(Array.from({ length: 20 }, (_, seed) => drive(new RandomSearch(space, {}, seed), f, budget).best));
    expect(best(200)).toBeGreaterThan(best(10));
  });
});
