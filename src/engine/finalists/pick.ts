/**
 * Which candidates of a finished (or stopped) run become finalists: the top k feasible entries by objective
 * (higher is better; ties go to the earliest id), and optionally the Pareto front of an accuracy metric to
 * maximise against a cost metric to minimise (util/pareto.ts, NSGA-II's non-dominated sort).
 */
import type { LoggedCandidate } from '../search/types';
import { paretoFrontIndices } from '../util/pareto';

export function pickTop<E extends LoggedCandidate>(log: readonly E[], k: number): E[] {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`finalists: k must be an integer >= 1, got ${k}`);
  return log
    .filter((e) => e.feasible && e.objective !== null && Number.isFinite(e.objective))
    .slice()
    .sort((a, b) => (b.objective as number) - (a.objective as number) || a.id - b.id)
    .slice(0, k);
}

/** Feasible entries on the Pareto front of `accuracy` (max) vs `cost` (min), by ascending id; entries missing either metric are left out. */
export function pickPareto<E extends LoggedCandidate>(log: readonly E[], axes: { readonly accuracy: string; readonly cost: string }): E[] {
  const pool = log.filter((e) => e.feasible && Number.isFinite(e.metrics[axes.accuracy]) && Number.isFinite(e.metrics[axes.cost]));
  const idx = paretoFrontIndices(pool.map((e) => [e.metrics[axes.accuracy], e.metrics[axes.cost]]), ['max', 'min']);
  return idx.map((i) => pool[i]).sort((a, b) => a.id - b.id);
}

/** The top k, then any Pareto-front entries not already among them (when axes are given). */
export function pickFinalists<E extends LoggedCandidate>(log: readonly E[], k: number, pareto?: { readonly accuracy: string; readonly cost: string }): E[] {
  const top = pickTop(log, k);
  if (!pareto) return top;
  const ids = new Set(top.map((e) => e.id));
  return [...top, ...pickPareto(log, pareto).filter((e) => !ids.has(e.id))];
}
