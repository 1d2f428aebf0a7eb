/**
 * The DARTS network around a genotype (Liu et al., ICLR 2019, NetworkCIFAR without auxiliary head): stem
 * conv3x3(stemMultiplier*C) + BN; `layers` cells, reduction cells at floor(layers/3) and floor(2*layers/3) double C.
 * Cell k's inputs are the outputs of cells k-2 and k-1 (both the stem for the first cell); preprocess0 =
 * FactorizedReduce(C) if cell k-1 was a reduction cell, else ReLU-conv1x1-BN; preprocess1 = ReLU-conv1x1-BN. In a
 * reduction cell, ops reading state 0 or 1 have stride 2. Ops: sep_conv_kxk = twice (ReLU, depthwise kxk,
 * pointwise 1x1, BN) (stride on the first depthwise only); dil_conv_kxk = ReLU, depthwise kxk dilation 2,
 * pointwise 1x1, BN; pools 3x3 (no params, no BN); skip_connect = identity, or FactorizedReduce(C) at stride 2.
 * FactorizedReduce(C) = ReLU, two conv1x1 stride 2 (C/2 channels each; the second on the input shifted by one
 * pixel), concat, BN(C). A node sums its two ops; the cell output concatenates the 4 nodes (4C channels). Then
 * global average pool, dense (no final BN). Conventions common to every skeleton: space/skeleton-base.ts.
 */
import { SKELETON_DEFAULTS } from '../../../shared/skeleton-rules';
import { checkInputShape, checkPositiveInt, type InputShape } from '../skeleton-base';

export interface DartsSkeleton {
  /** C: channels per node of the first cells (doubled at each reduction). */
  readonly channels: number;
  /** Number of cells. */
  readonly layers: number;
  /** Stem width = stemMultiplier * C. */
  readonly stemMultiplier: number;
  readonly inputShape: InputShape;
  readonly numClasses: number;
}

/** Indices of DARTS reduction cells: floor(layers/3) and floor(2*layers/3), as NetworkCIFAR. */
export function dartsReductionLayers(layers: number): number[] {
  return [...new Set([Math.floor(layers / 3), Math.floor((2 * layers) / 3)])];
}

/** The skeleton validated and completed with the published defaults (shared/skeleton-rules.ts). */
export function dartsSkeleton(partial: Partial<DartsSkeleton> = {}): DartsSkeleton {
  const s = { ...SKELETON_DEFAULTS.darts, ...partial };
  checkPositiveInt('channels', s.channels);
  if (s.channels % 2 !== 0) throw new Error(`channels: must be even (FactorizedReduce splits it in halves), got ${s.channels}`);
  checkPositiveInt('layers', s.layers, 1000);
  checkPositiveInt('stemMultiplier', s.stemMultiplier, 64);
  checkPositiveInt('numClasses', s.numClasses);
  const reductions = dartsReductionLayers(s.layers).length;
  return { ...s, inputShape: checkInputShape('inputShape', s.inputShape, 2 ** reductions) };
}
