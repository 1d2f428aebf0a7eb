/**
 * The NAS-Bench-201 operations (Dong & Yang, ICLR 2020, `xautodl/models/cell_operations.py`),
 * keyed by op name so standalone cells and the supernet build from one table.
 * Conv ops are ReLU -> Conv -> BN; pooling is 3x3 average with count_include_pad=False.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Nb201Op } from '../space/nb201/space';
import type { Rng } from '../util/rng';
import { batchNorm, conv2d } from './layers';
import { identity, sequential, type Module } from './module';
import { reluModule, type ActivationTap } from './activation-tap';
import { buildingImpl } from './training-impl';

export interface OpContext {
  readonly channels: number;
  readonly rng: Rng;
  /** Batch-norm affine parameters (standalone: true; DARTS-style supernet search: false). */
  readonly affine: boolean;
  /** Receives every ReLU output (activation-tap.ts); absent: plain ReLU. */
  readonly tap?: ActivationTap;
}

export function reluConvBn(cIn: number, cOut: number, k: number, stride: number, ctx: OpContext): Module {
  return sequential(
    reluModule(ctx.tap),
    conv2d(cIn, cOut, k, ctx.rng, { stride }),
    batchNorm(cOut, ctx.affine),
  );
}

export const zero: Module = { params: [], buffers: [], apply: (x) => tf.zerosLike(x) };

export const avgPool3x3: Module = {
  params: [],
  buffers: [],
  // tfjs's 'same' average pool divides by the number of valid inputs (count_include_pad=False);
  // its gradient is corrected by src/engine/accel/kernels.
  apply: (x) => tf.avgPool(x, 3, 1, 'same'),
};

/** avgPool3x3, or inside a buildWith (training-impl.ts) the same pool asking the build's impl first in training. */
export function avgPool3x3Module(): Module {
  const impl = buildingImpl();
  if (!impl) return avgPool3x3;
  return { params: [], buffers: [], apply: (x, training) => (training && impl.pool(x, 'avg', 3, 1, 1)) || avgPool3x3.apply(x, training) };
}

export const NB201_OP_FACTORIES: Readonly<Record<Nb201Op, (ctx: OpContext) => Module>> = {
  none: () => zero,
  skip_connect: () => identity,
  nor_conv_1x1: (ctx) => reluConvBn(ctx.channels, ctx.channels, 1, 1, ctx),
  nor_conv_3x3: (ctx) => reluConvBn(ctx.channels, ctx.channels, 3, 1, ctx),
  avg_pool_3x3: () => avgPool3x3Module(),
};
