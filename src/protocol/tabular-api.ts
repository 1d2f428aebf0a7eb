/**
 * The benchmark lab (tabular mode): the one object workers/tabular.worker.ts exposes with comlink, and
 * what it reports. A NAS-Bench-201-style table turns "train a candidate" into a lookup, so every strategy
 * can be run for many seeds on the same budget in seconds. Strategies search on valid_acc; test_acc is
 * only reported for the architecture each search picked (never searched on).
 */
import type { Nb201Genotype, ObjectiveSpec } from './run';
import type { ZeroCostProxy } from '../shared/strategies';
import type { StrategyName } from '../shared/strategies';

export const TABLE_RECORD_VERSION = 1;

/** A stored benchmark table, without its CSV text (what the lab lists). */
export interface TableMeta {
  readonly version: number;
  /** 'table:' + content hash: importing the same file twice keeps one copy. */
  readonly id: string;
  /** File name the user picked. */
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
  /** Every column except `arch`, in file order. */
  readonly columns: readonly string[];
  readonly accuracyColumns: readonly string[];
  readonly latencyColumns: readonly string[];
  /** Whether the table has train_time_s, i.e. a simulated-time budget is possible. */
  readonly hasTrainTime: boolean;
  readonly createdAt: number;
}

export type LabStrategy = StrategyName;
export const LAB_STRATEGIES: readonly LabStrategy[] = ['random', 'evolution', 'reinforce', 'local'];

/**
 * A zero-cost warm start (Abdelfattah et al., ICLR 2021) run as an extra series next to each plain
 * strategy: a pool of `pool` cells (seeded per run) is scored at initialisation with `proxy` at a tiny
 * NB201 skeleton on seeded random inputs, and the strategy starts from the best `keep` (evolution: its
 * initial population of P = 10). Scoring costs no simulated time and no queries: it is cheap next to
 * training (well under a second per cell against hours of training); its wall time is measured and
 * reported with each run (LabRunResult.prerank.scoreMs).
 */
export interface LabWarmStart {
  readonly proxy: ZeroCostProxy;
  readonly pool: number;
  readonly keep: number;
}
export const LAB_PROXIES: readonly ZeroCostProxy[] = ['synflow', 'naswot', 'jacob_cov', 'grad_norm'];

/** A curve of the lab: a strategy, or that strategy with the zero-cost warm start ("evolution+zc"). */
export type LabSeries = LabStrategy | `${LabStrategy}+zc`;

export const warmSeries = (s: LabStrategy): LabSeries => `${s}+zc`;
export const seriesStrategy = (s: LabSeries): LabStrategy => s.replace('+zc', '') as LabStrategy;
export const isWarmSeries = (s: LabSeries): boolean => s.endsWith('+zc');
/** The series of a run (runs stored before warm starts existed have none: the plain strategy). */
export const seriesOf = (r: { readonly strategy: LabStrategy; readonly series?: LabSeries }): LabSeries => r.series ?? r.strategy;
/** The series a spec runs, each plain strategy followed by its warm-started twin when warmStart is on. */
export function labSeries(spec: Pick<LabSpec, 'strategies' | 'warmStart'>): LabSeries[] {
  return spec.strategies.flatMap((s) => (spec.warmStart ? [s, warmSeries(s)] : [s]));
}

export type LabBudget =
  | { readonly kind: 'queries'; readonly queries: number }
  /** Simulated GPU hours: the sum of the looked-up cells' train_time_s. */
  | { readonly kind: 'hours'; readonly hours: number };

export interface LabSpec {
  readonly tableId: string;
  readonly strategies: readonly LabStrategy[];
  /** Seeds firstSeed .. firstSeed + seeds - 1 for every strategy. */
  readonly seeds: number;
  readonly firstSeed: number;
  readonly budget: LabBudget;
  /** metric must be valid_acc (or another non-test column); penalties/constraints may use latency columns. */
  readonly objective: ObjectiveSpec;
  /** Also run every strategy with a zero-cost warm start (an extra series each); absent or null: off. */
  readonly warmStart?: LabWarmStart | null;
}

/** One incumbent change: after `q` queries and `t` simulated seconds the best-by-objective cell has these numbers. */
export interface LabCurve {
  /** Simulated seconds (cumulative train_time_s; 0 when the table has none). */
  readonly t: readonly number[];
  /** Queries (1-based count). */
  readonly q: readonly number[];
  /** valid_acc of the incumbent. */
  readonly valid: readonly number[];
  /** Objective of the incumbent. */
  readonly objective: readonly number[];
}

export interface LabPick {
  readonly arch: string;
  readonly hash: string;
  readonly genotype: Nb201Genotype;
  readonly metrics: Readonly<Record<string, number>>;
  readonly objective: number;
  /** Query (1-based) at which it was found. */
  readonly foundAt: number;
}

export interface LabRunResult {
  readonly strategy: LabStrategy;
  /** The curve it belongs to: `strategy+zc` with the warm start; absent or `strategy` without. */
  readonly series?: LabSeries;
  /** Warm-started runs: cells scored for this run (cached scores excluded) and the wall time that took. */
  readonly prerank?: { readonly proxy: ZeroCostProxy; readonly scored: number; readonly scoreMs: number };
  readonly seed: number;
  readonly stopReason: 'budget' | 'exhausted' | 'aborted';
  readonly queries: number;
  readonly simulatedSeconds: number;
  readonly curve: LabCurve;
  /** The cell the search returns (best objective on validation); null when no cell was feasible. */
  readonly best: LabPick | null;
}

export type LabEvent =
  | {
      readonly type: 'start';
      readonly total: number;
      readonly table: TableMeta;
      /** Best cell of the whole table under the objective (what a perfect search would return). */
      readonly oracle: LabPick | null;
    }
  | {
      readonly type: 'progress';
      readonly strategy: LabStrategy;
      readonly series: LabSeries;
      readonly seed: number;
      /** Finished (strategy, seed) runs. */
      readonly runsDone: number;
      readonly total: number;
      /** Share of the current run's budget spent, 0..1. */
      readonly fraction: number;
    }
  | { readonly type: 'run'; readonly result: LabRunResult; readonly runsDone: number; readonly total: number }
  | { readonly type: 'done'; readonly cancelled: boolean; readonly runsDone: number; readonly total: number; readonly elapsedMs: number };

export type LabEventListener = (e: LabEvent) => void;

/** The part of a Blob/File the worker reads (the protocol compiles without DOM types; a File fits). */
export interface BlobLike {
  readonly size: number;
  text(): Promise<string>;
}

export interface TabularWorkerApi {
  /**
   * Parses a NAS-Bench-201-style CSV (arch + valid_acc, optional test_acc, train_time_s, *_ms) and stores
   * its text in IndexedDB. A bad file throws an error naming the line and column, and stores nothing.
   */
  importTable(file: BlobLike, name: string): Promise<TableMeta>;
  /** Runs every (strategy, seed) on the stored table; resolves with all results when done or cancelled. */
  run(spec: LabSpec, onEvent: LabEventListener): Promise<LabRunResult[]>;
  /** Asks a running lab to stop after the current lookup; resolves when it has. */
  cancel(): Promise<void>;
}
