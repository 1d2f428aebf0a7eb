/**
 * What a search space is to the engine: ONE descriptor object per space (space/<id>/descriptor.ts), kept in one
 * table (space/table.ts). Everything that differs between spaces — config schema, sampling, the run skeleton,
 * the network builder, the cost counter, the supernet and the latency-table pieces — is a field here, so the
 * rest of the engine dispatches through the table instead of switching on a space id.
 *
 * A descriptor is typed by its normalised config C, its genotype G and its skeleton K. The table erases those
 * types (space/table.ts SpaceEntry): each erased function checks an unknown genotype with the space's own
 * `checkGenotype` and completes an unknown skeleton with its own `skeleton`, then calls the typed function.
 */
import type { CostGraph } from '../model/cost-graph';
import type { Network } from '../model/network';
import type { ActivationTap } from '../ops/activation-tap';
import type { OpInstance, OpRunner } from '../profiler/op-instance';
import type { Supernet } from '../supernet/types';
import type { Rng } from '../util/rng';
import type { InputShape } from './skeleton-base';
import type { SearchSpace } from './types';

/** Every normalised space config names its space. */
export interface SpaceConfigBase {
  readonly space: string;
}

/** Every skeleton (the fixed network around a genotype) takes images of one shape and has a class count. */
export interface SkeletonBase {
  readonly inputShape: InputShape;
  readonly numClasses: number;
}

/** A space built from a normalised config: the SearchSpace that strategies use, carrying that config. */
export type ConfiguredSpace<G, C extends SpaceConfigBase> = SearchSpace<G> & { readonly config: C };

/** The two size settings of a run (C and N); what they mean is up to each space's `runSkeleton`. */
export interface SkeletonSettings {
  /** C: channels (NB201 first stage, DARTS per node, mobile stem). */
  readonly channels: number;
  /** N: cells per stage / number of cells (unused by some spaces). */
  readonly cellsPerStage: number;
}

/** The dataset side of a skeleton. */
export interface SkeletonIo {
  readonly inputShape: InputShape;
  readonly numClasses: number;
}

/** Options of a cost count; spaces without the notion ignore them. */
export interface CostOptions {
  /** NB201: 'keep' (default) counts ops on dead edges as the benchmark does; 'prune' counts live edges only. */
  readonly deadEdges?: 'keep' | 'prune';
}

/**
 * The latency lookup table's side of a space (profiler/lut.ts): the distinct pieces of every network of the
 * space for one skeleton, one genotype's pieces in execution order, and one piece built to be timed.
 * Pieces with the generic roles node-sum, concat and zeros are built by the profiler itself.
 */
export interface LatencyPieces<C, G, K> {
  readonly all: (skeleton: K, config: C) => OpInstance[];
  readonly ofGenotype: (g: G, skeleton: K) => OpInstance[];
  /** Builds one space-specific piece with weights from rng; throws on a piece the space does not have. */
  readonly build: (instance: OpInstance, rng: Rng) => OpRunner;
}

/** The settings of a one-shot run a supernet is built from (search/oneshot-config.ts OneShotConfig has them). */
export interface OneShotSettings {
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly layers: number;
  readonly mobile: { readonly stages: number; readonly widths: readonly number[]; readonly depths: readonly number[] };
  /** PC-DARTS: K > 1 and edge normalisation (absent for DARTS and SPOS). */
  readonly partialChannels?: number;
  readonly edgeNormalization?: boolean;
}

/** A built supernet, the space its subnets come from, and the skeleton its standalone subnets use. */
export interface OneShotBundle<G, K> {
  readonly net: Supernet<G>;
  readonly space: SearchSpace<G>;
  readonly skeleton: K;
}

/**
 * C: normalised config; G: genotype; K: skeleton; Sp: the search space createSpace returns (a ConfiguredSpace,
 * possibly with space-specific extras such as NB201's tabular index).
 */
export interface SpaceDescriptor<C extends SpaceConfigBase, G, K extends SkeletonBase, Sp extends ConfiguredSpace<G, C> = ConfiguredSpace<G, C>> {
  readonly id: C['space'];
  /** Validates a user config (JSON value) and fills in defaults; throws SpaceConfigError. */
  readonly parseConfig: (input: unknown) => C;
  /** The search space of a normalised config. */
  readonly createSpace: (config: C) => Sp;
  /** Checks that plain data is a genotype of this space (of any config of it); throws a specific Error. */
  readonly checkGenotype: (value: unknown) => G;
  /** A skeleton validated and completed with the space's defaults; throws naming the bad setting. */
  readonly skeleton: (partial: object) => K;
  /** The skeleton a search run trains its candidates in, from the run's C and N and the dataset. */
  readonly runSkeleton: (s: SkeletonSettings, io: SkeletonIo) => K;
  /** The trainable network of a genotype (layer creation order fixes the seeded initialisation). */
  readonly buildNetwork: (g: G, skeleton: K, rng: Rng) => Network;
  /** The same network with every ReLU output sent to `tap` (the NASWOT proxy); absent: no tap in this space. */
  readonly buildTappedNetwork?: (g: G, skeleton: K, rng: Rng, tap: ActivationTap) => Network;
  /** The cost counter's tensor program of the same network (model/cost-graph.ts). */
  readonly costGraph: (g: G, skeleton: K, options?: CostOptions) => CostGraph;
  /** Latency-table pieces; absent: the space has no latency table. */
  readonly latencyPieces?: LatencyPieces<C, G, K>;
  /** The weight-sharing supernet for one-shot search; absent: the space has none. */
  readonly oneShot?: (settings: OneShotSettings, io: SkeletonIo, rng: Rng) => OneShotBundle<G, K>;
}
