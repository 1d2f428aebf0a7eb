/**
 * One entry point from (space, genotype, skeleton) to a trainable network: NAS-Bench-201 (Dong & Yang, ICLR 2020),
 * DARTS (Liu et al., ICLR 2019) and the mobile macro space (MnasNet-style, Tan et al., CVPR 2019). Each builder
 * follows space/skeleton.ts, so `countParams()` equals the cost counter's `params` (model/cost.ts).
 */
import type { DartsGenotype } from '../space/darts-genotype';
import type { MobileGenotype } from '../space/mobile';
import type { Nb201Genotype } from '../space/nb201';
import type { DartsSkeleton, MobileSkeleton, Nb201Skeleton } from '../space/skeleton';
import type { Rng } from '../util/rng';
import { buildDartsNetwork } from './darts-network';
import { buildMobileNetwork } from './mobile-network';
import { buildNb201Network } from './nb201-network';
import type { Network } from './network';

export type SpaceId = 'nb201' | 'darts' | 'mobile';

export interface SpaceTypes {
  nb201: { genotype: Nb201Genotype; skeleton: Nb201Skeleton };
  darts: { genotype: DartsGenotype; skeleton: DartsSkeleton };
  mobile: { genotype: MobileGenotype; skeleton: MobileSkeleton };
}

export function buildNetwork<S extends SpaceId>(spaceId: S, genotype: SpaceTypes[S]['genotype'], skeleton: SpaceTypes[S]['skeleton'], rng: Rng): Network;
export function buildNetwork(spaceId: SpaceId, genotype: unknown, skeleton: unknown, rng: Rng): Network {
  switch (spaceId) {
    case 'nb201': return buildNb201Network(genotype as Nb201Genotype, skeleton as Nb201Skeleton, rng);
    case 'darts': return buildDartsNetwork(genotype as DartsGenotype, skeleton as DartsSkeleton, rng);
    case 'mobile': return buildMobileNetwork(genotype as MobileGenotype, skeleton as MobileSkeleton, rng);
    default: throw new Error(`buildNetwork: unknown space ${JSON.stringify(spaceId)} (expected nb201, darts or mobile)`);
  }
}
