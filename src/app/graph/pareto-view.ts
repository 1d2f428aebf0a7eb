/**
 * Data for the accuracy-vs-cost scatter (pure). The run's own front (RunRecord.paretoIds, kept by the
 * worker) is used as is when the chart shows the run's cost axis; for another axis the front of the
 * points on screen is recomputed here (max accuracy, min cost), so the highlighted points always match
 * what is drawn.
 */
import { toDisplay } from './metrics';

export interface ScatterInput {
  readonly id: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly feasible: boolean;
}

/** Ids of the non-dominated points (accuracy max, cost min), by ascending cost. Equal points all stay. */
export function frontIds(points: readonly { id: number; acc: number; cost: number }[]): number[] {
  const sorted = points
    .filter((p) => Number.isFinite(p.acc) && Number.isFinite(p.cost))
    .slice()
    .sort((a, b) => a.cost - b.cost || b.acc - a.acc || a.id - b.id);
  const out: number[] = [];
  let bestAcc = -Infinity;
  let lastCost = NaN;
  let lastAcc = NaN;
  for (const p of sorted) {
    if (p.acc > bestAcc || (p.cost === lastCost && p.acc === lastAcc)) {
      out.push(p.id);
      if (p.acc > bestAcc) {
        bestAcc = p.acc;
        lastCost = p.cost;
        lastAcc = p.acc;
      }
    }
  }
  return out;
}

/**
 * uPlot looks points up by binary search on x, so of several points with the same x (cells with equal
 * FLOPs are common) only the first would be drawn; nudging ties apart by a negligible amount keeps x
 * strictly increasing without any visible shift.
 */
export function strictlyIncreasing(xs: readonly number[]): number[] {
  if (xs.length === 0) return [];
  const span = Math.max(Math.abs(xs[0]), Math.abs(xs[xs.length - 1]), 1e-12);
  const eps = span * 1e-9;
  const out = xs.slice();
  for (let i = 1; i < out.length; i++) if (!(out[i] > out[i - 1])) out[i] = out[i - 1] + eps;
  return out;
}

export interface ScatterData {
  /** Cost in display units, ascending (uPlot's x must be sorted). */
  readonly x: number[];
  readonly feasible: (number | null)[];
  readonly infeasible: (number | null)[];
  /** Accuracy of front points only (null elsewhere), joined as a step line. */
  readonly front: (number | null)[];
  /** Candidate id at each index. */
  readonly ids: number[];
  readonly frontCount: number;
  /** Candidates without the cost metric (not drawn). */
  readonly missing: number;
  /** Whether the front came from the run (true) or was recomputed for this axis. */
  readonly fromRun: boolean;
}

export function scatterData(
  candidates: readonly ScatterInput[],
  cost: string,
  accuracy = 'valid_acc',
  runFront: { readonly cost: string; readonly ids: readonly number[] } | null = null,
): ScatterData {
  const pts = candidates
    .map((c) => ({ id: c.id, acc: c.metrics[accuracy], cost: c.metrics[cost], feasible: c.feasible }))
    .filter((p) => typeof p.acc === 'number' && Number.isFinite(p.acc) && typeof p.cost === 'number' && Number.isFinite(p.cost));
  pts.sort((a, b) => a.cost - b.cost || a.acc - b.acc || a.id - b.id);
  const fromRun = runFront !== null && runFront.cost === cost;
  const front = new Set(fromRun ? runFront.ids : frontIds(pts));
  return {
    x: strictlyIncreasing(pts.map((p) => toDisplay(cost, p.cost))),
    feasible: pts.map((p) => (p.feasible ? p.acc : null)),
    infeasible: pts.map((p) => (p.feasible ? null : p.acc)),
    front: pts.map((p) => (front.has(p.id) ? p.acc : null)),
    ids: pts.map((p) => p.id),
    frontCount: pts.filter((p) => front.has(p.id)).length,
    missing: candidates.length - pts.length,
    fromRun,
  };
}
