/**
 * Pareto dominance, non-dominated sorting (Deb, Pratap, Agarwal & Meyarivan, "A Fast and Elitist
 * Multiobjective Genetic Algorithm: NSGA-II", IEEE TEVC 2002, fast-non-dominated-sort) and an
 * incremental two-objective front (accuracy to maximise, cost to minimise) for hardware-aware search.
 *
 * a dominates b when a is no worse in every objective and strictly better in at least one. Points that
 * are equal in every objective do not dominate each other, so duplicates share a front.
 */

export type Sense = 'max' | 'min';

function checkPoint(p: readonly number[], m: number, where: string): void {
  if (p.length !== m) throw new Error(`${where}: expected ${m} objective values, got ${p.length}`);
  for (const x of p) if (Number.isNaN(x)) throw new Error(`${where}: objective value is NaN`);
}

/** Whether a dominates b under the given senses (one per objective). */
export function dominates(a: readonly number[], b: readonly number[], senses: readonly Sense[]): boolean {
  let strictly = false;
  for (let k = 0; k < senses.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (!(senses[k] === 'max' ? x > y : x < y)) return false;
    strictly = true;
  }
  return strictly;
}

/**
 * Non-dominated sorting: fronts[0] holds the indices of the non-dominated points, fronts[1] those
 * dominated only by points of fronts[0], and so on. Indices ascend within a front. O(M N^2).
 */
export function nonDominatedSort(points: readonly (readonly number[])[], senses: readonly Sense[]): number[][] {
  const n = points.length;
  points.forEach((p, i) => checkPoint(p, senses.length, `nonDominatedSort point ${i}`));
  const dominatedBy = new Array<number>(n).fill(0); // how many points dominate i
  const dominatesList: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i], points[j], senses)) {
        dominatesList[i].push(j);
        dominatedBy[j]++;
      } else if (dominates(points[j], points[i], senses)) {
        dominatesList[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominatesList[i]) {
        if (--dominatedBy[j] === 0) next.push(j);
      }
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** Indices of the non-dominated points (the first front), ascending. */
export function paretoFrontIndices(points: readonly (readonly number[])[], senses: readonly Sense[]): number[] {
  return nonDominatedSort(points, senses)[0] ?? [];
}

export interface FrontPoint<T> {
  readonly item: T;
  /** To maximise (e.g. valid_acc). */
  readonly accuracy: number;
  /** To minimise (e.g. latency_ms, MFLOPs). */
  readonly cost: number;
}

/**
 * Incremental Pareto front of accuracy (max) vs cost (min) over every point added so far.
 * Kept sorted by cost ascending (then accuracy descending, then insertion order); on the front,
 * accuracy rises with cost.
 */
export class ParetoFront<T> {
  private pts: FrontPoint<T>[] = [];

  /** Adds a point; returns true when it is on the front afterwards (points it dominates are dropped). */
  add(item: T, accuracy: number, cost: number): boolean {
    if (Number.isNaN(accuracy) || Number.isNaN(cost)) throw new Error(`ParetoFront.add: accuracy and cost must not be NaN (got ${accuracy}, ${cost})`);
    const p: FrontPoint<T> = { item, accuracy, cost };
    const senses: Sense[] = ['max', 'min'];
    const a = [accuracy, cost];
    if (this.pts.some((q) => dominates([q.accuracy, q.cost], a, senses))) return false;
    this.pts = this.pts.filter((q) => !dominates(a, [q.accuracy, q.cost], senses));
    let i = 0;
    while (i < this.pts.length && (this.pts[i].cost < cost || (this.pts[i].cost === cost && this.pts[i].accuracy >= accuracy))) i++;
    this.pts.splice(i, 0, p);
    return true;
  }

  points(): readonly FrontPoint<T>[] {
    return this.pts;
  }

  items(): T[] {
    return this.pts.map((p) => p.item);
  }

  get size(): number {
    return this.pts.length;
  }

  /** Most accurate point with cost <= maxCost, or null. */
  bestWithin(maxCost: number): FrontPoint<T> | null {
    let best: FrontPoint<T> | null = null;
    for (const p of this.pts) if (p.cost <= maxCost && (best === null || p.accuracy > best.accuracy)) best = p;
    return best;
  }
}
