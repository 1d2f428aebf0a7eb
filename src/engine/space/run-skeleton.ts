/**
 * The skeleton a search run trains its candidates in, from the run's two size settings (C and N) and the
 * dataset's image shape and class count. One mapping for the app, the search worker and the headless runner:
 *  - nb201:  C = channels of the first stage (then 2C, 4C); N = cells per stage (3 stages).
 *  - darts:  C = channels per node of the first cells (must be even); N = number of cells (layers; reduction
 *            cells at N/3 and 2N/3); stem multiplier 3 (DARTS' NetworkCIFAR).
 *  - mobile: C = stem channels; N is not used (each stage's depth is part of the genotype); stem stride 2,
 *            head multiplier 4, SE reduction 4 (the defaults of space/skeleton.ts).
 */
import type { SpaceTypes } from '../model/build';
import type { SpaceKind } from '../../shared/space-config';
import { dartsSkeleton, mobileSkeleton, nb201Skeleton, type InputShape } from './skeleton';

export interface SkeletonSettings {
  /** C (see above). */
  readonly channels: number;
  /** N (see above). */
  readonly cellsPerStage: number;
}

export type SkeletonOf<S extends SpaceKind> = SpaceTypes[S]['skeleton'];

/** Throws an Error naming the setting when the skeleton cannot be built for this input (e.g. odd C for DARTS). */
export function runSkeleton<S extends SpaceKind>(space: S, s: SkeletonSettings, inputShape: InputShape, numClasses: number): SkeletonOf<S>;
export function runSkeleton(space: SpaceKind, s: SkeletonSettings, inputShape: InputShape, numClasses: number): SkeletonOf<SpaceKind> {
  const io = { inputShape: [inputShape[0], inputShape[1], inputShape[2]] as const, numClasses };
  switch (space) {
    case 'nb201': return nb201Skeleton({ ...io, channels: s.channels, cellsPerStage: s.cellsPerStage });
    case 'darts': return dartsSkeleton({ ...io, channels: s.channels, layers: s.cellsPerStage });
    case 'mobile': return mobileSkeleton({ ...io, stemChannels: s.channels });
  }
}
