/**
 * The NB201 case of the generic train setup (train-setup.ts), kept for callers that only search the full
 * NB201 space; `proxySubsets` is re-exported here for the one-shot session.
 */
import type { DatasetSplit, ImageDataset } from '../data/types';
import { nb201Space, type Nb201Genotype } from '../space/nb201';
import type { Nb201Skeleton } from '../space/skeleton';
import { createTrainSetup, type TrainSettings, type TrainSetup, type TrainSetupExtra } from './train-setup';

export { proxySubsets, type TrainSettings } from './train-setup';

export function createNb201TrainSetup(
  ds: ImageDataset,
  split: DatasetSplit,
  s: TrainSettings,
  extra: TrainSetupExtra<Nb201Genotype, Nb201Skeleton> = {},
): TrainSetup<Nb201Genotype, Nb201Skeleton> {
  return createTrainSetup(nb201Space, ds, split, s, extra);
}
