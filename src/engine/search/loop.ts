/**
 * The black-box search core: ask the strategy, evaluate, turn metrics into the objective
 * (strategy/objective.ts), tell the strategy, log — until a budget of queries or of simulated time (the sum
 * of each result's `timeMetric`, e.g. a tabular benchmark's train_time_s) is spent, or the strategy has
 * nothing more to propose. Storage-free: hosts (the search worker with IndexedDB, the headless runner with
 * files, the Benchmark lab) get events and a save hook.
 *
 * The loop body is written once, as a step machine (`searchSteps`) that yields what it needs from outside —
 * an evaluation or a save — and is driven by `runSearch` (awaits each step: any evaluator, async save hook,
 * AbortSignal) or `runSearchSync` (a table lookup, for many-seed benchmarks that must not await).
 *
 * Each evaluation gets the best objective logged so far (EvaluationContext), which a training evaluator may use to
 * stop a hopeless candidate early (evaluator/curve-stop.ts); it follows from the log, so a resumed run passes the
 * same value as an uninterrupted one.
 *
 * Saves: a checkpoint (checkpoint.ts) after every k-th candidate and once more when the run stops (budget,
 * exhausted, aborted or failed). Resuming from a checkpoint continues the same trajectory: nothing logged
 * before it is evaluated again, and a candidate in flight when the run stopped is proposed again by the
 * restored strategy. JSON has no -Infinity, so an infeasible candidate's objective is logged as null.
 *
 * The loop drives the strategy's explicit status (strategy/types.ts): budget spent -> finish() (done),
 * abort signal -> interrupt() (or pause(), with abortAs: 'paused'), too many failed candidates -> fail(message),
 * and a checkpoint saved in any of those states is resumed (resume()) when a run continues from it.
 * A candidate whose evaluation throws (a DivergedError, a crash) is logged as failed — infeasible, with its reason —
 * and the search goes on; MAX_FAILED_IN_A_ROW failures in a row fail the run.
 */
import type { Candidate } from '../strategy/types';
import { isAbortError, type AbortSignalLike, type EvaluationContext } from '../evaluator/types';
import { errorMessage, SearchRun } from './search-run';
import type { AsyncSearchSetup, RunLogEntry, SavePoint, SearchResult, StopReason, SyncSearchSetup } from './types';

export * from './types';
export { CHECKPOINT_VERSION, migrateSearchCheckpoint, type SearchCheckpoint } from './checkpoint';

/** Consecutive failed candidates after which the run itself fails. */
export const MAX_FAILED_IN_A_ROW = 3;

export class CandidatesFailingError extends Error {
  override readonly name = 'CandidatesFailingError';
  constructor(readonly count: number, readonly last: unknown) {
    super(`${count} candidates in a row failed, so the run stopped (check the learning rate, the backend and the data); the last: ${errorMessage(last)}`);
  }
}

/** What the loop needs from its driver: metrics for a candidate, or a save. */
type Step<G> =
  | { readonly kind: 'evaluate'; readonly candidate: Candidate<G>; readonly context: EvaluationContext }
  | { readonly kind: 'save'; readonly point: SavePoint<G> };

/** A candidate's save failed: the host holds the state before it (`saved` candidates). */
export class CandidateSaveError extends Error {
  override readonly name = 'CandidateSaveError';
  constructor(readonly candidateId: number, override readonly cause: unknown) {
    super(`saving candidate ${candidateId} failed (${errorMessage(cause)}); the run stays at its last saved state and continues from there on resume`);
  }
}

function* saveCandidate<G>(run: SearchRun<G>, entry: RunLogEntry, c: Candidate<G>): Generator<Step<G>, void, Record<string, number> | undefined> {
  try {
    yield { kind: 'save', point: { checkpoint: run.checkpoint(), entry, candidate: c, stop: null } };
  } catch (e) {
    throw new CandidateSaveError(entry.id, e);
  }
}

/** The one loop body. The driver answers an 'evaluate' step with the metrics (or throws the evaluator's error into it). */
function* searchSteps<G>(run: SearchRun<G>, signal: AbortSignalLike | undefined): Generator<Step<G>, SearchResult, Record<string, number> | undefined> {
  let reason: StopReason;
  let failedInARow = 0;
  try {
    for (;;) {
      const r = run.stopReason();
      if (r) {
        reason = r;
        run.finishStrategy();
        break;
      }
      if (signal?.aborted) {
        reason = 'aborted';
        run.interruptStrategy();
        break;
      }
      const c = run.ask();
      if (c === null) {
        reason = 'exhausted';
        break;
      }
      let metrics: Record<string, number> | undefined;
      let entry: RunLogEntry;
      try {
        metrics = yield { kind: 'evaluate', candidate: c, context: { bestObjective: run.bestObjective() } };
      } catch (e) {
        if (isAbortError(e, signal)) {
          reason = 'aborted';
          run.interruptStrategy();
          break;
        }
        // One candidate that diverges or crashes is that candidate's result; several in a row are the run's problem
        // (the backend, the data, the settings), and the run fails instead of spending its budget on them.
        failedInARow++;
        entry = run.recordFailure(c, e);
        const giveUp = failedInARow >= MAX_FAILED_IN_A_ROW;
        // The last straw is saved too, so a resume does not propose it again.
        if (run.checkpointDue() || giveUp) yield* saveCandidate(run, entry, c);
        if (giveUp) throw new CandidatesFailingError(failedInARow, e);
        continue;
      }
      failedInARow = 0;
      entry = run.record(c, metrics ?? {});
      if (run.checkpointDue()) yield* saveCandidate(run, entry, c);
    }
  } catch (e) {
    run.failStrategy(e);
    // After a failed candidate save the stored state is the last complete one; writing a checkpoint past it would
    // skip the candidate that was never stored.
    if (!(e instanceof CandidateSaveError)) {
      try {
        yield { kind: 'save', point: { checkpoint: run.checkpoint(), entry: null, candidate: null, stop: 'failed', error: errorMessage(e) } };
      } catch {
        // the original error matters more
      }
    }
    run.done('failed', e);
    throw e;
  }
  yield { kind: 'save', point: { checkpoint: run.checkpoint(), entry: null, candidate: null, stop: reason } };
  run.done(reason);
  return run.result(reason);
}

/** Runs a search with any evaluator; each evaluation and save is awaited before the loop goes on. */
export async function runSearch<G>(setup: AsyncSearchSetup<G>): Promise<SearchResult> {
  const steps = searchSteps(new SearchRun(setup), setup.signal);
  let next = steps.next();
  while (!next.done) {
    const step = next.value;
    let answer: Record<string, number> | undefined;
    try {
      if (step.kind === 'evaluate') answer = await setup.evaluator.evaluate(step.candidate, setup.signal, step.context);
      else await setup.save?.(step.point);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}

/** The same loop for synchronous evaluators (table lookups): never awaits. */
export function runSearchSync<G>(setup: SyncSearchSetup<G>): SearchResult {
  const steps = searchSteps(new SearchRun(setup), undefined);
  let next = steps.next();
  while (!next.done) {
    const step = next.value;
    let answer: Record<string, number> | undefined;
    try {
      if (step.kind === 'evaluate') answer = setup.evaluator.evaluateSync(step.candidate);
      else setup.save?.(step.point);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}
