/**
 * The strategy contract (after microsoft/nni's strategy API): ask for a candidate, tell its result.
 * The search loop owns the budget and the evaluator; a strategy only proposes and learns.
 * stateDict()/loadStateDict() make a run resumable from a checkpoint: a strategy restored from its
 * state dict proposes exactly what the uninterrupted one would have.
 *
 * Status (explicit, saved in the state dict; the one-shot searchers in ../oneshot/ share it):
 *
 *   running --pause()------> paused        --resume()--> running
 *   running|paused --interrupt()--> interrupted --resume()--> running
 *   running|paused|interrupted --finish()--> done (cause 'budget': the loop's budget is spent; resume() reopens it)
 *   ask() finds nothing more to propose --> done (cause 'exhausted': final)
 *   any but failed --fail(msg)--> failed (cause 'external', e.g. the evaluator threw; resume() retries)
 *   propose()/learn() throws --> failed (cause 'internal': the strategy's own state is suspect; final)
 *
 * ask() works only while running (it throws StrategyStatusError otherwise); tell() is accepted in every
 * status but an internal failure, so results of candidates in flight are never lost.
 */
import { SEARCH_STATUSES, STATUS_TRANSITIONS, STOP_CAUSES, type SearchStatus, type StopCause } from '../../shared/status';

// The status vocabulary is plain data in the shared layer (the app's run lists read it too).
export { SEARCH_STATUSES, STATUS_TRANSITIONS, STOP_CAUSES, type SearchStatus, type StopCause };
/** The status of a black-box strategy: the one vocabulary (status.ts holds its machine). */
export type StrategyStatus = SearchStatus;

export interface Candidate<G> {
  /** 0-based order of proposal within the run. */
  readonly id: number;
  readonly genotype: G;
  /** Canonical hash from the search space. */
  readonly hash: string;
  /**
   * Numbers the strategy already knows about the candidate when it proposes it (e.g. its zero-cost
   * proxy score `zc_synflow` from a warm start); the search loop merges them into the logged metrics.
   */
  readonly metrics?: Readonly<Record<string, number>>;
  /**
   * Lineage: ids of the earlier candidates this one was made from (evolution: the mutated tournament winner,
   * or both crossover parents; local search: the incumbent whose neighbour it is). Absent or empty for a
   * sample drawn from scratch (random, REINFORCE, a restart, a warm start).
   */
  readonly parents?: readonly number[];
}

export interface EvalResult {
  /** Scalar to maximise (e.g. validation accuracy, or accuracy - lambda * cost). */
  readonly objective: number;
  /** Everything measured: valid_acc, params, flops, latency_ms, ... */
  readonly metrics: Readonly<Record<string, number>>;
}

/** JSON-serialisable state; `version` lets a stored checkpoint be migrated. */
export interface StrategyState {
  readonly strategy: string;
  readonly version: number;
  readonly [key: string]: unknown;
}

export interface Strategy<G> {
  readonly name: string;
  readonly status: StrategyStatus;
  /** Why the strategy is done or failed (null while running, paused or interrupted). */
  readonly stopCause: StopCause | null;
  /** The failure message (status 'failed'), else null. */
  readonly failure: string | null;
  /** Next candidate to evaluate, or null when the strategy has nothing (more) to propose (it is then done). */
  ask(): Candidate<G> | null;
  tell(candidate: Candidate<G>, result: EvalResult): void;
  pause(): void;
  interrupt(): void;
  /** paused | interrupted | done (budget) | failed (external) -> running. */
  resume(): void;
  /** Whether resume() is legal now. */
  canResume(): boolean;
  /** The budget is spent: -> done (cause 'budget'). */
  finish(): void;
  /** Something outside the strategy failed (e.g. the evaluator): -> failed (cause 'external'). */
  fail(message: string): void;
  stateDict(): StrategyState;
  loadStateDict(state: StrategyState): void;
}
