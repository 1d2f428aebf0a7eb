/**
 * One entry point from (space, genotype, skeleton) to a trainable network, through the space table
 * (space/table.ts): each space's descriptor builds it from its one layout walk, so `countParams()` equals the
 * cost counter's `params` (model/cost.ts).
 */
import { builtinSpace, type GenotypeOf, type SkeletonOf, type SpaceId } from '../space/table';
import type { Rng } from '../util/rng';
import type { Network } from './network';

export type { SpaceId, SpaceTypes } from '../space/table';

export function buildNetwork<S extends SpaceId>(spaceId: S, genotype: GenotypeOf<S>, skeleton: SkeletonOf<S>, rng: Rng): Network {
  return builtinSpace(spaceId).buildNetwork(genotype, skeleton, rng);
}
