/**
 * One search run inside the worker: loads the dataset and its locked split, restores the strategy from
 * the run's checkpoint, and loops ask -> train/evaluate -> tell, committing each candidate together with
 * the checkpoint taken after it in one IndexedDB transaction. Stopping between (or during) candidates
 * loses nothing: an unfinished candidate has no record and is proposed again on resume.
 */
import { spaceFromConfig, type AnySpace } from '../src/engine/space/registry';
import { createTrainSetup, type TrainSetup } from '../src/engine/evaluator/train-setup';
import type { SearchSpace } from '../src/engine/space/types';
import { createStrategy } from '../src/engine/strategy/registry';
import { createProxyScorer, trainProxyBatch, type ProxyBatch, type ProxyScorerHandle } from '../src/engine/evaluator/proxy-scorer';
import type { Strategy } from '../src/engine/strategy/types';
import { AbortedError } from '../src/engine/util/abort';
import type { BackendName } from '../src/protocol/backend';
import type { DatasetSplit, ImageDataset } from '../src/engine/data/types';
import type { SearchEventListener } from '../src/protocol/events';
import type { CandidateRecord, CheckpointRecord, RunRecord } from '../src/protocol/run';
import { commitCandidate, commitRunState, findLut, getCheckpoint, listCandidates, loadDataset, loadSplit, putRun, RUN_RECORD_VERSION, type Db } from '../src/db';
import { computeObjective } from '../src/engine/strategy/objective';
import { fingerprintKey } from '../src/engine/profiler/fingerprint';
import { predictLatency } from '../src/engine/profiler/lut';
import { deviceFingerprint } from './backend';
import { ParetoFront } from '../src/engine/util/pareto';

const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function runSearch(db: Db, initial: RunRecord, backend: BackendName, onEvent: SearchEventListener, signal: AbortSignal): Promise<RunRecord> {
  const { config } = initial;
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
    ds = await loadDataset(db, config.datasetId);
    split = await loadSplit(db, config.datasetId);
    if (!split) throw new Error(`Dataset "${ds.name}" has no locked split`);
  } catch (e) {
    return finish(db, { ...run, status: 'failed', error: e instanceof Error ? e.message : String(e), updatedAt: Date.now() }, onEvent);
  }
  // Searches see train and validation only; the test split is reserved for final evaluation.
  let setup: TrainSetup;
  let lut: Awaited<ReturnType<typeof findLut>>;
  const predicted = (g: unknown): Record<string, number> => {
    if (!lut) return {};
    try {
      return { latency_pred_ms: predictLatency(lut, g) };
    } catch {
      return {};
    }
  };
  try {
    setup = createTrainSetup(space, ds, split, config, {
      extraCosts: predicted,
      latency: { now: () => performance.now() },
      yieldNow,
      onEpoch: (c, e) => onEvent({ type: 'epoch', runId: run.id, id: c.id, epoch: e.epoch, epochs: config.epochs, trainLoss: e.trainLoss, validAcc: e.validAcc * 100 }),
    }) as TrainSetup;
  } catch (e) {
    return finish(db, { ...run, status: 'failed', error: `Cannot build the ${space.name} skeleton for "${ds.name}": ${e instanceof Error ? e.message : String(e)}`, updatedAt: Date.now() }, onEvent);
  }
  // With a latency lookup table built on this device and backend (Profiler tab) for this space and skeleton
  // (the profiler covers nb201, darts and mobile), every candidate also gets a predicted latency, usable in the
  // objective like the measured one. A table built for another space config may lack a piece of a genotype:
  // then that candidate simply has no prediction.
  try {
    lut = await findLut(db, { fingerprintKey: fingerprintKey(await deviceFingerprint(backend)), spaceId: space.id, skeleton: setup.skeleton as object });
  } catch {
    lut = undefined; // no fingerprint or no readable table: candidates simply get no prediction
  }
  const { evaluator } = setup;

  const anySpace = space as unknown as SearchSpace<unknown>;
  // Zero-cost warm start: the strategy ranks a seeded pool by a proxy scored at initialisation on a real batch of
  // the run's training subset, at the run's own skeleton. Scores are cached; a resume restores them from the state.
  let proxyBatch: ProxyBatch | undefined;
  let scorer: ProxyScorerHandle<unknown> | undefined;
  let strategy: Strategy<unknown>;
  let nextId = checkpoint?.nextId ?? 0;
  try {
    if (config.prerank) {
      proxyBatch = trainProxyBatch(ds, split, config, 64);
      scorer = createProxyScorer({ proxy: config.prerank.proxy, spaceId: space.id, skeleton: setup.skeleton as never, seed: config.seed, batch: proxyBatch }) as ProxyScorerHandle<unknown>;
    }
    strategy = createStrategy(config.strategy, anySpace, config.prerank ? { prerank: config.prerank } : {}, config.seed, scorer?.score);
    if (checkpoint) strategy.loadStateDict(checkpoint.strategyState as never);
    // A stored strategy is paused (stopped by the user), interrupted, or done/failed; a new session resumes it.
    if (strategy.status !== 'running') {
      if (!strategy.canResume()) throw new Error(`the run's strategy is ${strategy.status}${strategy.failure ? ` (${strategy.failure})` : ''} and cannot be resumed`);
      strategy.resume();
    }
  } catch (e) {
    setup.dispose();
    scorer?.dispose();
    proxyBatch?.x.dispose();
    return finish(db, { ...run, status: 'failed', error: e instanceof Error ? e.message : String(e), updatedAt: Date.now() }, onEvent);
  }

  // The accuracy-vs-cost front over every feasible candidate of the run, including those from earlier sessions.
  const pareto = new ParetoFront<number>();
  for (const c of await listCandidates(db, run.id)) if (c.feasible) pareto.add(c.id, c.metrics.valid_acc, c.metrics[config.paretoCost] ?? Infinity);

  const started = performance.now();
  let evaluatedThisSession = 0;
  try {
    while (nextId < config.budget && !signal.aborted) {
      const candidate = strategy.ask();
      if (!candidate) break;
      const arch = anySpace.encode(candidate.genotype);
      onEvent({ type: 'candidate-start', runId: run.id, id: nextId, arch });
      let evaluated: Record<string, number>;
      try {
        evaluated = await evaluator.evaluate(candidate, signal);
      } catch (e) {
        if (e instanceof AbortedError || signal.aborted) break;
        throw e;
      }
      // Numbers the strategy attached (e.g. the warm start's zc_synflow) are stored with the candidate.
      const metrics = { ...(candidate.metrics ?? {}), ...evaluated };
      const scored = computeObjective(config.objective, metrics);
      strategy.tell(candidate, { objective: scored.objective, metrics });
      const record: CandidateRecord = {
        version: RUN_RECORD_VERSION, runId: run.id, id: nextId, arch, hash: candidate.hash, space: space.id, genotype: candidate.genotype,
        metrics, objective: Number.isFinite(scored.objective) ? scored.objective : null, feasible: scored.feasible, backend, createdAt: Date.now(),
      };
      // Only candidates that meet every hard constraint can be on the front.
      if (scored.feasible) pareto.add(nextId, metrics.valid_acc, metrics[config.paretoCost] ?? Infinity);
      nextId++;
      evaluatedThisSession++;
      const cp: CheckpointRecord = { version: RUN_RECORD_VERSION, runId: run.id, nextId, strategyState: strategy.stateDict(), updatedAt: Date.now() };
      run = { ...run, completed: nextId, paretoIds: pareto.items(), updatedAt: Date.now() };
      await commitCandidate(db, run, record, cp);
      onEvent({ type: 'candidate', record });
      const elapsedMs = performance.now() - started;
      const perCandidate = elapsedMs / evaluatedThisSession;
      onEvent({ type: 'progress', runId: run.id, done: nextId, total: config.budget, elapsedMs, etaMs: perCandidate * (config.budget - nextId) });
    }
    // The strategy's own status follows the run's: budget spent -> done, stopped by the user -> paused.
    if (nextId >= config.budget) strategy.finish();
    else if (strategy.status === 'running') strategy.pause();
    run = { ...run, status: nextId >= config.budget || strategy.status === 'done' ? 'done' : 'paused', updatedAt: Date.now() };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (strategy.status === 'running') strategy.fail(message);
    run = { ...run, status: 'failed', error: message, updatedAt: Date.now() };
  } finally {
    setup.dispose();
    scorer?.dispose();
    proxyBatch?.x.dispose();
  }
  try {
    await commitRunState(db, run, { version: RUN_RECORD_VERSION, runId: run.id, nextId, strategyState: strategy.stateDict(), updatedAt: Date.now() });
  } catch (e) {
    run = { ...run, status: 'failed', error: e instanceof Error ? e.message : String(e), updatedAt: Date.now() };
  }
  return finish(db, run, onEvent);
}

async function finish(db: Db, run: RunRecord, onEvent: SearchEventListener): Promise<RunRecord> {
  if (run.error) onEvent({ type: 'log', level: 'error', message: run.error });
  await putRun(db, run);
  onEvent({ type: 'run', run });
  return run;
}
