/**
 * Everything a training-based NB201 search needs, made from a dataset, its locked split and the run's
 * settings: the proxy subsets (a seeded sample of the train and validation splits — never the test
 * split), normalised tensors, the skeleton and a TrainEvaluator that also reports params/FLOPs.
 * Shared by the search worker and the headless runner so both run the identical search.
 */
import { nb201Cost } from '../model/cost';
import { buildNb201Network } from '../model/nb201-network';
import type { DatasetSplit, ImageDataset } from '../data/types';
import type { Nb201Genotype } from '../space/nb201';
import type { Nb201Skeleton } from '../space/skeleton';
import { createRng } from '../util/rng';
import { channelStats, disposeSplit, toTensorSplit } from './tensors';
import { DEFAULT_TRAIN_OPTIONS } from './train';
import { TrainEvaluator, type TrainEvaluatorConfig } from './train-evaluator';

export interface TrainSettings {
  readonly seed: number;
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly trainSamples: number;
  readonly validSamples: number;
}

export interface TrainSetup {
  readonly evaluator: TrainEvaluator<Nb201Genotype>;
  readonly skeleton: Nb201Skeleton;
  readonly trainCount: number;
  readonly validCount: number;
  dispose(): void;
}

/** Seeded proxy subsets: the same run always trains and validates on the same images. */
export function proxySubsets(split: DatasetSplit, trainSamples: number, validSamples: number, seed: number): { train: number[]; valid: number[] } {
  const rng = createRng(seed);
  return {
    train: rng.shuffle(Array.from(split.train)).slice(0, trainSamples),
    valid: rng.shuffle(Array.from(split.valid)).slice(0, validSamples),
  };
}

export function createNb201TrainSetup(
  ds: ImageDataset,
  split: DatasetSplit,
  s: TrainSettings,
  extra: Pick<TrainEvaluatorConfig<Nb201Genotype>, 'latency' | 'yieldNow' | 'onEpoch'> & {
    /** More metrics from the genotype alone, given the skeleton (e.g. LUT-predicted latency). */
    readonly extraCosts?: (g: Nb201Genotype, skeleton: Nb201Skeleton) => Record<string, number>;
  } = {},
): TrainSetup {
  const subsets = proxySubsets(split, s.trainSamples, s.validSamples, s.seed);
  const stats = channelStats(ds, subsets.train);
  const train = toTensorSplit(ds, subsets.train, stats);
  const valid = toTensorSplit(ds, subsets.valid, stats);
  const skeleton: Nb201Skeleton = { inputShape: [...ds.shape], numClasses: ds.classes.length, channels: s.channels, cellsPerStage: s.cellsPerStage };
  const evaluator = new TrainEvaluator<Nb201Genotype>({
    train,
    valid,
    seed: s.seed,
    build: (g, rng) => buildNb201Network(g, skeleton, rng),
    costs: (g) => {
      const c = nb201Cost(g, skeleton);
      return { flops: c.flops, peak_activation_bytes: c.peakActivationBytes, ...(extra.extraCosts?.(g, skeleton) ?? {}) };
    },
    trainOptions: { ...DEFAULT_TRAIN_OPTIONS, epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate },
    latency: extra.latency,
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
