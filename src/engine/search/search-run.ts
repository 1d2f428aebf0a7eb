/**
 * The state of one black-box search run, shared by every way of driving it (loop.ts): budget, objective,
 * best entry, simulated time, Pareto front, the strategy's status transitions, events and checkpoints.
 */
import type { Candidate } from '../strategy/types';
import { computeObjective, DEFAULT_OBJECTIVE, type ObjectiveSpec } from '../strategy/objective';
import { ParetoFront } from '../util/pareto';
import { CHECKPOINT_VERSION, migrateSearchCheckpoint, validateLog, type SearchCheckpoint } from './checkpoint';
import { SearchSetupError, type LoggedCandidate, type RunLogEntry, type SearchBudget, type SearchResult, type SearchSetup, type StopReason } from './types';

function validateBudget(b: SearchBudget): void {
  if (b.queries === undefined && b.simulatedSeconds === undefined) throw new SearchSetupError('budget needs "queries" or "simulatedSeconds"');
  if (b.queries !== undefined && !(Number.isInteger(b.queries) && b.queries >= 0)) throw new SearchSetupError(`budget.queries must be an integer >= 0, got ${b.queries}`);
  if (b.simulatedSeconds !== undefined && !(b.simulatedSeconds >= 0 && Number.isFinite(b.simulatedSeconds))) {
    throw new SearchSetupError(`budget.simulatedSeconds must be a finite number >= 0, got ${b.simulatedSeconds}`);
  }
}

export class SearchRun<G> {
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
    let resumed: SearchCheckpoint | null = null;
    if (s.resumeFrom) {
      resumed = migrateSearchCheckpoint(s.resumeFrom);
      if (!resumed.log) throw new SearchSetupError('checkpoint: a checkpoint saved without its log needs the stored candidates as its log');
      validateLog(resumed.log, resumed.nextId, 'checkpoint.log');
      s.strategy.loadStateDict(resumed.strategy);
    }
    // Running the loop on a paused, interrupted, budget-done or externally failed strategy resumes it.
    const st = s.strategy;
    if (st.status !== 'running' && st.canResume()) st.resume();
    else if (st.status === 'failed') {
      throw new SearchSetupError(`${s.resumeFrom ? 'checkpoint: ' : ''}the strategy failed inside itself (${st.failure ?? 'unknown error'}) and cannot be resumed`);
    }
    if (resumed?.log) for (const e of resumed.log) this.append(e);
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

  /** The candidate's cost in simulated seconds (0 without a valid time metric, unless the budget is simulated time). */
  private cost(id: number, m: Readonly<Record<string, number>>): number {
    const cost = m[this.timeMetric];
    if (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) return cost;
    if (this.s.budget.simulatedSeconds !== undefined) {
      throw new SearchSetupError(`simulated-time budget: candidate ${id} has no valid "${this.timeMetric}" metric (got ${String(cost)})`);
    }
    return 0;
  }

  /** Logs a candidate (its simulated time and best-so-far follow from the entries before it); returns whether it is on the front. */
  private append(c: LoggedCandidate): { entry: RunLogEntry; onFront: boolean } {
    const prevBest = this.best;
    const obj = c.objective ?? -Infinity;
    const better = obj > -Infinity && (prevBest === null || obj > (prevBest.objective ?? -Infinity));
    const entry: RunLogEntry = {
      id: c.id,
      arch: c.arch,
      hash: c.hash,
      metrics: c.metrics,
      objective: c.objective,
      feasible: c.feasible,
      ...(c.parents !== undefined ? { parents: c.parents.slice() } : {}),
      ...(c.error !== undefined ? { error: c.error } : {}),
      // A failed candidate has no cost metric; it adds no simulated time.
      simulated_time: this.time + (c.error !== undefined ? 0 : this.cost(c.id, c.metrics)),
      best_so_far: better ? obj : prevBest ? prevBest.objective : null,
      best_id: better ? c.id : prevBest ? prevBest.id : null,
    };
    this.log.push(entry);
    this.loggedIds.add(entry.id);
    this.time = entry.simulated_time;
    if (better) this.best = entry;
    if (!this.front || !this.s.pareto || entry.error !== undefined) return { entry, onFront: false };
    const acc = entry.metrics[this.s.pareto.accuracy];
    const cost = entry.metrics[this.s.pareto.cost];
    if (typeof acc !== 'number' || typeof cost !== 'number') {
      throw new SearchSetupError(`pareto: candidate ${entry.id} lacks metric "${typeof acc !== 'number' ? this.s.pareto.accuracy : this.s.pareto.cost}" (metrics: ${Object.keys(entry.metrics).join(', ')})`);
    }
    return { entry, onFront: this.front.add(entry, acc, cost) };
  }

  /** The best objective logged so far (null while no candidate is feasible). */
  bestObjective(): number | null {
    return this.best?.objective ?? null;
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
    if (c) this.s.onEvent?.({ type: 'start', id: c.id, arch: this.s.space.encode(c.genotype) });
    return c;
  }

  /** Objective, tell, log, events. */
  record(c: Candidate<G>, metrics: Record<string, number>): RunLogEntry {
    // Numbers the strategy attached (e.g. a warm start's zc_synflow) are logged with the candidate.
    const m = { ...(c.metrics ?? {}), ...metrics };
    const { objective, feasible } = computeObjective(this.objective, m);
    this.cost(c.id, m); // a missing time metric under a simulated-time budget fails before the strategy learns
    this.s.strategy.tell(c, { objective, metrics: m });
    const { entry, onFront } = this.append({ id: c.id, arch: this.s.space.encode(c.genotype), hash: c.hash, metrics: m, objective: objective === -Infinity ? null : objective, feasible, parents: c.parents ? c.parents.slice() : [] });
    this.s.onEvent?.({ type: 'candidate', entry, onFront });
    this.s.onEvent?.({ type: 'progress', queries: this.log.length, simulatedTime: this.time, fraction: this.fraction(), bestSoFar: entry.best_so_far });
    return entry;
  }

  /**
   * A candidate whose evaluation threw (diverged, crashed): told to the strategy as infeasible (-Infinity) and logged
   * with the reason and `failed: 1`, so the search goes on and a resume never proposes it again.
   */
  recordFailure(c: Candidate<G>, error: unknown): RunLogEntry {
    const m = { ...(c.metrics ?? {}), failed: 1 };
    this.s.strategy.tell(c, { objective: -Infinity, metrics: m });
    const { entry } = this.append({ id: c.id, arch: this.s.space.encode(c.genotype), hash: c.hash, metrics: m, objective: null, feasible: false, parents: c.parents ? c.parents.slice() : [], error: errorMessage(error) });
    this.s.onEvent?.({ type: 'candidate', entry, onFront: false });
    this.s.onEvent?.({ type: 'progress', queries: this.log.length, simulatedTime: this.time, fraction: this.fraction(), bestSoFar: entry.best_so_far });
    return entry;
  }

  /** Whether a periodic checkpoint is due after the last logged candidate. */
  checkpointDue(): boolean {
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
    const base = { version: CHECKPOINT_VERSION, nextId: this.log.length, strategy: this.s.strategy.stateDict() };
    return this.s.checkpointLog === false ? base : { ...base, log: this.log.slice() };
  }

  done(reason: StopReason | 'failed', error?: unknown): void {
    this.s.onEvent?.({
      type: 'done',
      reason,
      queries: this.log.length,
      simulatedTime: this.time,
      best: this.best,
      ...(error !== undefined ? { error: errorMessage(error) } : {}),
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

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
