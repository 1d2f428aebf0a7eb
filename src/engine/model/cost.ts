/**
 * Cost counters per genotype, without building a model: trainable parameters (exact), FLOPs (= multiply-
 * accumulates of convs and dense layers; BN, pooling, activations, adds and concats count 0) and a liveness-based
 * peak of activation memory (bytes, float32, batch 1). Each space's descriptor (space/table.ts) counts its network
 * from the same layout walk its builder uses (space/<id>/cost.ts); the counting rules are in cost-graph.ts.
 */
import type { CostOptions } from '../space/descriptor';
import { builtinSpace, type GenotypeOf, type SkeletonOf, type SpaceId } from '../space/table';
import { summarize, type CostReport } from './cost-graph';

export { CostGraph, peakActivationBytes, summarize } from './cost-graph';
export type { ConvSpec, CostReport, CostStep, Shape, StepKind } from './cost-graph';
export { nb201Cost, nb201CostGraph, type Nb201CostOptions } from '../space/nb201/cost';
export { dartsCost, dartsCostGraph } from '../space/darts/cost';
export { mobileCost, mobileCostGraph } from '../space/mobile/cost';

export interface CostRequestOf<S extends SpaceId> {
  readonly space: S;
  readonly genotype: GenotypeOf<S>;
  readonly skeleton?: Partial<SkeletonOf<S>>;
  /** NB201: dead edges kept (default) or pruned. */
  readonly options?: CostOptions;
}
/** A request for one of the built-in spaces (a union: the genotype matches the space). */
export type CostRequest = { [S in SpaceId]: CostRequestOf<S> }[SpaceId];

/** One entry point for any space (e.g. a FLOP penalty in a strategy's objective). */
export function costOf<S extends SpaceId>(req: CostRequestOf<S>): CostReport {
  const d = builtinSpace(req.space);
  return summarize(d.costGraph(req.genotype, d.skeleton(req.skeleton ?? {}), req.options).steps);
}
