/** Picking finalists from a run log: top k by objective (ties by earliest id), infeasible left out, Pareto front. */
import { describe, expect, it } from 'vitest';
import { pickFinalists, pickPareto, pickTop } from '../../src/engine/finalists/pick';
import type { LoggedCandidate } from '../../src/engine/search/types';

const entry = (id: number, objective: number | null, acc: number, ms: number): LoggedCandidate => ({
  id, arch: `a${id}`, hash: `h${id}`, metrics: { valid_acc: acc, latency_ms: ms }, objective, feasible: objective !== null,
});
const log = [entry(0, 80, 80, 5), entry(1, 90, 90, 9), entry(2, null, 99, 1), entry(3, 90, 90, 3), entry(4, 85, 85, 2), entry(5, 70, 70, 1)];

describe('pick', () => {
  it('takes the top k feasible by objective, earliest id first on ties', () => {
    expect(pickTop(log, 3).map((e) => e.id)).toEqual([1, 3, 4]);
    expect(pickTop(log, 10).map((e) => e.id)).toEqual([1, 3, 4, 0, 5]);
    expect(() => pickTop(log, 0)).toThrow(/k must be an integer >= 1/);
  });

  it('offers the Pareto front of accuracy vs cost over feasible entries', () => {
    // feasible points (acc, ms): 0 (80,5) 1 (90,9) 3 (90,3) 4 (85,2) 5 (70,1): front = 3, 4, 5
    expect(pickPareto(log, { accuracy: 'valid_acc', cost: 'latency_ms' }).map((e) => e.id)).toEqual([3, 4, 5]);
    expect(pickFinalists(log, 2, { accuracy: 'valid_acc', cost: 'latency_ms' }).map((e) => e.id)).toEqual([1, 3, 4, 5]);
  });
});
