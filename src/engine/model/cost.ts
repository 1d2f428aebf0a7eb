/**
 * Cost counters per genotype, without building a model: trainable parameters (exact), FLOPs (= multiply-
 * accumulates of convs and dense layers; BN, pooling, activations, adds and concats count 0) and a liveness-based
 * peak of activation memory (bytes, float32, batch 1). The networks are described in space/skeleton.ts and the
 * counting rules in cost-graph.ts.
 */
import type { DartsGenotype } from '../space/darts-genotype';
import type { MobileGenotype } from '../space/mobile';
import type { Nb201Genotype } from '../space/nb201';
import type { DartsSkeleton, MobileSkeleton, Nb201Skeleton } from '../space/skeleton';
import type { CostReport } from './cost-graph';
import { dartsCost } from './cost-darts';
import { mobileCost } from './cost-mobile';
import { nb201Cost, type Nb201CostOptions } from './cost-nb201';

export { CostGraph, peakActivationBytes, summarize } from './cost-graph';
export type { ConvSpec, CostReport, CostStep, Shape, StepKind } from './cost-graph';
export { nb201Cost, nb201CostGraph, type Nb201CostOptions } from './cost-nb201';
export { dartsCost, dartsCostGraph } from './cost-darts';
export { mobileCost, mobileCostGraph } from './cost-mobile';

export type CostRequest =
  | { readonly space: 'nb201'; readonly genotype: Nb201Genotype; readonly skeleton?: Partial<Nb201Skeleton>; readonly options?: Nb201CostOptions }
  | { readonly space: 'darts'; readonly genotype: DartsGenotype; readonly skeleton?: Partial<DartsSkeleton> }
  | { readonly space: 'mobile'; readonly genotype: MobileGenotype; readonly skeleton?: Partial<MobileSkeleton> };

/** One entry point for any space (e.g. a FLOP penalty in a strategy's objective). */
export function costOf(req: CostRequest): CostReport {
  switch (req.space) {
    case 'nb201': return nb201Cost(req.genotype, req.skeleton, req.options);
    case 'darts': return dartsCost(req.genotype, req.skeleton);
    case 'mobile': return mobileCost(req.genotype, req.skeleton);
  }
}
