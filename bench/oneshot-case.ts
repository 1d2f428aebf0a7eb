/**
 * The tfjs side of the one-shot epoch row (bench/oneshot.ts): ONE epoch of a one-shot search through the product's
 * own core, engine/search/oneshot-run.ts runOneShotSearch, exactly as the One-shot worker (workers/oneshot-session.ts)
 * and the headless runner drive it: a validated v2 config, the dataset and its split, a host whose `save` turns the
 * engine's state dict into bytes (the worker hands the same state dict to IndexedDB; not timed here) and whose
 * `yieldNow` gives the event loop one turn. DARTS / PC-DARTS: weight steps over the train subset, architecture steps
 * over the validation subset, the derived genotype at the epoch's end, the epoch's checkpoint. SPOS: single-path
 * weight steps, the epoch's checkpoint, then the ranking of a few subnets with inherited weights (SPOS' derivation).
 * The run's last "done" save is not part of the epoch (a longer run pays it once).
 *
 * Phases are read from the engine's own events and hooks: a 'step' event ends a step, 'genotype' / 'ranked' end the
 * derivation, `save` is the checkpoint. Inside a DARTS step the architecture step ends when the architecture
 * optimiser's update (Adam.apply) returns: the bench wraps Adam.prototype.apply with a clock for the run (the wasm
 * backend runs kernels synchronously, so that moment is when the architecture gradient has been computed and applied).
 *
 * Also writes the PyTorch twin's inputs (bench/torch_oneshot.py): the supernet's initial weights (the run builds it
 * with the same config and seed), the run's normalised train / validation subsets, and the batch order, SPOS paths,
 * ranked subnets and calibration indices the searchers will draw (replayed from the same seeds).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { channelStats, disposeSplit, toTensorSplit } from '../src/engine/evaluator/tensors';
import { proxySubsets } from '../src/engine/evaluator/train-setup';
import { DEFAULT_PC_DARTS_OPTIONS } from '../src/engine/oneshot/pc-darts';
import { DEFAULT_DARTS_OPTIONS } from '../src/engine/oneshot/darts';
import { DEFAULT_SPOS_OPTIONS } from '../src/engine/oneshot/spos';
import { Adam } from '../src/engine/optim/adam';
import { validateOneShotConfig, type OneShotConfig } from '../src/engine/search/oneshot-config';
import { buildOneShotSupernet, runOneShotSearch, type OneShotRunEvent } from '../src/engine/search/oneshot-run';
import { BatchStream } from '../src/engine/supernet/batches';
import type { OneShotCheckpoint } from '../src/engine/supernet/state';
import { createRng } from '../src/engine/util/rng';
import { syntheticData } from './candidate-case';

export type OneShotBenchMethod = 'darts-1st' | 'darts-2nd' | 'pc-darts' | 'spos';
export type OneShotBenchSpace = 'nb201' | 'darts';

export interface OneShotCase {
  /** e.g. darts-2nd-nb201 */
  readonly name: string;
  readonly method: OneShotBenchMethod;
  readonly space: OneShotBenchSpace;
}

export interface OneShotSizes {
  readonly shape: readonly [number, number, number];
  readonly trainSamples: number;
  readonly validSamples: number;
  readonly batchSize: number;
  /** NB201: C (cells per stage below); DARTS: C per node (layers below). */
  readonly nb201Channels: number;
  readonly cellsPerStage: number;
  readonly dartsChannels: number;
  readonly layers: number;
  /** PC-DARTS K. */
  readonly partialChannels: number;
  /** SPOS: subnets ranked after the epoch. */
  readonly subnets: number;
  readonly learningRate: number;
  readonly seed: number;
}

/** Where one epoch's time went (ms). */
export interface OneShotPhases {
  readonly weightMs: number;
  readonly archMs: number;
  readonly deriveMs: number;
  readonly checkpointMs: number;
  /** The epoch minus the four phases (event-loop turns, events). */
  readonly otherMs: number;
}

export interface TfjsOneShotRun extends OneShotPhases {
  /** The epoch end to end: from the searcher's start (after set-up) to the end of its derivation and checkpoint. */
  readonly epochMs: number;
  /** Data tensors, supernet build, searcher construction (once per run, not in epochMs). */
  readonly setupMs: number;
  readonly steps: number;
  readonly stepMedianMs: number;
  /** Step 0's losses: the weight step's training loss and the architecture step's validation loss (DARTS). */
  readonly firstLoss: { readonly train: number; readonly valid: number | null };
  readonly checkpointBytes: number;
  /** DARTS: the derived genotype; SPOS: the best ranked subnet. */
  readonly arch: string;
  /** SPOS: every ranked subnet's arch text, sorted (to check the twin's replayed plan); else []. */
  readonly rankedArchs: string[];
  readonly weights: number;
}

export function caseConfig(c: OneShotCase, s: OneShotSizes): OneShotConfig {
  const method = c.method === 'spos' ? 'spos' : c.method === 'pc-darts' ? 'pc-darts' : 'darts';
  return validateOneShotConfig({
    version: 2, name: `bench ${c.name}`, method, space: c.space, datasetId: 'bench:synthetic', seed: s.seed, epochs: 1,
    batchSize: s.batchSize, learningRate: s.learningRate,
    channels: c.space === 'nb201' ? s.nb201Channels : s.dartsChannels, cellsPerStage: s.cellsPerStage, layers: s.layers,
    mobile: { stages: 3, widths: [8, 16], depths: [1, 2] },
    trainSamples: s.trainSamples, validSamples: s.validSamples, backend: 'wasm',
    darts: {
      order: c.method === 'darts-2nd' ? 'second' : 'first', warmupEpochs: 0, partialChannels: s.partialChannels, entropyWeight: 0, opDropout: 0,
      maxSkips: 0, stableEpochs: 0, earlyStopWarmup: 0, eigenvalueEvery: 0, eigenIterations: 8, eigenStopRatio: 0, excludeNone: c.space === 'nb201',
    },
    spos: { subnets: s.subnets, flopsPenalty: 0, topK: Math.min(3, s.subnets), rankingCheck: 0, rankingCheckEpochs: 1 },
  });
}

/** The state dict as bytes: its JSON metadata and every tensor's data in one buffer (what a file or a blob would hold). */
export function checkpointBytes(c: OneShotCheckpoint): Uint8Array {
  const meta = new TextEncoder().encode(JSON.stringify({ meta: c.meta, tensors: Object.entries(c.tensors).map(([name, t]) => ({ name, shape: t.shape, dtype: t.dtype })) }));
  const tensors = Object.values(c.tensors);
  const size = 4 + meta.byteLength + tensors.reduce((a, t) => a + t.data.byteLength, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, meta.byteLength, true);
  out.set(meta, 4);
  let at = 4 + meta.byteLength;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One epoch through runOneShotSearch, timed and broken down. */
export async function runTfjsOneShot(c: OneShotCase, s: OneShotSizes): Promise<TfjsOneShotRun> {
  const config = caseConfig(c, s);
  const { ds, split } = syntheticData(s.shape, s.trainSamples, s.validSamples, s.seed);
  let archEnd = 0;
  const original = Adam.prototype.apply;
  Adam.prototype.apply = function timedApply(this: Adam, grads) {
    original.call(this, grads);
    archEnd = performance.now();
  };
  const t0 = performance.now();
  let start = 0;
  let last = 0;
  let epochEnd = 0;
  let lastStepAt = 0;
  let weightMs = 0;
  let archMs = 0;
  let deriveMs = 0;
  let checkpointMs = 0;
  let bytes = 0;
  let saves = 0;
  let weights = 0;
  const stepTimes: number[] = [];
  let firstLoss: TfjsOneShotRun['firstLoss'] | null = null;
  const onEvent = (e: OneShotRunEvent) => {
    const now = performance.now();
    if (e.type === 'step') {
      firstLoss ??= { train: e.trainLoss, valid: e.validLoss };
      const split = archEnd > last ? archEnd : last;
      archMs += split - last;
      weightMs += now - split;
      stepTimes.push(now - last);
      lastStepAt = now;
      last = now;
    } else if (e.type === 'genotype') {
      deriveMs += now - lastStepAt;
    } else if (e.type === 'ranked' && epochEnd > 0) {
      deriveMs += now - epochEnd;
      epochEnd = now;
    }
  };
  try {
    const outcome = await runOneShotSearch({ config, dataset: ds, split }, {
      signal: { aborted: false },
      yieldNow: async () => { await yieldNow(); last = performance.now(); },
      onEvent,
      onStart: (info) => { start = performance.now(); last = start; weights = info.weights; },
      save: async (p) => {
        if (saves++ > 0) return; // the run's closing save: not part of the epoch
        const ts = performance.now();
        bytes = checkpointBytes(await p.state()).byteLength;
        const te = performance.now();
        checkpointMs += te - ts;
        epochEnd = te;
        last = te;
      },
    });
    if (!firstLoss) throw new Error(`${c.name}: the run took no step`);
    const ranked = outcome.ranked ?? [];
    const epochMs = epochEnd - start;
    return {
      epochMs, setupMs: start - t0, weightMs, archMs, deriveMs, checkpointMs, otherMs: epochMs - weightMs - archMs - deriveMs - checkpointMs,
      steps: stepTimes.length, stepMedianMs: median(stepTimes), firstLoss, checkpointBytes: bytes,
      arch: outcome.derived?.arch ?? ranked[0]?.arch ?? '', rankedArchs: ranked.map((r) => r.arch).sort(), weights,
    };
  } finally {
    Adam.prototype.apply = original;
  }
}

interface NamedData { name: string; dtype: 'float32' | 'int32'; shape: number[]; data: Float32Array | Int32Array }

function writeBlobs(dir: string, stem: string, tensors: NamedData[]): void {
  let offset = 0;
  const entries = tensors.map((t) => { const e = { name: t.name, dtype: t.dtype, shape: t.shape, offset }; offset += t.data.byteLength; return e; });
  const blob = Buffer.alloc(offset);
  tensors.forEach((t, i) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(blob, entries[i].offset));
  writeFileSync(path.join(dir, `${stem}.bin`), blob);
  writeFileSync(path.join(dir, `${stem}.json`), JSON.stringify({ tensors: entries }));
}

/**
 * Writes the twin's inputs into `dir`: data.json/.bin (normalised subsets, NHWC), weights.json/.bin (the supernet's
 * initial weights w.i in `weights` order, alpha.<group>, beta.<group>) and plan.json (structure, recipe, and the
 * batches / paths / subnets the engine's searcher draws, replayed from its seeds as darts.ts / spos.ts draw them).
 * Returns the replayed SPOS ranking (sorted arch texts) for the smoke test's check.
 */
export async function writeTwin(c: OneShotCase, s: OneShotSizes, dir: string): Promise<{ rankedArchs: string[]; weights: number }> {
  const config = caseConfig(c, s);
  const { ds, split } = syntheticData(s.shape, s.trainSamples, s.validSamples, s.seed);
  // As runOneShotSearch builds its tensors and supernet.
  const subsets = proxySubsets(split, config.trainSamples, config.validSamples, config.seed);
  const stats = channelStats(ds, subsets.train);
  const train = toTensorSplit(ds, subsets.train, stats);
  const valid = toTensorSplit(ds, subsets.valid, stats);
  const built = buildOneShotSupernet(config, { inputShape: ds.shape, numClasses: ds.classes.length });
  const net = built.net;
  try {
    const data: NamedData[] = [];
    for (const [name, t] of [['train', train], ['valid', valid]] as const) {
      data.push({ name: `${name}_x`, dtype: 'float32', shape: t.x.shape.slice(), data: (await t.x.data()) as Float32Array });
      data.push({ name: `${name}_y`, dtype: 'int32', shape: [t.count], data: (await t.y.data()) as Int32Array });
    }
    writeBlobs(dir, 'data', data);
    const w: NamedData[] = [];
    for (const [i, v] of net.weights.entries()) w.push({ name: `w.${i}`, dtype: 'float32', shape: v.shape.slice(), data: (await v.data()) as Float32Array });
    for (const g of net.alphas) w.push({ name: `alpha.${g.name}`, dtype: 'float32', shape: g.variable.shape.slice(), data: (await g.variable.data()) as Float32Array });
    for (const g of net.betas) w.push({ name: `beta.${g.name}`, dtype: 'float32', shape: g.variable.shape.slice(), data: (await g.variable.data()) as Float32Array });
    writeBlobs(dir, 'weights', w);

    // The searchers' draws (darts.ts reseed(): root -> train stream, valid stream, rng; spos.ts: root -> stream, rng).
    const root = createRng(config.seed);
    const trainStream = new BatchStream(train.count, config.batchSize, root.seed());
    const steps = trainStream.batchesPerPass;
    const trainBatches = Array.from({ length: steps }, () => trainStream.next());
    let validBatches: number[][] = [];
    let paths: number[][][] = [];
    let ranking: { archs: string[]; paths: number[][][]; calibration: number[] } | null = null;
    const spos = { ...DEFAULT_SPOS_OPTIONS, calibrationBatchSize: Math.min(64, config.batchSize * 2), evalBatchSize: 256 };
    if (c.method === 'spos') {
      const rng = createRng(root.seed());
      paths = Array.from({ length: steps }, () => net.pathOf(built.space.sample(rng)).map((row) => row.slice()));
      // spos.ts sampleSubnets then calibrationIndices.
      const seen = new Set<string>();
      const archs: string[] = [];
      for (let tries = 0; archs.length < config.spos.subnets && tries < config.spos.subnets * 50; tries++) {
        const g = built.space.sample(rng);
        const h = built.space.hash(g);
        if (seen.has(h)) continue;
        seen.add(h);
        archs.push(built.space.encode(g));
      }
      const n = Math.min(train.count, spos.calibrationBatches * spos.calibrationBatchSize);
      const calibration = rng.shuffle(Array.from({ length: train.count }, (_, i) => i)).slice(0, n);
      ranking = { archs, paths: archs.map((a) => net.pathOf(built.space.decode(a)).map((row) => row.slice())), calibration };
    } else {
      const validStream = new BatchStream(valid.count, config.batchSize, root.seed());
      validBatches = Array.from({ length: steps }, () => validStream.next());
    }
    const darts = c.method === 'pc-darts' ? DEFAULT_PC_DARTS_OPTIONS : DEFAULT_DARTS_OPTIONS;
    const plan = {
      case: c.name, method: c.method, space: c.space, ops: net.ops.slice(),
      channels: config.channels, cellsPerStage: config.cellsPerStage, layers: config.layers, classes: ds.classes.length,
      partialChannels: net.partialChannels, edgeNormalization: net.edgeNormalization, excludeNone: config.darts.excludeNone,
      batch: config.batchSize, epochs: config.epochs,
      recipe: c.method === 'spos'
        ? { lr: config.learningRate, lrMin: spos.learningRateMin, momentum: spos.momentum, weightDecay: spos.weightDecay, clip: spos.gradClip,
          calibrationBatchSize: spos.calibrationBatchSize, evalBatchSize: spos.evalBatchSize }
        : { lr: config.learningRate, lrMin: darts.learningRateMin, momentum: darts.momentum, weightDecay: darts.weightDecay, clip: darts.gradClip,
          order: config.darts.order, arch: darts.arch },
      trainBatches, validBatches, paths, ranking,
    };
    writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
    return { rankedArchs: ranking ? ranking.archs.slice().sort() : [], weights: net.weights.length };
  } finally {
    built.net.dispose();
    disposeSplit(train);
    disposeSplit(valid);
  }
}
