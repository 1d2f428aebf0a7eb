/**
 * The evaluator contract: turn a candidate into measured metrics (valid_acc, test_acc, train_time_s,
 * params, flops, latency_ms, ...). The search loop turns metrics into the objective (strategy/objective.ts);
 * an evaluator only measures. Implementations: tabular lookup (tabular.ts), training (train-evaluator.ts).
 */
import type { Candidate } from '../strategy/types';
import type { AbortSignalLike } from '../util/abort';

export type { AbortSignalLike } from '../util/abort';

export interface Evaluator<G> {
  /** Resolves to the candidate's metrics; rejects (with an AbortError) when the signal is aborted. */
  evaluate(c: Candidate<G>, signal?: AbortSignalLike): Promise<Record<string, number>>;
}

/** An evaluator that can also answer synchronously (a table lookup), for the synchronous loop. */
export interface SyncEvaluator<G> extends Evaluator<G> {
  evaluateSync(c: Candidate<G>): Record<string, number>;
}

/** Whether an evaluation failed because it was aborted: the signal fired, or it threw an AbortError. */
export function isAbortError(e: unknown, signal?: AbortSignalLike): boolean {
  return signal?.aborted === true || (e instanceof Error && e.name === 'AbortError');
}
