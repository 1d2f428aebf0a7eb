/**
 * The strategy contract (after microsoft/nni's strategy API): ask for a candidate, tell its result.
 * The search loop owns the budget and the evaluator; a strategy only proposes and learns.
 * stateDict()/loadStateDict() make a run resumable from a checkpoint: a strategy restored from its
 * state dict proposes exactly what the uninterrupted one would have.
 */
export type StrategyStatus = 'running' | 'paused' | 'interrupted' | 'done' | 'failed';

export interface Candidate<G> {
  /** 0-based order of proposal within the run. */
  readonly id: number;
  readonly genotype: G;
  /** Canonical hash from the search space. */
  readonly hash: string;
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
  /** Next candidate to evaluate, or null when the strategy has nothing (more) to propose. */
  ask(): Candidate<G> | null;
  tell(candidate: Candidate<G>, result: EvalResult): void;
  stateDict(): StrategyState;
  loadStateDict(state: StrategyState): void;
}
