/**
 * One black-box search run inside the worker: the storage side of the engine's search core
 * (src/engine/search/loop.ts, which the headless runner and the Benchmark lab share). Loads the dataset and its
 * locked split, builds the train setup (with LUT-predicted latency and the warm start's proxy scorer), restores
 * the strategy from the run's checkpoint with the run's stored candidates as its log, and runs the core with a
 * save hook that commits each candidate together with the checkpoint taken after it in one IndexedDB
 * transaction. Stopping between (or during) candidates loses nothing: an unfinished candidate has no record and
 * is proposed again on resume.
 */
import { spaceFromConfig, type AnySpace } from '../src/engine/space/registry';
import { createTrainSetup, type GenotypeOf, type TrainSetup } from '../src/engine/evaluator/train-setup';
import type { SkeletonOf, SpaceId } from '../src/engine/space/table';
import type { SearchSpace } from '../src/engine/space/types';
import { createStrategy, parseStrategyOptions, prerankOf } from '../src/engine/strategy/registry';
import { createProxyScorer, trainProxyBatch, type ProxyBatch, type ProxyScorerHandle } from '../src/engine/evaluator/proxy-scorer';
import type { Strategy } from '../src/engine/strategy/types';
import { runSearch, type SavePoint, type SearchEvent as CoreEvent, type StopReason } from '../src/engine/search/loop';
import type { BackendName } from '../src/protocol/backend';
import type { DatasetSplit, ImageDataset } from '../src/engine/data/types';
import type { SearchEventListener } from '../src/protocol/events';
import type { CandidateRecord, CheckpointRecord, EpochPoint, RunRecord, RunStatus } from '../src/protocol/run';
import { spaceEntry } from '../src/engine/space/table';
import { commitCandidate, commitRunState, findLut, getCheckpoint, listCandidates, loadDataset, loadSplit, putRun, CANDIDATE_RECORD_VERSION, type Db } from '../src/db';
import { fingerprintKey } from '../src/engine/profiler/fingerprint';
import { predictLatency } from '../src/engine/profiler/lut';
import { storageFullMessage } from '../src/db/storage-full';
import { deviceFingerprint } from './backend';
import { ParetoFront } from '../src/engine/util/pareto';

const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The run's status once the core stopped (an exhausted strategy is done by itself). */
function statusAfter(stop: StopReason | 'failed', strategy: Strategy<unknown>): RunStatus {
  if (stop === 'failed') return 'failed';
  if (stop === 'budget') return 'done';
  return strategy.status === 'done' ? 'done' : 'paused';
}

/**
 * `checkBackend` is called before every save and throws once the backend is lost (workers/backend-loss.ts): what a
 * lost GPU computed is not stored, and the run keeps its last complete state.
 */
export async function runSearchSession(
  db: Db, initial: RunRecord, backend: BackendName, onEvent: SearchEventListener, signal: AbortSignal, checkBackend?: () => void,
): Promise<RunRecord> {
  const { config } = initial;
  const train = { ...config.evaluator, seed: config.seed };
  const budget = config.budget.queries;
  const paretoCost = config.pareto.cost;
  let run: RunRecord = { ...initial, status: 'running', backend, updatedAt: Date.now(), error: undefined };
  await putRun(db, run);
  onEvent({ type: 'run', run });

  let checkpoint: CheckpointRecord | undefined;
  let ds: ImageDataset;
  let split: DatasetSplit | undefined;
  let space: AnySpace;
  try {
    // The run stores its normalised space config, so a resume rebuilds exactly the same space.
    space = spaceFromConfig(config.space);
    checkpoint = await getCheckpoint(db, run.id);
    ds = await loadDataset(db, train.dataset);
    split = await loadSplit(db, train.dataset);
    if (!split) throw new Error(`Dataset "${ds.name}" has no locked split`);
  } catch (e) {
    return finish(db, { ...run, status: 'failed', error: message(e), updatedAt: Date.now() }, onEvent);
  }
  // Searches see train and validation only; the test split is reserved for final evaluation.
  let setup: TrainSetup<GenotypeOf<AnySpace>, SkeletonOf<SpaceId>>;
  let lut: Awaited<ReturnType<typeof findLut>>;
  const predicted = (g: unknown): Record<string, number> => {
    if (!lut) return {};
    try {
      return { latency_pred_ms: predictLatency(lut, g) };
    } catch {
      return {};
    }
  };
  // Each candidate's training curve, stored with its record; a candidate proposed again (after a stop) starts over.
  const curves = new Map<number, EpochPoint[]>();
  /** The training candidate's MFLOPs, sent with its epochs so the app can place it on the accuracy-vs-cost chart. */
  let liveFlops: { id: number; flops: number | undefined } | null = null;
  const flopsOf = (id: number, genotype: unknown): number | undefined => {
    if (liveFlops?.id !== id) {
      let flops: number | undefined;
      try {
        flops = spaceEntry(space.id).cost(genotype, setup.skeleton).flops;
      } catch {
        flops = undefined; // a genotype the counter cannot read still trains; it is just not placed live
      }
      liveFlops = { id, flops };
    }
    return liveFlops.flops;
  };
  try {
    setup = createTrainSetup(space, ds, split, train, {
      extraCosts: predicted,
      latency: train.latency ? { now: () => performance.now() } : undefined,
      yieldNow,
      onEpoch: (c, e) => {
        const point: EpochPoint = { epoch: e.epoch, trainLoss: e.trainLoss, validAcc: e.validAcc * 100 };
        curves.set(c.id, [...(curves.get(c.id) ?? []), point]);
        const flops = flopsOf(c.id, c.genotype);
        onEvent({ type: 'epoch', runId: run.id, id: c.id, epoch: e.epoch, epochs: train.epochs, trainLoss: point.trainLoss, validAcc: point.validAcc, ...(flops !== undefined ? { flops } : {}) });
      },
    });
  } catch (e) {
    return finish(db, { ...run, status: 'failed', error: `Cannot build the ${space.name} skeleton for "${ds.name}": ${message(e)}`, updatedAt: Date.now() }, onEvent);
  }
  // With a latency lookup table built on this device and backend (Profiler tab) for this space and skeleton
  // (the profiler covers nb201, darts and mobile), every candidate also gets a predicted latency, usable in the
  // objective like the measured one. A table built for another space config may lack a piece of a genotype:
  // then that candidate simply has no prediction.
  try {
    lut = await findLut(db, { fingerprintKey: fingerprintKey(await deviceFingerprint(backend)), spaceId: space.id, skeleton: setup.skeleton });
  } catch {
    lut = undefined; // no fingerprint or no readable table: candidates simply get no prediction
  }

  const anySpace = space as unknown as SearchSpace<unknown>;
  // Zero-cost warm start: the strategy ranks a seeded pool by a proxy scored at initialisation on a real batch of
  // the run's training subset, at the run's own skeleton. Scores are cached; a resume restores them from the state.
  let proxyBatch: ProxyBatch | undefined;
  let scorer: ProxyScorerHandle<unknown> | undefined;
  let strategy: Strategy<unknown>;
  let stored: CandidateRecord[];
  try {
    stored = await listCandidates(db, run.id);
    const prerank = prerankOf(parseStrategyOptions(config.strategy.name, config.strategy.options));
    if (prerank) {
      proxyBatch = trainProxyBatch(ds, split, train, 64);
      scorer = createProxyScorer({ proxy: prerank.proxy, spaceId: space.id, skeleton: setup.skeleton, seed: config.seed, batch: proxyBatch }) as ProxyScorerHandle<unknown>;
    }
    strategy = createStrategy(config.strategy.name, anySpace, config.strategy.options, config.seed, scorer?.score);
  } catch (e) {
    setup.dispose();
    scorer?.dispose();
    proxyBatch?.x.dispose();
    return finish(db, { ...run, status: 'failed', error: message(e), updatedAt: Date.now() }, onEvent);
  }

  // The accuracy-vs-cost front over every feasible candidate of the run, including those from earlier sessions
  // (the run's own front: feasible candidates only, a missing cost counts as Infinity).
  const pareto = new ParetoFront<number>();
  for (const c of stored) if (c.feasible) pareto.add(c.id, c.metrics.valid_acc, c.metrics[paretoCost] ?? Infinity);

  const started = performance.now();
  let evaluatedThisSession = 0;
  const cpRecord = (p: SavePoint<unknown>): CheckpointRecord => ({ ...p.checkpoint, runId: run.id, updatedAt: Date.now() });

  /** The save hook: a candidate with its checkpoint and the run's counters in one transaction; the run's state when it stops. */
  const save = async (p: SavePoint<unknown>): Promise<void> => {
    checkBackend?.();
    if (p.stop !== null) {
      const status = statusAfter(p.stop, strategy);
      run = { ...run, status, ...(p.error !== undefined ? { error: p.error } : {}), updatedAt: Date.now() };
      await commitRunState(db, run, cpRecord(p));
      return;
    }
    const { entry, candidate } = p;
    if (!entry || !candidate) return;
    const record: CandidateRecord = {
      version: CANDIDATE_RECORD_VERSION, runId: run.id, id: entry.id, arch: entry.arch, hash: entry.hash, space: space.id, genotype: candidate.genotype,
      metrics: entry.metrics, objective: entry.objective, feasible: entry.feasible, parents: entry.parents ?? [], curve: curves.get(entry.id) ?? [], backend, createdAt: Date.now(),
      ...(entry.error !== undefined ? { error: entry.error } : {}),
    };
    // Only candidates that meet every hard constraint can be on the front.
    if (entry.feasible) pareto.add(entry.id, entry.metrics.valid_acc, entry.metrics[paretoCost] ?? Infinity);
    evaluatedThisSession++;
    const done = p.checkpoint.nextId;
    // The run's counters move on only once the candidate is stored (a failed write leaves the last saved state).
    const next: RunRecord = { ...run, completed: done, paretoIds: pareto.items(), updatedAt: Date.now() };
    await commitCandidate(db, next, record, cpRecord(p));
    run = next;
    curves.delete(entry.id);
    onEvent({ type: 'candidate', record });
    onEvent({ type: 'committed', run });
    const elapsedMs = performance.now() - started;
    onEvent({ type: 'progress', runId: run.id, done, total: budget, elapsedMs, etaMs: (elapsedMs / evaluatedThisSession) * (budget - done) });
  };
  const forward = (e: CoreEvent) => {
    if (e.type === 'start') {
      curves.delete(e.id);
      onEvent({ type: 'candidate-start', runId: run.id, id: e.id, arch: e.arch });
    }
  };

  try {
    await runSearch({
      space: anySpace,
      strategy,
      evaluator: setup.evaluator,
      // The run's own config drives the core exactly as the headless runner's does (the front is the run's, above).
      budget: config.budget,
      objective: config.objective,
      timeMetric: config.timeMetric,
      signal,
      // A user's stop pauses the strategy; every candidate is committed with its checkpoint before the next starts.
      abortAs: 'paused',
      checkpointEvery: 1,
      checkpointLog: false,
      resumeFrom: checkpoint ? { ...checkpoint, log: stored } : undefined,
      onEvent: forward,
      save,
    });
  } catch (e) {
    // The core has saved the failed state when it could; a failure before the loop started (a bad checkpoint) or
    // in that save itself still fails the run. A full storage is not the run's fault: `run` is what was last stored,
    // so it is paused there and a resume, once there is room, continues from its checkpoint.
    const full = storageFullMessage(e);
    run = full
      ? { ...run, status: 'paused', error: `${full} The run is paused with its ${run.completed} saved candidates; resume it once there is room.`, updatedAt: Date.now() }
      : { ...run, status: 'failed', error: message(e), updatedAt: Date.now() };
  } finally {
    setup.dispose();
    scorer?.dispose();
    proxyBatch?.x.dispose();
  }
  return finish(db, run, onEvent);
}

async function finish(db: Db, run: RunRecord, onEvent: SearchEventListener): Promise<RunRecord> {
  if (run.error) onEvent({ type: 'log', level: 'error', message: run.error });
  try {
    await putRun(db, run);
  } catch (e) {
    // With storage full even the status may not fit: the stored run keeps its last saved state (listed as running,
    // resumable once no worker holds it), and this tab shows the outcome and its message.
    if (storageFullMessage(e) === null) throw e;
  }
  onEvent({ type: 'run', run });
  return run;
}
