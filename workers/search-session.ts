/**
 * One search run inside the worker: loads the dataset and its locked split, restores the strategy from
 * the run's checkpoint, and loops ask -> train/evaluate -> tell, committing each candidate together with
 * the checkpoint taken after it in one IndexedDB transaction. Stopping between (or during) candidates
 * loses nothing: an unfinished candidate has no record and is proposed again on resume.
 */
import { nb201Space } from '../src/engine/space/nb201';
import { createNb201TrainSetup } from '../src/engine/evaluator/nb201-train-setup';
import { createStrategy } from '../src/engine/strategy/registry';
import { AbortedError } from '../src/engine/util/abort';
import type { BackendName } from '../src/protocol/backend';
import type { DatasetSplit, ImageDataset } from '../src/engine/data/types';
import type { SearchEventListener } from '../src/protocol/events';
import type { CandidateRecord, CheckpointRecord, RunRecord } from '../src/protocol/run';
import { commitCandidate, findLut, getCheckpoint, listCandidates, loadDataset, loadSplit, putRun, RUN_RECORD_VERSION, type Db } from '../src/db';
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
  try {
    checkpoint = await getCheckpoint(db, run.id);
    ds = await loadDataset(db, config.datasetId);
    split = await loadSplit(db, config.datasetId);
    if (!split) throw new Error(`Dataset "${ds.name}" has no locked split`);
  } catch (e) {
    return finish(db, { ...run, status: 'failed', error: e instanceof Error ? e.message : String(e), updatedAt: Date.now() }, onEvent);
  }
  // With a latency lookup table built on this device and backend (Profiler tab) for this skeleton,
  // every candidate also gets a predicted latency, usable in the objective like the measured one.
  const skeletonKey = { inputShape: [...ds.shape], numClasses: ds.classes.length, channels: config.channels, cellsPerStage: config.cellsPerStage };
  const lut = await findLut(db, { fingerprintKey: fingerprintKey(await deviceFingerprint(backend)), spaceId: 'nb201', skeleton: skeletonKey }).catch(() => undefined);
  // Searches see train and validation only; the test split is reserved for final evaluation.
  const setup = createNb201TrainSetup(ds, split, config, {
    extraCosts: lut ? (g) => ({ latency_pred_ms: predictLatency(lut, g) }) : undefined,
    latency: { now: () => performance.now() },
    yieldNow,
    onEpoch: (c, e) => onEvent({ type: 'epoch', runId: run.id, id: c.id, epoch: e.epoch, epochs: config.epochs, trainLoss: e.trainLoss, validAcc: e.validAcc * 100 }),
  });
  const { evaluator } = setup;

  const strategy = createStrategy(config.strategy, nb201Space, {}, config.seed);
  if (checkpoint) strategy.loadStateDict(checkpoint.strategyState as never);
  let nextId = checkpoint?.nextId ?? 0;

  // The accuracy-vs-cost front over every feasible candidate of the run, including those from earlier sessions.
  const pareto = new ParetoFront<number>();
  for (const c of await listCandidates(db, run.id)) if (c.feasible) pareto.add(c.id, c.metrics.valid_acc, c.metrics[config.paretoCost] ?? Infinity);

  const started = performance.now();
  let evaluatedThisSession = 0;
  try {
    while (nextId < config.budget && !signal.aborted) {
      const candidate = strategy.ask();
      if (!candidate) break;
      const arch = nb201Space.encode(candidate.genotype);
      onEvent({ type: 'candidate-start', runId: run.id, id: nextId, arch });
      let metrics: Record<string, number>;
      try {
        metrics = await evaluator.evaluate(candidate, signal);
      } catch (e) {
        if (e instanceof AbortedError || signal.aborted) break;
        throw e;
      }
      const scored = computeObjective(config.objective, metrics);
      strategy.tell(candidate, { objective: scored.objective, metrics });
      const record: CandidateRecord = {
        version: RUN_RECORD_VERSION, runId: run.id, id: nextId, arch, hash: candidate.hash, space: config.space, genotype: candidate.genotype,
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
    run = { ...run, status: nextId >= config.budget ? 'done' : 'paused', updatedAt: Date.now() };
  } catch (e) {
    run = { ...run, status: 'failed', error: e instanceof Error ? e.message : String(e), updatedAt: Date.now() };
  } finally {
    setup.dispose();
  }
  return finish(db, run, onEvent);
}

async function finish(db: Db, run: RunRecord, onEvent: SearchEventListener): Promise<RunRecord> {
  if (run.error) onEvent({ type: 'log', level: 'error', message: run.error });
  await putRun(db, run);
  onEvent({ type: 'run', run });
  return run;
}
