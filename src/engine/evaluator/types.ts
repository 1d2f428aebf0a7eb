/**
 * The evaluator contract: turn a candidate into measured metrics (valid_acc, test_acc, train_time_s,
 * params, flops, latency_ms, ...). The search loop turns metrics into the objective (strategy/objective.ts);
 * an evaluator only measures. Implementations: tabular lookup (tabular.ts), training (to come).
 */
import type { Candidate } from '../strategy/types';

/**
 * The part of the DOM/Node `AbortSignal` the engine uses. The engine is compiled without DOM or Node
 * types, so it names this structural subset; a real AbortSignal is assignable to it.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface Evaluator<G> {
  /** Resolves to the candidate's metrics; rejects (with the signal's reason or an AbortError) when aborted. */
  evaluate(c: Candidate<G>, signal?: AbortSignalLike): Promise<Record<string, number>>;
}

/** An evaluator that can also answer synchronously (a table lookup), for the synchronous loop. */
export interface SyncEvaluator<G> extends Evaluator<G> {
  evaluateSync(c: Candidate<G>): Record<string, number>;
}

export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'The operation was aborted') {
    super(message);
  }
}

/** Throws the signal's reason (or an AbortError) when it is aborted. */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new AbortError();
}

export function isAbortError(e: unknown, signal?: AbortSignalLike): boolean {
  return (signal?.aborted === true && (e === signal.reason || signal.reason === undefined)) || (e instanceof Error && e.name === 'AbortError');
}
