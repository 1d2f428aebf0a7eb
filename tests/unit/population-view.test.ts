/** The accuracy-vs-cost chart's additions (src/app/graph/population.ts): the latency budget and the live point. */
import { describe, expect, it } from 'vitest';
import { latencyBudget, withLivePoint } from '../../src/app/graph/population';
import { scatterData } from '../../src/app/graph/pareto-view';

const cand = (id: number, flops: number, acc: number) => ({ id, metrics: { flops, valid_acc: acc }, feasible: true });

describe('population view', () => {
  it('reads the tightest latency_ms <= x constraint as the budget', () => {
    expect(latencyBudget(undefined)).toBeNull();
    expect(latencyBudget({ metric: 'valid_acc', penalties: [], constraints: [{ metric: 'params', op: '<=', value: 1000 }] })).toBeNull();
    expect(latencyBudget({ metric: 'valid_acc', penalties: [], constraints: [{ metric: 'latency_ms', op: '>=', value: 1 }] })).toBeNull();
    expect(latencyBudget({ metric: 'valid_acc', penalties: [], constraints: [{ metric: 'latency_ms', op: '<=', value: 8 }, { metric: 'latency_ms', op: '<=', value: 5 }] })).toBe(5);
  });

  it('inserts the training candidate at its place on x, as its own series', () => {
    const data = scatterData([cand(0, 2e6, 30), cand(1, 4e6, 40)], 'flops');
    const live = withLivePoint(data, { id: 2, x: 3, acc: 35 });
    expect(live.ids).toEqual([0, 2, 1]);
    expect(live.live).toEqual([null, 35, null]);
    expect(live.feasible).toEqual([30, null, 40]);
    expect(live.x[1]).toBe(3);
    expect(live.x).toEqual([...live.x].sort((a, b) => a - b));
    // Once evaluated (its id among the candidates), it is not drawn twice.
    expect(withLivePoint(data, { id: 1, x: 4, acc: 40 }).live).toEqual([null, null]);
    expect(withLivePoint(data, null).ids).toEqual([0, 1]);
  });
});
