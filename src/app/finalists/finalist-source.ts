/**
 * What the Finalists panel needs to know about the run it re-trains, whichever tab shows it: a Search-tab run
 * (top k by objective, its Pareto front) or a One-shot-tab run (its selected architectures first, re-trained on the
 * supernet's skeleton). One panel, parameterised by this plain descriptor.
 */
import type { BackendChoice } from '../../protocol/backend';
import type { FinalistSourceKind } from '../../protocol/finalists-api';
import type { OneShotRunRecord } from '../../protocol/oneshot-api';
import type { RunRecord } from '../../protocol/run';

export interface FinalistSource {
  readonly kind: FinalistSourceKind;
  readonly runId: string;
  readonly name: string;
  /** The run is still training (its finalists wait until it is stopped or finished). */
  readonly running: boolean;
  /** Candidates there are to pick from (0: nothing to re-train yet). */
  readonly candidates: number;
  /** Accuracy-vs-cost axes of a Search-tab run with a Pareto front. */
  readonly pareto: { readonly accuracy: string; readonly cost: string } | null;
  readonly backend: BackendChoice;
  /** How the top k are chosen, for the panel's hint. */
  readonly picks: string;
}

/** `running`: a worker trains the run now, in this tab or another (a stored 'running' run whose tab was closed is not). */
export function searchSource(run: RunRecord | null, running: boolean): FinalistSource | null {
  if (!run) return null;
  return {
    kind: 'search', runId: run.id, name: run.config.name, running, candidates: run.completed,
    pareto: run.config.pareto ?? null, backend: run.config.evaluator.backend, picks: 'the best candidates by objective',
  };
}

export function oneShotSource(run: OneShotRunRecord | null, running: boolean): FinalistSource | null {
  if (!run) return null;
  return {
    kind: 'oneshot', runId: run.id, name: run.config.name, running, candidates: run.candidates.length,
    pareto: null, backend: run.config.backend,
    picks: run.config.method === 'spos'
      ? 'the top-ranked subnets (the run\'s top k first) as standalone networks on the supernet\'s skeleton'
      : 'the derived cells (the final one first) as standalone networks on the supernet\'s skeleton',
  };
}
