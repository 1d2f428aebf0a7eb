/**
 * The evaluator contract: turn a candidate into measured metrics (valid_acc, test_acc, train_time_s,
 * params, flops, latency_ms, ...). The search loop turns metrics into the objective (strategy/objective.ts);
 * an evaluator only measures. Implementations: tabular lookup (tabular.ts), training (train-evaluator.ts).
 */
import type { Candidate } from '../strategy/types';
import type { AbortSignalLike } from '../util/abort';

export type { AbortSignalLike } from '../util/abort';

/** What the search knows when it asks for a candidate's metrics (search/loop.ts passes it with each evaluation). */
export interface EvaluationContext {
  /** The best objective among the candidates logged so far; null while none is feasible. */
  readonly bestObjective: number | null;
}

export interface Evaluator<G> {
  /**
   * Resolves to the candidate's metrics; rejects (with an AbortError) when the signal is aborted. `context` lets an
   * evaluator stop a hopeless candidate early (train-evaluator.ts); evaluators that measure everything ignore it.
   */
  evaluate(c: Candidate<G>, signal?: AbortSignalLike, context?: EvaluationContext): Promise<Record<string, number>>;
}

/** An evaluator that can also answer synchronously (a table lookup), for the synchronous loop. */
export interface SyncEvaluator<G> extends Evaluator<G> {
  evaluateSync(c: Candidate<G>): Record<string, number>;
}

/** Whether an evaluation failed because it was aborted: the signal fired, or it threw an AbortError. */
export function isAbortError(e: unknown, signal?: AbortSignalLike): boolean {
  return signal?.aborted === true || (e instanceof Error && e.name === 'AbortError');
}
