/**
 * What the accuracy-vs-cost chart adds to the scatter (pure): the latency budget of a run's objective and the
 * candidate training now, placed among the evaluated ones.
 */
import type { ObjectiveSpec } from '../../shared/objective';
import { strictlyIncreasing, type ScatterData } from './pareto-view';

/** The tightest `latency_ms <= x` constraint of the objective (ms), or null when it has none. */
export function latencyBudget(objective: ObjectiveSpec | undefined): number | null {
  const bounds = (objective?.constraints ?? []).filter((c) => c.metric === 'latency_ms' && c.op === '<=' && Number.isFinite(c.value)).map((c) => c.value);
  return bounds.length > 0 ? Math.min(...bounds) : null;
}

/** The candidate in training: its id, cost in display units and latest validation accuracy (%). */
export interface LivePoint {
  readonly id: number;
  readonly x: number;
  readonly acc: number;
}

/** The scatter with the live point inserted at its place on x, as one more series (null everywhere else). */
export interface PopulationData extends ScatterData {
  readonly live: (number | null)[];
}

export function withLivePoint(data: ScatterData, live: LivePoint | null): PopulationData {
  if (live === null || !Number.isFinite(live.x) || !Number.isFinite(live.acc) || data.ids.includes(live.id)) {
    return { ...data, live: data.x.map(() => null) };
  }
  let at = data.x.findIndex((x) => x > live.x);
  if (at < 0) at = data.x.length;
  const put = <T,>(xs: readonly T[], v: T): T[] => [...xs.slice(0, at), v, ...xs.slice(at)];
  return {
    ...data,
    x: strictlyIncreasing(put(data.x, live.x)),
    feasible: put(data.feasible, null),
    infeasible: put(data.infeasible, null),
    front: put(data.front, null),
    ids: put(data.ids, live.id),
    live: put(data.x.map(() => null), live.acc),
  };
}
