/**
 * Everything a training-based search needs for ANY space (NB201, DARTS, mobile — full or user-restricted),
 * made from the space, a dataset, its locked split and the run's settings: the proxy subsets (a seeded sample
 * of the train and validation splits — never the test split), normalised tensors, the skeleton
 * (space/run-skeleton.ts) and a TrainEvaluator that builds each candidate through the space table
 * (space/table.ts) and also reports the space's cost counter (FLOPs = MACs, peak activation bytes at batch 1).
 * Any registered space works (createSpaceTrainSetup); createTrainSetup keeps a built-in space's types.
 * Shared by the search worker and the headless runner so both run the identical search.
 */
import type { DatasetSplit, ImageDataset } from '../data/types';
import type { SkeletonBase } from '../space/descriptor';
import type { AnySpace } from '../space/registry';
import { runSkeleton, type SkeletonOf } from '../space/run-skeleton';
import { spaceEntry } from '../space/table';
import type { SearchSpace } from '../space/types';
import { createRng } from '../util/rng';
import { channelStats, disposeSplit, toTensorSplit } from './tensors';
import { DEFAULT_TRAIN_OPTIONS } from './train';
import { TrainEvaluator, type TrainEvaluatorConfig } from './train-evaluator';
import type { TrainSettings } from '../../shared/train-settings';

// The settings are plain data in the shared layer (the run config and the app's form carry them).
export type { TrainSettings };

/** Genotype of a space (the `G` of its SearchSpace). */
export type GenotypeOf<S extends AnySpace> = Parameters<S['encode']>[0];

export interface TrainSetup<G = unknown, K = unknown> {
  readonly evaluator: TrainEvaluator<G>;
  readonly skeleton: K;
  readonly trainCount: number;
  readonly validCount: number;
  dispose(): void;
}

export type TrainSetupExtra<G, K> = Pick<TrainEvaluatorConfig<G>, 'latency' | 'yieldNow' | 'onEpoch'> & {
  /** More metrics from the genotype alone, given the skeleton (e.g. LUT-predicted latency). */
  readonly extraCosts?: (g: G, skeleton: K) => Record<string, number>;
};

/** Seeded proxy subsets: the same run always trains and validates on the same images. */
export function proxySubsets(split: DatasetSplit, trainSamples: number, validSamples: number, seed: number): { train: number[]; valid: number[] } {
  const rng = createRng(seed);
  return {
    train: rng.shuffle(Array.from(split.train)).slice(0, trainSamples),
    valid: rng.shuffle(Array.from(split.valid)).slice(0, validSamples),
  };
}

export function createTrainSetup<S extends AnySpace>(
  space: S,
  ds: ImageDataset,
  split: DatasetSplit,
  s: TrainSettings,
  extra: TrainSetupExtra<GenotypeOf<S>, SkeletonOf<S['id']>> = {},
): TrainSetup<GenotypeOf<S>, SkeletonOf<S['id']>> {
  // Built first: a bad C/N for this space and dataset fails before any tensor is allocated.
  const skeleton = runSkeleton(space.id, s, [ds.shape[0], ds.shape[1], ds.shape[2]], ds.classes.length);
  return trainSetupAt<GenotypeOf<S>, SkeletonOf<S['id']>>(space.id, skeleton, ds, split, s, extra);
}

/** The same for any space of the space table (e.g. one registered by a test), its skeleton untyped. */
export function createSpaceTrainSetup<G>(
  space: SearchSpace<G>,
  ds: ImageDataset,
  split: DatasetSplit,
  s: TrainSettings,
  extra: TrainSetupExtra<G, SkeletonBase> = {},
): TrainSetup<G, SkeletonBase> {
  const skeleton = spaceEntry(space.id).runSkeleton(s, [ds.shape[0], ds.shape[1], ds.shape[2]], ds.classes.length);
  return trainSetupAt(space.id, skeleton, ds, split, s, extra);
}

function trainSetupAt<G, K extends SkeletonBase>(
  spaceId: string,
  skeleton: K,
  ds: ImageDataset,
  split: DatasetSplit,
  s: TrainSettings,
  extra: TrainSetupExtra<G, K>,
): TrainSetup<G, K> {
  const entry = spaceEntry(spaceId);
  const subsets = proxySubsets(split, s.trainSamples, s.validSamples, s.seed);
  const stats = channelStats(ds, subsets.train);
  const train = toTensorSplit(ds, subsets.train, stats);
  const valid = toTensorSplit(ds, subsets.valid, stats);
  const evaluator = new TrainEvaluator<G>({
    train,
    valid,
    seed: s.seed,
    build: (g, rng) => entry.buildNetwork(g, skeleton, rng),
    costs: (g) => {
      const c = entry.cost(g, skeleton);
      return { flops: c.flops, peak_activation_bytes: c.peakActivationBytes, ...(extra.extraCosts?.(g, skeleton) ?? {}) };
    },
    trainOptions: { ...DEFAULT_TRAIN_OPTIONS, epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate },
    latency: extra.latency,
    // The run config's evaluator.curveStop: both hosts pass their config's settings, so both stop the same candidates.
    curveStop: s.curveStop?.enabled ? { margin: s.curveStop.margin } : undefined,
    yieldNow: extra.yieldNow,
    onEpoch: extra.onEpoch,
  });
  return {
    evaluator,
    skeleton,
    trainCount: train.count,
    validCount: valid.count,
    dispose() {
      disposeSplit(train);
      disposeSplit(valid);
    },
  };
}
