/**
 * The weight-sharing supernet contract shared by the NB201 and DARTS-space supernets and by every one-shot
 * strategy (SPOS, DARTS, PC-DARTS). A supernet holds every candidate op of every edge, built from the same
 * OPS tables as the standalone models; its weights (shared by all subnets) and its architecture parameters
 * (alphas, and PC-DARTS' edge-normalisation betas) are separate lists, so that they get separate optimisers.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { SpaceId } from '../space/table';

/** A group of architecture logits: one row per edge of a cell type, one column per candidate op. */
export interface ArchGroup {
  /** 'cell' (NB201: one cell type shared by every cell), 'normal' or 'reduce' (DARTS). */
  readonly name: string;
  /** alphas: [edges, ops]; betas: [edges]. */
  readonly variable: tf.Variable;
  /** Human-readable edge names, e.g. '0->1' or 'node 3 <- 1'. */
  readonly edges: readonly string[];
}

/**
 * Which op each edge uses in a single-path forward: per alpha group, per edge, an index into `ops`,
 * or -1 for an edge that is not part of the subnet (DARTS genotypes keep 2 of the incoming edges per node).
 */
export type SupernetPath = readonly (readonly number[])[];

/**
 * Operation dropout mask (anti-collapse): a factor per op instance in the network [cell instance][edge][op]:
 * 0 = dropped, 1 / (1 - p) = kept (inverted dropout keeps the expectation), 1 = not subject to dropout.
 * Drawn once per step with Supernet.sampleDropMask so that every forward of one step (the finite-difference
 * passes of second-order DARTS included) sees the same mask.
 */
export interface DropMask {
  readonly factors: readonly (readonly (readonly number[])[])[];
}

export type SupernetMode =
  /**
   * Softmax-weighted mixture of every op on every edge (DARTS). On a supernet built with partialChannels K > 1
   * only 1/K of the channels go through the mixture (PC-DARTS); with edge normalisation each node weighs its
   * incoming edges by softmax(beta).
   */
  | { readonly kind: 'mixture'; readonly drop?: DropMask }
  /** One op per edge (SPOS), e.g. from Supernet.samplePath or Supernet.pathOf(genotype). */
  | { readonly kind: 'path'; readonly path: SupernetPath };

export interface Supernet<G> {
  readonly space: SpaceId;
  /** Candidate op names (columns of every alpha group). */
  readonly ops: readonly string[];
  /** Trainable network weights shared by all subnets (not the architecture parameters). */
  readonly weights: readonly tf.Variable[];
  /** Batch-norm running statistics. */
  readonly buffers: readonly tf.Variable[];
  readonly alphas: readonly ArchGroup[];
  /** Edge-normalisation logits (PC-DARTS); empty unless built with edgeNormalization. */
  readonly betas: readonly ArchGroup[];
  /** alphas then betas: what the architecture optimiser updates. */
  readonly archParams: readonly tf.Variable[];
  /** 1 = every channel through the mixed op (DARTS); K > 1 = PC-DARTS partial channels. */
  readonly partialChannels: number;
  readonly edgeNormalization: boolean;
  /** [N, H, W, C] -> logits [N, classes]. Call inside tf.tidy. */
  forward(x: tf.Tensor4D, mode: SupernetMode, training: boolean): tf.Tensor2D;
  /** The path that evaluates genotype `g` with inherited weights. */
  pathOf(g: G): SupernetPath;
  /** The genotype a path stands for (DARTS: the path must keep exactly 2 edges per node). */
  genotypeOf(path: SupernetPath): G;
  /** Canonical text form of a genotype (the space's encode). */
  encode(g: G): string;
  /** Current architecture weights: softmaxed alphas per group, and betas normalised over each node's edges. */
  archWeights(): Promise<ArchWeights>;
  /**
   * Derives the discrete genotype from architecture weights as archWeights() returns them (softmaxed alphas per
   * group; normalised betas per group when edge normalisation is on), as the paper of the method does.
   */
  derive(weights: readonly (readonly (readonly number[])[])[], betas?: readonly (readonly number[])[], opts?: DeriveOptions): G;
  /** Draws an operation-dropout mask: each non-'none' op (or only the parameter-free ones) dropped with prob p. */
  sampleDropMask(p: number, rng: { next(): number }, target?: 'all' | 'parameter-free'): DropMask;
  dispose(): void;
}

export interface ArchWeights {
  /** [group][edge][op], each row summing to 1. */
  readonly alphas: number[][][];
  /** [group][edge], summing to 1 over each node's incoming edges; null without edge normalisation. */
  readonly betas: number[][] | null;
}

export interface DeriveOptions {
  /** NB201: exclude 'none' from the per-edge argmax (DARTS always excludes it). Default false. */
  readonly excludeNone?: boolean;
}
