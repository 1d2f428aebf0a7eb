/**
 * The skeleton a search run trains its candidates in, from the run's two size settings (C and N) and the
 * dataset's image shape and class count. One mapping for the app, the search worker and the headless runner;
 * what C and N mean is each space's own (its descriptor's runSkeleton, space/<id>/descriptor.ts).
 */
import type { SkeletonSettings } from './descriptor';
import type { InputShape } from './skeleton-base';
import { builtinSpace, type SkeletonOf, type SpaceId } from './table';

export type { SkeletonSettings } from './descriptor';
export type { SkeletonOf } from './table';

/** Throws an Error naming the setting when the skeleton cannot be built for this input (e.g. odd C for DARTS). */
export function runSkeleton<S extends SpaceId>(space: S, s: SkeletonSettings, inputShape: InputShape, numClasses: number): SkeletonOf<S> {
  return builtinSpace(space).runSkeleton(s, { inputShape: [inputShape[0], inputShape[1], inputShape[2]], numClasses });
}
