/**
 * Fixed networks for the tfjs export tests (unit and e2e): per space a tiny genotype and skeleton covering every op,
 * built from a fixed seed, its batch-norm running statistics moved by training-mode passes and its vectors (BN
 * gamma / beta, biases) perturbed, so an exporter that ignored any of them would give other logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildNetwork, type SpaceId } from '../../src/engine/model/build';
import type { Network } from '../../src/engine/model/network';
import type { GenotypeOf, SkeletonOf } from '../../src/engine/space/table';
import { DARTS_V2 } from '../../src/engine/space/darts/genotype';
import { createRng } from '../../src/engine/util/rng';

export interface ExportCase<S extends SpaceId> {
  readonly label: string;
  readonly space: S;
  readonly genotype: GenotypeOf<S>;
  readonly skeleton: SkeletonOf<S>;
}
export type AnyExportCase = { [S in SpaceId]: ExportCase<S> }[SpaceId];

export const EXPORT_CASES: readonly AnyExportCase[] = [
  {
    label: 'nb201, every op',
    space: 'nb201',
    genotype: { ops: ['nor_conv_3x3', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect', 'none', 'nor_conv_3x3'] },
    skeleton: { channels: 4, cellsPerStage: 2, inputShape: [8, 8, 3], numClasses: 5 },
  },
  {
    label: 'nb201, an empty node (its outgoing conv is built but never applied)',
    space: 'nb201',
    genotype: { ops: ['none', 'nor_conv_3x3', 'none', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect'] },
    skeleton: { channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3], numClasses: 5 },
  },
  {
    label: 'nb201, all none (zero cells)',
    space: 'nb201',
    genotype: { ops: ['none', 'none', 'none', 'none', 'none', 'none'] },
    skeleton: { channels: 4, cellsPerStage: 1, inputShape: [8, 8, 1], numClasses: 3 },
  },
  {
    label: 'mobile, ds + mb with SE, residuals, head conv',
    space: 'mobile',
    genotype: {
      stages: [
        { block: 'ds', expand: 1, kernel: 3, se: true, width: 8, depth: 1, stride: 1 },
        { block: 'mb', expand: 3, kernel: 5, se: true, width: 12, depth: 2, stride: 2 },
        { block: 'mb', expand: 1, kernel: 3, se: false, width: 16, depth: 1, stride: 2 },
      ],
    },
    skeleton: { stemChannels: 8, stemStride: 2, headMultiplier: 2, seReduction: 4, inputShape: [16, 16, 3], numClasses: 5 },
  },
  {
    label: 'mobile, stem stride 1, no head conv',
    space: 'mobile',
    genotype: {
      stages: [
        { block: 'mb', expand: 2, kernel: 3, se: true, width: 6, depth: 2, stride: 2 },
        { block: 'ds', expand: 1, kernel: 5, se: false, width: 6, depth: 2, stride: 1 },
      ],
    },
    skeleton: { stemChannels: 6, stemStride: 1, headMultiplier: 0, seReduction: 2, inputShape: [10, 10, 2], numClasses: 4 },
  },
  {
    label: 'darts, DARTS_V2',
    space: 'darts',
    genotype: DARTS_V2,
    skeleton: { channels: 4, layers: 5, stemMultiplier: 3, inputShape: [8, 8, 3], numClasses: 5 },
  },
  {
    label: 'darts, every op (strided dil/sep convs, FactorizedReduce skips, pools)',
    space: 'darts',
    genotype: {
      normal: [
        ['sep_conv_5x5', 0], ['dil_conv_5x5', 1], ['avg_pool_3x3', 0], ['max_pool_3x3', 2],
        ['dil_conv_3x3', 3], ['skip_connect', 1], ['sep_conv_3x3', 4], ['avg_pool_3x3', 1],
      ],
      normal_concat: [2, 3, 4, 5],
      reduce: [
        ['avg_pool_3x3', 0], ['dil_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_5x5', 1],
        ['dil_conv_5x5', 0], ['max_pool_3x3', 2], ['sep_conv_3x3', 1], ['skip_connect', 3],
      ],
      reduce_concat: [2, 3, 4, 5],
    },
    skeleton: { channels: 4, layers: 5, stemMultiplier: 2, inputShape: [8, 8, 3], numClasses: 5 },
  },
];

export const EXPORT_BATCH = 3;

/** The case's network with non-trivial BN statistics and vectors; the caller disposes it. */
export function preparedNetwork<S extends SpaceId>(c: ExportCase<S>, seed: number): Network {
  const net = buildNetwork(c.space, c.genotype, c.skeleton, createRng(seed));
  const [h, w, ch] = c.skeleton.inputShape;
  const shape: [number, number, number, number] = [EXPORT_BATCH, h, w, ch];
  for (let i = 0; i < 3; i++) tf.tidy(() => { net.forward(tf.randomNormal(shape, 0.5, 3, 'float32', 7 + i) as tf.Tensor4D, true); });
  net.params.forEach((v, i) => {
    if (v.shape.length === 1) tf.tidy(() => v.assign(tf.add(v, tf.randomUniform(v.shape, -0.4, 0.4, 'float32', 50 + i))));
  });
  return net;
}

/** Fixed NHWC inputs for a case. */
export function caseInput<S extends SpaceId>(c: ExportCase<S>): tf.Tensor4D {
  const [h, w, ch] = c.skeleton.inputShape;
  return tf.randomNormal([EXPORT_BATCH, h, w, ch], 0, 3, 'float32', 99) as tf.Tensor4D;
}

/** max |a - b| over two logit tables, and the logit scale max(1, max |a|). */
export function logitDiff(ours: readonly number[][], theirs: readonly number[][]): { maxDiff: number; scale: number } {
  if (ours.length !== theirs.length) throw new Error(`logit rows: ${ours.length} vs ${theirs.length}`);
  let maxDiff = 0;
  ours.forEach((row, i) => {
    if (row.length !== theirs[i].length) throw new Error(`logit row ${i}: ${row.length} vs ${theirs[i].length} classes`);
    row.forEach((v, j) => { maxDiff = Math.max(maxDiff, Math.abs(v - theirs[i][j])); });
  });
  return { maxDiff, scale: Math.max(1, ...ours.flat().map(Math.abs)) };
}
