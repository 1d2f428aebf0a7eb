/**
 * The tfjs side of the candidate row (bench/candidate.ts): ONE Search-tab candidate evaluation through the product's
 * own code — the train setup of engine/evaluator/train-setup.ts (createSpaceTrainSetup: the same trainSetupAt as the
 * createTrainSetup that the search worker and the headless runner call) and its TrainEvaluator.evaluate (build through the space table, train E epochs with the run's recipe, BN
 * recalibration + validation per epoch, batch-1 latency measurement and peak-memory profile), behind the headless
 * runner's one event-loop turn (scripts/node/search-run.ts). The breakdown is read from the evaluator's own hooks:
 * `yieldNow` (after every training step; the search worker passes one too) and `onEpoch` (after each validation).
 * The build is timed apart, by the same space-table call with the same seed, just before.
 *
 * Also writes the PyTorch twin's inputs (bench/torch_candidate.py): the engine's export (export/pytorch.ts) of the
 * very network the evaluator builds (same seed = same initial weights) and the evaluator's normalised proxy subsets.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DatasetSplit, ImageDataset } from '../src/engine/data/types';
import { createSpaceTrainSetup, proxySubsets, type TrainSettings } from '../src/engine/evaluator/train-setup';
import { channelStats, disposeSplit, toTensorSplit } from '../src/engine/evaluator/tensors';
import { hashString } from '../src/engine/evaluator/train-evaluator';
import { encodeWeights, exportPytorch } from '../src/engine/export/pytorch';
import { spaceFromConfig } from '../src/engine/space/registry';
import type { SearchSpace } from '../src/engine/space/types';
import { spaceEntry, type SpaceId } from '../src/engine/space/table';
import type { Candidate } from '../src/engine/strategy/types';
import { createRng } from '../src/engine/util/rng';

export interface CandidateCase {
  /** e.g. nb201-c16-n1-28x28x1 */
  readonly name: string;
  readonly space: SpaceId;
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly shape: readonly [number, number, number];
}

export interface CaseSizes {
  readonly trainSamples: number;
  readonly validSamples: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

/** One evaluation's wall time and where it went (ms). */
export interface TfjsRun {
  /** The evaluation as the runner does it (event-loop turn + TrainEvaluator.evaluate). */
  readonly totalMs: number;
  /** createTrainSetup: proxy subsets to normalised tensors (once per search run, not per candidate; not in totalMs). */
  readonly setupMs: number;
  readonly buildMs: number;
  /** Training steps (the first one pays the kernels' warm-up). */
  readonly trainMs: number;
  /** BN recalibration + validation accuracy, every epoch. */
  readonly validMs: number;
  /** Cost counter + batch-1 latency measurement + the peak-memory profile run. */
  readonly latencyMs: number;
  /** totalMs minus the four parts (the event-loop turn, the build estimate's error). */
  readonly otherMs: number;
  readonly steps: number;
  readonly firstStepMs: number;
  readonly stepMedianMs: number;
  readonly params: number;
  readonly validAcc: number;
  readonly latencyMedianMs: number;
}

/** Seeded synthetic images (a class-dependent pattern plus noise, 0..255) and a split of `train` then `valid` images. */
export function syntheticData(shape: readonly [number, number, number], train: number, valid: number, seed: number): { ds: ImageDataset; split: DatasetSplit } {
  const [h, w, c] = shape;
  const count = train + valid;
  const rng = createRng(seed);
  const size = h * w * c;
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const label = k % 10;
    labels[k] = label;
    for (let i = 0; i < size; i++) {
      const pattern = ((i * (label + 1)) % 97) / 97;
      images[k * size + i] = Math.max(0, Math.min(255, Math.round(255 * (0.6 * pattern + 0.4 * rng.next()))));
    }
  }
  const range = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);
  return {
    ds: { name: `synthetic-${h}x${w}x${c}`, classes: Array.from({ length: 10 }, (_, i) => String(i)), shape: [h, w, c], count, images, labels },
    split: { train: range(0, train), valid: range(train, valid), test: new Uint32Array(0) },
  };
}

export function caseSettings(c: CandidateCase, s: CaseSizes): TrainSettings {
  return { seed: s.seed, channels: c.channels, cellsPerStage: c.cellsPerStage, epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate, trainSamples: s.trainSamples, validSamples: s.validSamples };
}

/** The case's candidate: a seeded sample of the full space. */
export function caseCandidate(c: CandidateCase, seed: number): { space: SearchSpace<unknown>; candidate: Candidate<unknown> } {
  const space = spaceFromConfig({ space: c.space });
  const generic = space as unknown as SearchSpace<unknown>;
  const genotype = generic.sample(createRng(seed + 17));
  return { space: generic, candidate: { id: 0, genotype, hash: generic.hash(genotype) } };
}

/** Writes net.py, weights.bin (the evaluator's network, same seed) and data.json/data.bin (its proxy subsets) into `dir`. */
export async function writeTwin(c: CandidateCase, s: CaseSizes, dir: string): Promise<{ arch: string; params: number }> {
  const { space, candidate } = caseCandidate(c, s.seed);
  const { ds, split } = syntheticData(c.shape, s.trainSamples, s.validSamples, s.seed);
  return writeCandidateTwin({ spaceId: c.space, space, candidate, ds, split, settings: caseSettings(c, s) }, dir);
}

/** What a twin is made of: a candidate of a space, trained on a dataset's split with a run's settings. */
export interface TwinSource {
  readonly spaceId: SpaceId;
  readonly space: SearchSpace<unknown>;
  readonly candidate: Candidate<unknown>;
  readonly ds: ImageDataset;
  readonly split: DatasetSplit;
  readonly settings: TrainSettings;
}

/** writeTwin for any candidate and data (e.g. a Search-tab run's stored genotypes on the built-in MNIST: bench/app-search.ts). */
export async function writeCandidateTwin(t: TwinSource, dir: string): Promise<{ arch: string; params: number }> {
  const { space, candidate, ds, split, settings } = t;
  const setup = createSpaceTrainSetup(space, ds, split, settings);
  const skeleton = setup.skeleton;
  setup.dispose();
  const net = spaceEntry(t.spaceId).buildNetwork(candidate.genotype, skeleton, createRng((settings.seed ^ hashString(candidate.hash)) >>> 0));
  try {
    // The export's own typing wants the space's genotype type: a checked genotype of `t.spaceId` (its emitter re-checks it).
    const exported = await (exportPytorch as (n: typeof net, id: SpaceId, g: unknown, k: unknown) => ReturnType<typeof exportPytorch>)(net, t.spaceId, candidate.genotype, skeleton);
    writeFileSync(path.join(dir, 'net.py'), exported.source);
    writeFileSync(path.join(dir, 'weights.bin'), encodeWeights(exported.weights));
    const subsets = proxySubsets(split, settings.trainSamples, settings.validSamples, settings.seed);
    const stats = channelStats(ds, subsets.train);
    const tensors: { name: string; dtype: 'float32' | 'int32'; shape: number[]; data: Float32Array | Int32Array }[] = [];
    for (const [name, idx] of [['train', subsets.train], ['valid', subsets.valid]] as const) {
      const t = toTensorSplit(ds, idx, stats);
      tensors.push({ name: `${name}_x`, dtype: 'float32', shape: t.x.shape, data: t.x.dataSync() as Float32Array });
      tensors.push({ name: `${name}_y`, dtype: 'int32', shape: [t.count], data: t.y.dataSync() as Int32Array });
      disposeSplit(t);
    }
    let offset = 0;
    const entries = tensors.map((t) => { const e = { name: t.name, dtype: t.dtype, shape: t.shape, offset }; offset += t.data.byteLength; return e; });
    const blob = Buffer.alloc(offset);
    tensors.forEach((t, i) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(blob, entries[i].offset));
    writeFileSync(path.join(dir, 'data.bin'), blob);
    writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ tensors: entries }));
    return { arch: space.encode(candidate.genotype), params: net.countParams() };
  } finally {
    net.dispose();
  }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** One candidate evaluation through the product's path, timed and broken down. */
export async function runTfjsCandidate(c: CandidateCase, s: CaseSizes): Promise<TfjsRun> {
  const { space, candidate } = caseCandidate(c, s.seed);
  const { ds, split } = syntheticData(c.shape, s.trainSamples, s.validSamples, s.seed);
  const marks: { kind: 'step' | 'epoch'; t: number }[] = [];
  const tSetup = performance.now();
  const setup = createSpaceTrainSetup(space, ds, split, caseSettings(c, s), {
    latency: { now: () => performance.now() },
    yieldNow: () => { marks.push({ kind: 'step', t: performance.now() }); return Promise.resolve(); },
    onEpoch: () => { marks.push({ kind: 'epoch', t: performance.now() }); },
  });
  const setupMs = performance.now() - tSetup;
  try {
    // The build alone, by the evaluator's own call (space table, same seed), for the breakdown.
    const tb = performance.now();
    const probe = spaceEntry(c.space).buildNetwork(candidate.genotype, setup.skeleton, createRng((s.seed ^ hashString(candidate.hash)) >>> 0));
    const buildMs = performance.now() - tb;
    probe.dispose();
    const t0 = performance.now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const tEval = performance.now();
    const metrics = await setup.evaluator.evaluate(candidate);
    const t1 = performance.now();
    let trainMs = 0;
    let validMs = 0;
    let from = tEval;
    let last = tEval;
    const stepTimes: number[] = [];
    for (const m of marks) {
      if (m.kind === 'step') { stepTimes.push(m.t - last); last = m.t; continue; }
      trainMs += last - from;
      validMs += m.t - last;
      from = m.t;
      last = m.t;
    }
    trainMs -= buildMs;
    const epochEnd = marks.length ? marks[marks.length - 1].t : tEval;
    const latencyMs = t1 - epochEnd;
    const totalMs = t1 - t0;
    return {
      totalMs, setupMs, buildMs, trainMs, validMs, latencyMs, otherMs: totalMs - buildMs - trainMs - validMs - latencyMs,
      steps: stepTimes.length, firstStepMs: (stepTimes[0] ?? 0) - buildMs, stepMedianMs: median(stepTimes),
      params: metrics.params, validAcc: metrics.valid_acc, latencyMedianMs: metrics.latency_ms ?? 0,
    };
  } finally {
    setup.dispose();
  }
}
