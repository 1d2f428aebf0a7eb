/**
 * One one-shot search inside the worker: DARTS / PC-DARTS / SPOS on the NB201 supernet. Loads the dataset and its
 * locked split (train split -> weights, validation split -> alphas and ranking; never the test split), restores
 * the searcher from the run's checkpoint, steps it, forwards the engine's events, folds them into the run's chart
 * history, and commits run + checkpoint (the engine's state dict) in one transaction after every epoch, every few
 * ranked subnets, and on stop — so a reload resumes from the last checkpoint.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as v from 'valibot';
import { proxySubsets } from '../src/engine/evaluator/nb201-train-setup';
import { channelStats, disposeSplit, toTensorSplit, type TensorSplit } from '../src/engine/evaluator/tensors';
import { DEFAULT_TRAIN_OPTIONS } from '../src/engine/evaluator/train';
import { buildNb201Network } from '../src/engine/model/nb201-network';
import { createNb201Space, type Nb201Genotype } from '../src/engine/space/nb201';
import type { Nb201Skeleton } from '../src/engine/space/skeleton';
import { DartsSearch } from '../src/engine/strategy/darts';
import { createPcDartsSearch } from '../src/engine/strategy/pc-darts';
import { nb201MFlops, SposSearch } from '../src/engine/strategy/spos';
import type { OneShotEvent } from '../src/engine/supernet/events';
import { buildNb201Supernet } from '../src/engine/supernet/nb201-supernet';
import { rankingCheckResult, spreadSample } from '../src/engine/supernet/ranking-check';
import { standaloneScorer } from '../src/engine/supernet/standalone';
import type { OneShotCheckpoint } from '../src/engine/supernet/state';
import type { Supernet } from '../src/engine/supernet/types';
import { AbortedError } from '../src/engine/util/abort';
import { createRng } from '../src/engine/util/rng';
import {
  commitOneShotCheckpoint, emptyOneShotHistory, foldOneShotEvent, getOneShotCheckpoint, loadDataset, loadSplit, putOneShotRun, type Db,
} from '../src/db';
import type { BackendName } from '../src/protocol/backend';
import {
  ONESHOT_CHECKPOINT_VERSION, ONESHOT_CONFIG_VERSION, type OneShotCheckpointRecord, type OneShotConfig, type OneShotEventListener,
  type OneShotRunRecord, type OneShotUiEvent,
} from '../src/protocol/oneshot-api';

const int = (key: string, min: number, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.integer(`${key} must be a whole number`), v.minValue(min, `${key} must be at least ${min}`), v.maxValue(max, `${key} must be at most ${max}`));
const num = (key: string, min: number, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.finite(`${key} must be finite`), v.minValue(min, `${key} must be at least ${min}`), v.maxValue(max, `${key} must be at most ${max}`));

const ConfigSchema = v.strictObject({
  version: v.literal(ONESHOT_CONFIG_VERSION, `version must be ${ONESHOT_CONFIG_VERSION}`),
  name: v.pipe(v.string('name must be text'), v.trim(), v.minLength(1, 'name must not be empty'), v.maxLength(120, 'name must be at most 120 characters')),
  method: v.picklist(['darts', 'pc-darts', 'spos'], 'method must be darts, pc-darts or spos'),
  space: v.picklist(['nb201'], 'space must be "nb201"'),
  datasetId: v.pipe(v.string('datasetId must be text'), v.minLength(1, 'pick a dataset')),
  seed: int('seed', 0, 2 ** 31 - 1),
  epochs: int('epochs', 1, 1000),
  batchSize: int('batchSize', 1, 4096),
  learningRate: v.pipe(num('learningRate', 0, 10), v.gtValue(0, 'learningRate must be > 0')),
  channels: int('channels', 1, 256),
  cellsPerStage: int('cellsPerStage', 1, 10),
  trainSamples: int('trainSamples', 1, 10_000_000),
  validSamples: int('validSamples', 1, 10_000_000),
  backend: v.picklist(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'], 'backend must be auto, webgpu, webgl, wasm or cpu'),
  darts: v.strictObject({
    order: v.picklist(['first', 'second'], "order must be 'first' or 'second'"),
    warmupEpochs: int('darts.warmupEpochs', 0, 1000),
    partialChannels: int('darts.partialChannels', 1, 64),
    entropyWeight: num('darts.entropyWeight', -100, 100),
    opDropout: v.pipe(num('darts.opDropout', 0, 1), v.ltValue(1, 'darts.opDropout must be below 1')),
    maxSkips: int('darts.maxSkips', 0, 6),
    stableEpochs: int('darts.stableEpochs', 0, 1000),
    eigenvalueEvery: int('darts.eigenvalueEvery', 0, 1000),
    eigenIterations: int('darts.eigenIterations', 1, 200),
    eigenStopRatio: num('darts.eigenStopRatio', 0, 1),
    excludeNone: v.boolean('darts.excludeNone must be true or false'),
  }),
  spos: v.strictObject({
    subnets: int('spos.subnets', 1, 100_000),
    flopsPenalty: num('spos.flopsPenalty', 0, 1e6),
    topK: int('spos.topK', 1, 1000),
    rankingCheck: int('spos.rankingCheck', 0, 1000),
    rankingCheckEpochs: int('spos.rankingCheckEpochs', 1, 100),
  }),
});

export class OneShotConfigError extends Error {
  override readonly name = 'OneShotConfigError';
}

/** Validates a configuration from the UI or a stored record; throws one message naming every bad field. */
export function validateOneShotConfig(value: unknown): OneShotConfig {
  const r = v.safeParse(ConfigSchema, value);
  if (!r.success) {
    const lines = r.issues.map((i) => {
      const path = v.getDotPath(i);
      return path ? `${path}: ${i.message}` : i.message;
    });
    throw new OneShotConfigError(`Invalid one-shot configuration: ${lines.join('; ')}`);
  }
  const c = r.output as OneShotConfig;
  if (c.method === 'pc-darts') {
    const k = c.darts.partialChannels;
    if (c.channels % k !== 0) throw new OneShotConfigError(`Invalid one-shot configuration: channels (${c.channels}) must be divisible by PC-DARTS partial channels K = ${k}`);
  }
  if (c.spos.rankingCheck === 1) throw new OneShotConfigError('Invalid one-shot configuration: spos.rankingCheck needs at least 2 subnets to correlate (or 0 for off)');
  return c;
}

const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

interface Searcher {
  stateDict(): Promise<OneShotCheckpoint>;
  loadStateDict(c: OneShotCheckpoint): void;
  dispose(): void;
}

export async function runOneShot(db: Db, initial: OneShotRunRecord, backend: BackendName, onEvent: OneShotEventListener, signal: AbortSignal): Promise<OneShotRunRecord> {
  const config = validateOneShotConfig(initial.config);
  let run: OneShotRunRecord = { ...initial, config, status: 'running', backend, updatedAt: Date.now(), error: undefined };
  await putOneShotRun(db, run);
  onEvent({ type: 'run', run });

  let train: TensorSplit | null = null;
  let valid: TensorSplit | null = null;
  let net: Supernet<Nb201Genotype> | null = null;
  let searcher: Searcher | null = null;
  let history = run.history ?? emptyOneShotHistory();
  const emit = (e: OneShotUiEvent) => {
    history = foldOneShotEvent(history, e);
    onEvent(e);
  };

  const save = async (epoch: number, globalStep: number, phase: OneShotRunRecord['phase'], status: OneShotRunRecord['status'] = run.status) => {
    if (!searcher) return;
    const sd = await searcher.stateDict();
    const cp: OneShotCheckpointRecord = { version: ONESHOT_CHECKPOINT_VERSION, runId: run.id, epoch, globalStep, meta: sd.meta, tensors: sd.tensors, updatedAt: Date.now() };
    const arch = history.genotypes.at(-1)?.arch ?? history.ranked?.[0]?.arch ?? run.arch;
    run = { ...run, status, epoch, phase, history, arch, updatedAt: Date.now() };
    await commitOneShotCheckpoint(db, run, cp);
    onEvent({ type: 'checkpoint', epoch, globalStep });
    onEvent({ type: 'run', run });
  };

  try {
    const ds = await loadDataset(db, config.datasetId);
    const split = await loadSplit(db, config.datasetId);
    if (!split) throw new Error(`Dataset "${ds.name}" has no locked split`);
    const checkpoint = await getOneShotCheckpoint(db, run.id);

    // Weights train on the train split, alphas and ranking use the validation split; the test split stays unseen.
    const subsets = proxySubsets(split, config.trainSamples, config.validSamples, config.seed);
    const stats = channelStats(ds, subsets.train);
    train = toTensorSplit(ds, subsets.train, stats);
    valid = toTensorSplit(ds, subsets.valid, stats);
    const data = { train, valid };
    const skeleton: Nb201Skeleton = { inputShape: [...ds.shape], numClasses: ds.classes.length, channels: config.channels, cellsPerStage: config.cellsPerStage };
    const space = createNb201Space();
    const pc = config.method === 'pc-darts';
    net = buildNb201Supernet({ skeleton, ops: space.ops, ...(pc ? { partialChannels: config.darts.partialChannels, edgeNormalization: true } : {}) }, createRng(config.seed));
    const hooks = { signal, yieldNow, onEvent: (e: OneShotEvent<Nb201Genotype>) => emit(e) };

    if (config.method === 'spos') {
      const s = new SposSearch<Nb201Genotype>(net, space, data, {
        epochs: config.epochs, batchSize: config.batchSize, learningRate: config.learningRate, seed: config.seed,
        subnets: config.spos.subnets, topK: config.spos.topK, flopsPenalty: config.spos.flopsPenalty,
        calibrationBatchSize: Math.min(64, config.batchSize * 2), evalBatchSize: 256,
      }, nb201MFlops(skeleton));
      searcher = s;
      if (checkpoint) s.loadStateDict({ meta: checkpoint.meta, tensors: checkpoint.tensors });
      let epoch = checkpoint ? Number(checkpoint.meta.epoch ?? 0) : 0;
      let globalStep = checkpoint ? Number(checkpoint.meta.globalStep ?? 0) : 0;
      run = { ...run, stepsPerEpoch: s.stepsPerEpoch };
      onEvent({ type: 'run', run: { ...run, history } });
      try {
        while (s.phase === 'train' && !signal.aborted) {
          const r = await s.step(hooks);
          globalStep = r.globalStep + 1;
          if (r.step === s.stepsPerEpoch - 1) {
            epoch = r.epoch + 1;
            await save(epoch, globalStep, s.phase === 'train' ? 'train' : 'rank');
          }
          await yieldNow();
        }
        if (s.phase === 'rank' && !signal.aborted) {
          let scored = 0;
          await s.rank({
            ...hooks,
            onEvent: (e) => {
              emit(e);
              if (e.type === 'subnet') scored++;
            },
            yieldNow: async () => {
              await yieldNow();
              if (scored % 10 === 0 && !signal.aborted) await save(epoch, globalStep, 'rank');
            },
          });
        }
      } catch (e) {
        if (!(e instanceof AbortedError)) throw e;
      }
      if (signal.aborted) {
        await save(epoch, globalStep, s.phase === 'train' ? 'train' : s.phase === 'rank' ? 'rank' : 'check', 'paused');
        return run;
      }
      // Ranking check: a spread of the ranked subnets trained standalone, Kendall tau vs the supernet scores.
      const k = config.spos.rankingCheck;
      if (k >= 2 && history.ranked && !history.rankingCheck) {
        await save(epoch, globalStep, 'check');
        const sample = spreadSample(history.ranked, k);
        const score = standaloneScorer({
          space, train, valid, seed: config.seed, signal,
          build: (g, rng) => buildNb201Network(g, skeleton, rng),
          trainOptions: { ...DEFAULT_TRAIN_OPTIONS, epochs: config.spos.rankingCheckEpochs, batchSize: config.batchSize, learningRate: config.learningRate },
        });
        try {
          for (let i = history.rankingCheckDone.length; i < sample.length; i++) {
            const standaloneScore = await score(sample[i].genotype, i);
            emit({ type: 'check-subnet', index: i, total: sample.length, subnet: { arch: sample[i].arch, supernetScore: sample[i].accuracy, standaloneScore } });
            await save(epoch, globalStep, 'check');
            if (signal.aborted) break;
          }
        } catch (e) {
          if (!(e instanceof AbortedError)) throw e;
        }
        if (signal.aborted) {
          await save(epoch, globalStep, 'check', 'paused');
          return run;
        }
        emit({ type: 'ranking-check', result: rankingCheckResult(history.rankingCheckDone, config.spos.topK) });
      }
      await save(epoch, globalStep, 'done', 'done');
      return run;
    }

    // DARTS / PC-DARTS.
    const dartsOpts = {
      epochs: config.epochs, batchSize: config.batchSize, learningRate: config.learningRate, seed: config.seed, order: config.darts.order,
      excludeNone: config.darts.excludeNone,
      ...(pc ? { warmupEpochs: config.darts.warmupEpochs } : {}),
      antiCollapse: {
        entropyWeight: config.darts.entropyWeight, opDropout: config.darts.opDropout, maxSkips: config.darts.maxSkips,
        stableEpochs: config.darts.stableEpochs, eigenvalueEvery: config.darts.eigenvalueEvery, eigenIterations: config.darts.eigenIterations,
        eigenBatchSize: Math.min(64, valid.count), eigenStopRatio: config.darts.eigenStopRatio,
        // DARTS-ES compares windows of evaluations; small runs get small windows.
        eigenWindow: Math.max(1, Math.min(5, Math.floor(config.epochs / Math.max(1, config.darts.eigenvalueEvery) / 2))),
        eigenLag: Math.max(1, Math.min(5, Math.floor(config.epochs / Math.max(1, config.darts.eigenvalueEvery) / 2))),
      },
    };
    const d = pc ? createPcDartsSearch(net, data, dartsOpts) : new DartsSearch<Nb201Genotype>(net, data, dartsOpts);
    searcher = d;
    if (checkpoint) d.loadStateDict({ meta: checkpoint.meta, tensors: checkpoint.tensors });
    run = { ...run, stepsPerEpoch: d.stepsPerEpoch };
    onEvent({ type: 'run', run: { ...run, history } });
    try {
      while (d.status === 'running' && !signal.aborted) {
        const before = d.progress.epoch;
        await d.step(hooks);
        const p = d.progress;
        if (p.epoch !== before) await save(p.epoch, p.globalStep, d.status === 'running' ? 'train' : 'done');
        await yieldNow();
      }
    } catch (e) {
      if (!(e instanceof AbortedError)) throw e;
    }
    const p = d.progress;
    if (signal.aborted && d.status === 'running') {
      await save(p.epoch, p.globalStep, 'train', 'paused');
      return run;
    }
    await save(p.epoch, p.globalStep, 'done', d.status === 'stopped' ? 'stopped-early' : 'done');
    return run;
  } catch (e) {
    run = { ...run, status: 'failed', history, error: message(e), updatedAt: Date.now() };
    onEvent({ type: 'log', level: 'error', message: run.error! });
    await putOneShotRun(db, run);
    onEvent({ type: 'run', run });
    return run;
  } finally {
    searcher?.dispose();
    net?.dispose();
    if (train) disposeSplit(train);
    if (valid) disposeSplit(valid);
  }
}
