/**
 * The black-box search loop: ask the strategy, evaluate, turn metrics into the objective
 * (strategy/objective.ts), tell the strategy, record a run log — until a budget of queries or of
 * simulated time (the sum of each result's `timeMetric`, e.g. a tabular benchmark's train_time_s) is
 * spent, or the strategy has nothing more to propose.
 *
 * The run log is plain JSON: one entry per evaluated candidate, in evaluation order. JSON has no
 * -Infinity, so an infeasible candidate's objective is logged as null (with feasible: false).
 *
 * runSearch (async) takes an AbortSignal, reports a typed event stream, and saves checkpoints
 * {strategy stateDict, log} every k candidates and once more when it stops (budget, exhausted,
 * aborted or failed). Resuming from a checkpoint continues the same trajectory: nothing evaluated
 * before the checkpoint is evaluated again, and a candidate that was in flight when the run stopped
 * is handed out again by the restored strategy. runSearchSync is the same loop for synchronous
 * evaluators (table lookups) — handy for many-seed benchmarks.
 *
 * The loop drives the strategy's explicit status (strategy/types.ts): budget spent -> finish() (done),
 * abort signal -> interrupt() (or pause(), with abortAs: 'paused'), evaluator error -> fail(message),
 * and a checkpoint saved in any of those states is resumed (resume()) when a run continues from it.
 * Numbers a strategy attaches to a candidate (a warm start's zc_<proxy> score) are logged as metrics.
 */
import type { SearchSpace } from '../space/types';
import type { Candidate, Strategy, StrategyState } from '../strategy/types';
import { computeObjective, DEFAULT_OBJECTIVE, type ObjectiveSpec } from '../strategy/objective';
import { ParetoFront } from '../util/pareto';
import { isAbortError, type AbortSignalLike, type Evaluator, type SyncEvaluator } from '../evaluator/types';

export const CHECKPOINT_VERSION = 1;

export interface RunLogEntry {
  /** Candidate id (0-based order of proposal). */
  readonly id: number;
  /** space.encode(genotype), e.g. the NB201 string. */
  readonly arch: string;
  readonly hash: string;
  readonly metrics: Readonly<Record<string, number>>;
  /** null when infeasible (objective -Infinity). */
  readonly objective: number | null;
  readonly feasible: boolean;
  /** Cumulative simulated time (s) after this candidate. */
  readonly simulated_time: number;
  /** Best objective so far including this one; null while no candidate is feasible. */
  readonly best_so_far: number | null;
  /** id of the entry holding best_so_far (earliest on ties). */
  readonly best_id: number | null;
}

export interface SearchBudget {
  /** Stop after this many evaluations. */
  readonly queries?: number;
  /** Stop once the simulated time reaches this many seconds (the candidate that crosses it counts). */
  readonly simulatedSeconds?: number;
}

export interface ParetoSpec {
  /** Metric to maximise, e.g. valid_acc. */
  readonly accuracy: string;
  /** Metric to minimise, e.g. pixel3_ms or mflops. */
  readonly cost: string;
}

export interface SearchCheckpoint {
  readonly version: number;
  readonly strategy: StrategyState;
  readonly log: readonly RunLogEntry[];
}

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

export interface SearchSetup<G> {
  readonly space: SearchSpace<G>;
  readonly strategy: Strategy<G>;
  readonly budget: SearchBudget;
  /** Default: maximise valid_acc. */
  readonly objective?: ObjectiveSpec;
  /** Metric holding each evaluation's (simulated) cost in seconds (default train_time_s; 0 when absent). */
  readonly timeMetric?: string;
  readonly pareto?: ParetoSpec;
  /** Continue a run from a checkpoint (the strategy must be freshly built with the same options). */
  readonly resumeFrom?: SearchCheckpoint;
  readonly onEvent?: (e: SearchEvent) => void;
  /** Save a checkpoint after every k-th logged candidate (0 or absent: only when stopping). */
  readonly checkpointEvery?: number;
  /** Status the strategy takes when the abort signal stops the run (default 'interrupted'). */
  readonly abortAs?: 'interrupted' | 'paused';
}

export interface AsyncSearchSetup<G> extends SearchSetup<G> {
  readonly evaluator: Evaluator<G>;
  readonly signal?: AbortSignalLike;
  /** Awaited before the loop goes on, so a checkpoint is stored before the next evaluation starts. */
  readonly onCheckpoint?: (cp: SearchCheckpoint) => void | Promise<void>;
}

export interface SyncSearchSetup<G> extends SearchSetup<G> {
  readonly evaluator: SyncEvaluator<G>;
  readonly onCheckpoint?: (cp: SearchCheckpoint) => void;
}

/** Bad budget, checkpoint or setup. */
export class SearchSetupError extends Error {
  override readonly name = 'SearchSetupError';
}

function validateBudget(b: SearchBudget): void {
  if (b.queries === undefined && b.simulatedSeconds === undefined) throw new SearchSetupError('budget needs "queries" or "simulatedSeconds"');
  if (b.queries !== undefined && !(Number.isInteger(b.queries) && b.queries >= 0)) throw new SearchSetupError(`budget.queries must be an integer >= 0, got ${b.queries}`);
  if (b.simulatedSeconds !== undefined && !(b.simulatedSeconds >= 0 && Number.isFinite(b.simulatedSeconds))) {
    throw new SearchSetupError(`budget.simulatedSeconds must be a finite number >= 0, got ${b.simulatedSeconds}`);
  }
}

function validateCheckpoint(cp: SearchCheckpoint): void {
  if (typeof cp !== 'object' || cp === null) throw new SearchSetupError('checkpoint must be an object');
  if (cp.version !== CHECKPOINT_VERSION) throw new SearchSetupError(`checkpoint version ${String(cp.version)} is not supported (expected ${CHECKPOINT_VERSION})`);
  if (typeof cp.strategy !== 'object' || cp.strategy === null) throw new SearchSetupError('checkpoint.strategy must be a strategy state dict');
  if (!Array.isArray(cp.log)) throw new SearchSetupError('checkpoint.log must be an array');
  const ids = new Set<number>();
  cp.log.forEach((e, i) => {
    const ok = typeof e === 'object' && e !== null && Number.isInteger(e.id) && typeof e.arch === 'string' && typeof e.hash === 'string' &&
      typeof e.metrics === 'object' && e.metrics !== null && (e.objective === null || typeof e.objective === 'number') &&
      typeof e.simulated_time === 'number';
    if (!ok) throw new SearchSetupError(`checkpoint.log[${i}] is not a run log entry`);
    if (ids.has(e.id)) throw new SearchSetupError(`checkpoint.log[${i}]: candidate id ${e.id} appears twice`);
    ids.add(e.id);
  });
}

/** Loop state shared by the async and sync runners. */
class SearchRun<G> {
  readonly log: RunLogEntry[] = [];
  private readonly objective: ObjectiveSpec;
  private readonly timeMetric: string;
  private readonly front: ParetoFront<RunLogEntry> | null;
  private best: RunLogEntry | null = null;
  private time = 0;
  private readonly loggedIds = new Set<number>();

  constructor(private readonly s: SearchSetup<G>) {
    validateBudget(s.budget);
    if (s.checkpointEvery !== undefined && !(Number.isInteger(s.checkpointEvery) && s.checkpointEvery >= 0)) {
      throw new SearchSetupError(`checkpointEvery must be an integer >= 0, got ${s.checkpointEvery}`);
    }
    this.objective = s.objective ?? DEFAULT_OBJECTIVE;
    this.timeMetric = s.timeMetric ?? 'train_time_s';
    this.front = s.pareto ? new ParetoFront<RunLogEntry>() : null;
    if (s.resumeFrom) {
      validateCheckpoint(s.resumeFrom);
      s.strategy.loadStateDict(s.resumeFrom.strategy);
    }
    // Running the loop on a paused, interrupted, budget-done or externally failed strategy resumes it.
    const st = s.strategy;
    if (st.status !== 'running' && st.canResume()) st.resume();
    else if (st.status === 'failed') {
      throw new SearchSetupError(`${s.resumeFrom ? 'checkpoint: ' : ''}the strategy failed inside itself (${st.failure ?? 'unknown error'}) and cannot be resumed`);
    }
    if (s.resumeFrom) for (const e of s.resumeFrom.log) this.append(e);
  }

  /** Budget spent: the strategy is done (cause 'budget'). */
  finishStrategy(): void {
    const st = this.s.strategy;
    if (st.status === 'running' || st.status === 'paused' || st.status === 'interrupted') st.finish();
  }

  /** Aborted: the strategy is interrupted (or paused, with abortAs). */
  interruptStrategy(): void {
    const st = this.s.strategy;
    if (this.s.abortAs === 'paused') {
      if (st.status === 'running') st.pause();
    } else if (st.status === 'running' || st.status === 'paused') st.interrupt();
  }

  /** Something outside the strategy threw: the strategy failed (unless it already has, by itself). */
  failStrategy(e: unknown): void {
    const st = this.s.strategy;
    if (st.status !== 'failed') st.fail(e instanceof Error ? e.message : String(e));
  }

  private append(e: RunLogEntry): boolean {
    this.log.push(e);
    this.loggedIds.add(e.id);
    this.time = e.simulated_time;
    const obj = e.objective ?? -Infinity;
    if (obj > -Infinity && (this.best === null || obj > (this.best.objective ?? -Infinity))) this.best = e;
    if (!this.front || !this.s.pareto) return false;
    const acc = e.metrics[this.s.pareto.accuracy];
    const cost = e.metrics[this.s.pareto.cost];
    if (typeof acc !== 'number' || typeof cost !== 'number') {
      throw new SearchSetupError(`pareto: candidate ${e.id} lacks metric "${typeof acc !== 'number' ? this.s.pareto.accuracy : this.s.pareto.cost}" (metrics: ${Object.keys(e.metrics).join(', ')})`);
    }
    return this.front.add(e, acc, cost);
  }

  stopReason(): StopReason | null {
    const { queries, simulatedSeconds } = this.s.budget;
    if (queries !== undefined && this.log.length >= queries) return 'budget';
    if (simulatedSeconds !== undefined && this.time >= simulatedSeconds) return 'budget';
    return null;
  }

  ask(): Candidate<G> | null {
    // A strategy restored done (its space exhausted) has nothing more to propose.
    if (this.s.strategy.status === 'done') return null;
    const c = this.s.strategy.ask();
    if (c && this.loggedIds.has(c.id)) throw new SearchSetupError(`strategy proposed candidate id ${c.id} again, which is already in the log`);
    return c;
  }

  /** Objective, tell, log, events; returns whether a periodic checkpoint is due. */
  record(c: Candidate<G>, metrics: Record<string, number>): boolean {
    const m = { ...(c.metrics ?? {}), ...metrics };
    const { objective, feasible } = computeObjective(this.objective, m);
    let cost = m[this.timeMetric];
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
      if (this.s.budget.simulatedSeconds !== undefined) {
        throw new SearchSetupError(`simulated-time budget: candidate ${c.id} has no valid "${this.timeMetric}" metric (got ${String(cost)})`);
      }
      cost = 0;
    }
    this.s.strategy.tell(c, { objective, metrics: m });
    const prevBest = this.best;
    const better = objective > -Infinity && (prevBest === null || objective > (prevBest.objective ?? -Infinity));
    const entry: RunLogEntry = {
      id: c.id,
      arch: this.s.space.encode(c.genotype),
      hash: c.hash,
      metrics: m,
      objective: objective === -Infinity ? null : objective,
      feasible,
      simulated_time: this.time + cost,
      best_so_far: better ? objective : prevBest ? prevBest.objective : null,
      best_id: better ? c.id : prevBest ? prevBest.id : null,
    };
    const onFront = this.append(entry);
    this.s.onEvent?.({ type: 'candidate', entry, onFront });
    this.s.onEvent?.({ type: 'progress', queries: this.log.length, simulatedTime: this.time, fraction: this.fraction(), bestSoFar: entry.best_so_far });
    const k = this.s.checkpointEvery ?? 0;
    return k > 0 && this.log.length % k === 0;
  }

  private fraction(): number {
    const { queries, simulatedSeconds } = this.s.budget;
    let f = 0;
    if (queries !== undefined) f = Math.max(f, queries === 0 ? 1 : this.log.length / queries);
    if (simulatedSeconds !== undefined) f = Math.max(f, simulatedSeconds === 0 ? 1 : this.time / simulatedSeconds);
    return Math.min(1, f);
  }

  checkpoint(): SearchCheckpoint {
    return { version: CHECKPOINT_VERSION, strategy: this.s.strategy.stateDict(), log: this.log.slice() };
  }

  done(reason: StopReason | 'failed', error?: unknown): void {
    this.s.onEvent?.({
      type: 'done',
      reason,
      queries: this.log.length,
      simulatedTime: this.time,
      best: this.best,
      ...(error !== undefined ? { error: error instanceof Error ? error.message : String(error) } : {}),
    });
  }

  result(stopReason: StopReason): SearchResult {
    return {
      stopReason,
      log: this.log,
      best: this.best,
      queries: this.log.length,
      simulatedTime: this.time,
      pareto: this.front ? this.front.items() : [],
    };
  }
}

export async function runSearch<G>(setup: AsyncSearchSetup<G>): Promise<SearchResult> {
  const run = new SearchRun(setup);
  const { evaluator, signal, onCheckpoint } = setup;
  let reason: StopReason;
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
      let metrics: Record<string, number>;
      try {
        metrics = await evaluator.evaluate(c, signal);
      } catch (e) {
        if (isAbortError(e, signal)) {
          reason = 'aborted';
          run.interruptStrategy();
          break;
        }
        throw e;
      }
      if (run.record(c, metrics) && onCheckpoint) await onCheckpoint(run.checkpoint());
    }
  } catch (e) {
    run.failStrategy(e);
    if (onCheckpoint) {
      try {
        await onCheckpoint(run.checkpoint());
      } catch {
        // the original error matters more
      }
    }
    run.done('failed', e);
    throw e;
  }
  if (onCheckpoint) await onCheckpoint(run.checkpoint());
  run.done(reason);
  return run.result(reason);
}

export function runSearchSync<G>(setup: SyncSearchSetup<G>): SearchResult {
  const run = new SearchRun(setup);
  const { evaluator, onCheckpoint } = setup;
  let reason: StopReason;
  try {
    for (;;) {
      const r = run.stopReason();
      if (r) {
        reason = r;
        run.finishStrategy();
        break;
      }
      const c = run.ask();
      if (c === null) {
        reason = 'exhausted';
        break;
      }
      if (run.record(c, evaluator.evaluateSync(c)) && onCheckpoint) onCheckpoint(run.checkpoint());
    }
  } catch (e) {
    run.failStrategy(e);
    if (onCheckpoint) {
      try {
        onCheckpoint(run.checkpoint());
      } catch {
        // the original error matters more
      }
    }
    run.done('failed', e);
    throw e;
  }
  onCheckpoint?.(run.checkpoint());
  run.done(reason);
  return run.result(reason);
}
