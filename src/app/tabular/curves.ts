/**
 * Chart and table preparation for the benchmark lab (pure, no DOM): the worker sends each run's
 * incumbent as a step function (it changes only when a better cell is found); here those steps are read
 * off on a common x grid, so the curves of all seeds line up for uPlot, and summarised as mean ± std.
 * A run that ended before x (a query budget used less simulated time) keeps its final pick there.
 * Curves are per series: a strategy, or the strategy with the zero-cost warm start ("evolution+zc").
 */
import { seriesOf, type LabPick, type LabRunResult, type LabSeries } from '../../protocol/tabular-api';

export type LabXAxis = 'time' | 'queries';
export type LabYMetric = 'valid' | 'objective';

/** Value of a step function (xs ascending) at x: the last ys[i] with xs[i] <= x; null before the first step. */
export function stepValueAt(xs: readonly number[], ys: readonly number[], x: number): number | null {
  let lo = 0;
  let hi = xs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? null : ys[found];
}

/** `points` evenly spaced x values over (0, max]; integers only for a query axis. */
export function makeGrid(max: number, axis: LabXAxis, points = 240): number[] {
  if (!(max > 0)) return [];
  if (axis === 'queries') {
    const n = Math.floor(max);
    if (n <= points) return Array.from({ length: n }, (_, i) => i + 1);
    const out = new Set<number>();
    for (let i = 1; i <= points; i++) out.add(Math.max(1, Math.round((i * n) / points)));
    return [...out].sort((a, b) => a - b);
  }
  return Array.from({ length: points }, (_, i) => (max * (i + 1)) / points);
}

export interface MeanStd {
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  readonly std: number;
  readonly n: number;
}

export function meanStd(xs: readonly number[]): MeanStd | null {
  const n = xs.length;
  if (n === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / n;
  if (n === 1) return { mean, std: 0, n };
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

export function formatMeanStd(m: MeanStd | null, digits = 2): string {
  return m === null ? '–' : m.n === 1 ? m.mean.toFixed(digits) : `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}`;
}

export interface BandSeries {
  readonly strategy: LabSeries;
  readonly mean: (number | null)[];
  readonly lo: (number | null)[];
  readonly hi: (number | null)[];
}

export interface Bands {
  /** x in hours (time axis) or queries. */
  readonly x: number[];
  readonly series: BandSeries[];
}

const xsOf = (r: LabRunResult, axis: LabXAxis) => (axis === 'time' ? r.curve.t.map((s) => s / 3600) : r.curve.q);

/** Largest x any run reached (hours or queries). */
export function maxX(runs: readonly LabRunResult[], axis: LabXAxis): number {
  let m = 0;
  for (const r of runs) m = Math.max(m, axis === 'time' ? r.simulatedSeconds / 3600 : r.queries);
  return m;
}

/** Mean ± std over seeds of each strategy's incumbent, on one grid for all strategies. */
export function aggregateCurves(
  runs: readonly LabRunResult[],
  strategies: readonly LabSeries[],
  axis: LabXAxis,
  metric: LabYMetric = 'valid',
  points = 240,
): Bands {
  const x = makeGrid(maxX(runs, axis), axis, points);
  const series = strategies.map((strategy): BandSeries => {
    const mine = runs.filter((r) => seriesOf(r) === strategy).map((r) => ({ xs: xsOf(r, axis), ys: metric === 'valid' ? r.curve.valid : r.curve.objective }));
    const mean: (number | null)[] = [];
    const lo: (number | null)[] = [];
    const hi: (number | null)[] = [];
    for (const gx of x) {
      const vals: number[] = [];
      for (const c of mine) {
        const y = stepValueAt(c.xs, c.ys, gx);
        if (y !== null && Number.isFinite(y)) vals.push(y);
      }
      const m = meanStd(vals);
      mean.push(m ? m.mean : null);
      lo.push(m ? m.mean - m.std : null);
      hi.push(m ? m.mean + m.std : null);
    }
    return { strategy, mean, lo, hi };
  });
  return { x, series };
}

export interface StrategySummary {
  readonly strategy: LabSeries;
  readonly runs: number;
  /** valid_acc of the cell each run returned. */
  readonly valid: MeanStd | null;
  /** test_acc of that same cell (reported, never searched on); null when the table has no test_acc. */
  readonly test: MeanStd | null;
  readonly objective: MeanStd | null;
  readonly queries: MeanStd | null;
  readonly hours: MeanStd | null;
  /** Runs whose pick is the table's best cell under the objective. */
  readonly foundOracle: number;
  /** Runs with no feasible cell at all. */
  readonly noFeasible: number;
  /** Mean of an extra metric of the picks (e.g. the latency column in the objective). */
  readonly extra: MeanStd | null;
}

export function summarize(
  runs: readonly LabRunResult[],
  strategies: readonly LabSeries[],
  oracle: LabPick | null,
  extraMetric: string | null = null,
): StrategySummary[] {
  return strategies.map((strategy) => {
    const mine = runs.filter((r) => seriesOf(r) === strategy);
    const picks = mine.map((r) => r.best).filter((b): b is LabPick => b !== null);
    const col = (k: string) => meanStd(picks.map((p) => p.metrics[k]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)));
    return {
      strategy,
      runs: mine.length,
      valid: col('valid_acc'),
      test: col('test_acc'),
      objective: meanStd(picks.map((p) => p.objective)),
      queries: meanStd(mine.map((r) => r.queries)),
      hours: meanStd(mine.map((r) => r.simulatedSeconds / 3600)),
      foundOracle: oracle ? picks.filter((p) => p.hash === oracle.hash).length : 0,
      noFeasible: mine.length - picks.length,
      extra: extraMetric ? col(extraMetric) : null,
    };
  });
}

export interface StrategyBest {
  readonly strategy: LabSeries;
  readonly pick: LabPick;
  /** Seed of the run that returned it (the first, when several did). */
  readonly seed: number;
  /** How many of the strategy's runs returned this same cell. */
  readonly count: number;
}

/** Per strategy, the best cell (by the searched objective) any of its seeds returned. */
export function bestPerStrategy(runs: readonly LabRunResult[], strategies: readonly LabSeries[]): StrategyBest[] {
  const out: StrategyBest[] = [];
  for (const strategy of strategies) {
    let best: { pick: LabPick; seed: number } | null = null;
    for (const r of runs) {
      if (seriesOf(r) !== strategy || !r.best) continue;
      if (best === null || r.best.objective > best.pick.objective) best = { pick: r.best, seed: r.seed };
    }
    if (best) {
      const hash = best.pick.hash;
      const count = runs.filter((r) => seriesOf(r) === strategy && r.best?.hash === hash).length;
      out.push({ strategy, pick: best.pick, seed: best.seed, count });
    }
  }
  return out;
}

/**
 * y range that shows where the curves end up rather than their first few lookups (which may start far
 * below with a wide spread): the band extremes after the first `skip` share of the x range, the ceiling
 * line, a 6% margin, and at most `cap` (100 for accuracy in %). null when nothing is drawn yet.
 */
export function yRange(bands: Bands, ceiling: number | null, skip = 0.05, cap = Infinity): [number, number] | null {
  const from = Math.floor(bands.x.length * skip);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of bands.series) {
    for (let i = from; i < bands.x.length; i++) {
      const a = s.lo[i];
      const b = s.hi[i];
      if (a !== null && Number.isFinite(a)) lo = Math.min(lo, a);
      if (b !== null && Number.isFinite(b)) hi = Math.max(hi, b);
    }
  }
  if (ceiling !== null && Number.isFinite(ceiling)) {
    lo = Math.min(lo, ceiling);
    hi = Math.max(hi, ceiling);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const pad = Math.max((hi - lo) * 0.06, 0.05);
  return [lo - pad, Math.min(cap, hi + pad)];
}
