/** What the black-box search core (loop.ts) takes and reports: run log entries, budget, events, save points, result. */
import type { SearchSpace } from '../space/types';
import type { Candidate, Strategy } from '../strategy/types';
import type { ObjectiveSpec } from '../strategy/objective';
import type { AbortSignalLike, Evaluator, SyncEvaluator } from '../evaluator/types';
import type { SearchCheckpoint } from './checkpoint';
import type { ParetoSpec, SearchBudget } from '../../shared/run-config';

/** What a host stores per evaluated candidate and hands back on resume (the rest of a log entry is recomputed). */
export interface LoggedCandidate {
  /** Candidate id (0-based order of proposal). */
  readonly id: number;
  /** space.encode(genotype), e.g. the NB201 string. */
  readonly arch: string;
  readonly hash: string;
  readonly metrics: Readonly<Record<string, number>>;
  /** null when infeasible (objective -Infinity). */
  readonly objective: number | null;
  readonly feasible: boolean;
  /** Lineage: ids of the earlier candidates this one was made from (Candidate.parents); absent: none recorded. */
  readonly parents?: readonly number[];
  /** Set when the candidate failed (diverged or crashed): why. It is logged infeasible (objective null), never best. */
  readonly error?: string;
}

export interface RunLogEntry extends LoggedCandidate {
  /** Cumulative simulated time (s) after this candidate. */
  readonly simulated_time: number;
  /** Best objective so far including this one; null while no candidate is feasible. */
  readonly best_so_far: number | null;
  /** id of the entry holding best_so_far (earliest on ties). */
  readonly best_id: number | null;
}

// The budget and the Pareto axes are part of the run config (plain data, shared layer).
export type { ParetoSpec, SearchBudget };

export type StopReason = 'budget' | 'exhausted' | 'aborted';

export interface SearchResult {
  readonly stopReason: StopReason;
  readonly log: readonly RunLogEntry[];
  /** Entry with the best objective (earliest on ties); null if none is feasible. */
  readonly best: RunLogEntry | null;
  readonly queries: number;
  readonly simulatedTime: number;
  /** Non-dominated entries (accuracy max, cost min) by ascending cost; empty without `pareto`. */
  readonly pareto: readonly RunLogEntry[];
}

export type SearchEvent =
  /** A candidate was proposed and its evaluation starts. */
  | { readonly type: 'start'; readonly id: number; readonly arch: string }
  | { readonly type: 'candidate'; readonly entry: RunLogEntry; readonly onFront: boolean }
  | {
      readonly type: 'progress';
      readonly queries: number;
      readonly simulatedTime: number;
      /** Share of the budget spent, 0..1 (the larger of queries and time). */
      readonly fraction: number;
      readonly bestSoFar: number | null;
    }
  | {
      readonly type: 'done';
      readonly reason: StopReason | 'failed';
      readonly queries: number;
      readonly simulatedTime: number;
      readonly best: RunLogEntry | null;
      readonly error?: string;
    };

/**
 * What the core asks its host to store: after every k-th candidate (`entry` and `candidate` set, `stop` null)
 * and once when the run stops (`stop` set). The host awaits its write before the core goes on, so a stored
 * candidate always has the checkpoint taken right after it.
 */
export interface SavePoint<G> {
  readonly checkpoint: SearchCheckpoint;
  readonly entry: RunLogEntry | null;
  readonly candidate: Candidate<G> | null;
  readonly stop: StopReason | 'failed' | null;
  /** The failure's message when stop is 'failed'. */
  readonly error?: string;
}

export interface SearchSetup<G> {
  readonly space: SearchSpace<G>;
  readonly strategy: Strategy<G>;
  readonly budget: SearchBudget;
  /** Default: maximise valid_acc. */
  readonly objective?: ObjectiveSpec;
  /** Metric holding each evaluation's (simulated) cost in seconds (default train_time_s; 0 when absent). */
  readonly timeMetric?: string;
  readonly pareto?: ParetoSpec;
  /**
   * Continue a run from a checkpoint (the strategy must be freshly built with the same options). A checkpoint
   * saved without its log (checkpointLog: false) needs the host's stored candidates as `log`.
   */
  readonly resumeFrom?: SearchCheckpoint;
  readonly onEvent?: (e: SearchEvent) => void;
  /** Save a checkpoint after every k-th logged candidate (0 or absent: only when stopping). */
  readonly checkpointEvery?: number;
  /** Whether checkpoints carry the run log (default true; a host that stores candidates itself passes false). */
  readonly checkpointLog?: boolean;
  /** Status the strategy takes when the abort signal stops the run (default 'interrupted'). */
  readonly abortAs?: 'interrupted' | 'paused';
}

export interface AsyncSearchSetup<G> extends SearchSetup<G> {
  readonly evaluator: Evaluator<G>;
  readonly signal?: AbortSignalLike;
  /** The save hook: awaited before the loop goes on. */
  readonly save?: (p: SavePoint<G>) => void | Promise<void>;
}

export interface SyncSearchSetup<G> extends SearchSetup<G> {
  readonly evaluator: SyncEvaluator<G>;
  readonly save?: (p: SavePoint<G>) => void;
}

/** Bad budget, checkpoint or setup. */
export class SearchSetupError extends Error {
  override readonly name = 'SearchSetupError';
}
