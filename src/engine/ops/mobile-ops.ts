/**
 * Blocks of the mobile macro space (MnasNet-style, Tan et al., CVPR 2019), keyed by block type so standalone
 * networks and a weight-sharing supernet build from one table. Exactly the blocks of space/mobile/skeleton.ts (which
 * model/cost-mobile.ts counts):
 *   ds (MobileNetV1 depthwise-separable, Howard et al. 2017) = depthwise kxk (stride) + BN + ReLU + [SE]
 *                                                              + pointwise 1x1 + BN
 *   mb (MobileNetV2 inverted bottleneck, Sandler et al. 2018) = pointwise 1x1 expand (cIn * expand) + BN + ReLU6
 *        + depthwise kxk (stride) + BN + ReLU6 + [SE] + pointwise 1x1 project + BN
 *   SE (Hu et al. 2018) = global average pool -> dense(squeeze, bias) + ReLU -> dense(c, bias) + sigmoid -> scale
 *   residual add when stride 1 and cIn == cOut. Convs have no bias; padding is PyTorch's (k // 2 each side).
 */
import * as tf from '@tensorflow/tfjs-core';
import { seChannels } from '../space/mobile/skeleton';
import type { MobileBlock } from '../../shared/space-vocab';
import type { Rng } from '../util/rng';
import { batchNorm, conv2d, dense, depthwiseConv2d, globalAvgPool } from './layers';
import { sequential, type Module } from './module';

export type Activation = 'relu' | 'relu6' | 'none';

export interface MobileBlockContext {
  readonly cIn: number;
  readonly cOut: number;
  /** Depthwise kernel size (3 or 5). */
  readonly kernel: number;
  readonly stride: number;
  /** Expansion ratio of 'mb' blocks (ignored by 'ds'). */
  readonly expand: number;
  readonly se: boolean;
  /** SE squeeze width = max(1, floor(c / seReduction)). */
  readonly seReduction: number;
  readonly rng: Rng;
  /** BN affine parameters (default true). */
  readonly affine?: boolean;
}

function activation(act: Activation): Module {
  const f = act === 'relu' ? tf.relu : act === 'relu6' ? tf.relu6 : null;
  return { params: [], buffers: [], apply: (x) => (f ? (f(x) as tf.Tensor4D) : x) };
}

/** Conv kxk (stride, 'same' symmetric padding, no bias) + BN + activation. */
export function convBnAct(cIn: number, cOut: number, k: number, stride: number, act: Activation, rng: Rng, affine = true): Module {
  return sequential(conv2d(cIn, cOut, k, rng, { stride }), batchNorm(cOut, affine), activation(act));
}

/** Depthwise kxk (stride, 'same' symmetric padding) + BN + activation. */
export function depthwiseBnAct(c: number, k: number, stride: number, act: Activation, rng: Rng, affine = true): Module {
  return sequential(depthwiseConv2d(c, k, rng, { stride }), batchNorm(c, affine), activation(act));
}

/** Squeeze-and-excitation on c channels with a `squeeze`-wide bottleneck (sigmoid gates). */
export function squeezeExcite(c: number, squeeze: number, rng: Rng): Module {
  const reduce = dense(c, squeeze, rng);
  const expand = dense(squeeze, c, rng);
  return {
    params: [...reduce.params, ...expand.params],
    buffers: [],
    apply: (x) => {
      const s = tf.relu(reduce.apply(globalAvgPool(x)));
      const gates = tf.sigmoid(expand.apply(s));
      return tf.mul(x, tf.reshape(gates, [x.shape[0], 1, 1, c]));
    },
  };
}

/** Adds the input back when the block keeps the shape (stride 1, cIn == cOut). */
function withResidual(body: Module, ctx: MobileBlockContext): Module {
  if (ctx.stride !== 1 || ctx.cIn !== ctx.cOut) return body;
  return { ...body, apply: (x, training) => tf.add(x, body.apply(x, training)) };
}

function maybeSe(c: number, ctx: MobileBlockContext): Module[] {
  return ctx.se ? [squeezeExcite(c, seChannels(c, ctx.seReduction), ctx.rng)] : [];
}

export function dsBlock(ctx: MobileBlockContext): Module {
  const affine = ctx.affine ?? true;
  const dw = depthwiseBnAct(ctx.cIn, ctx.kernel, ctx.stride, 'relu', ctx.rng, affine);
  const se = maybeSe(ctx.cIn, ctx);
  const pw = convBnAct(ctx.cIn, ctx.cOut, 1, 1, 'none', ctx.rng, affine);
  return withResidual(sequential(dw, ...se, pw), ctx);
}

export function mbBlock(ctx: MobileBlockContext): Module {
  const affine = ctx.affine ?? true;
  const hidden = ctx.cIn * ctx.expand;
  const expand = convBnAct(ctx.cIn, hidden, 1, 1, 'relu6', ctx.rng, affine);
  const dw = depthwiseBnAct(hidden, ctx.kernel, ctx.stride, 'relu6', ctx.rng, affine);
  const se = maybeSe(hidden, ctx);
  const project = convBnAct(hidden, ctx.cOut, 1, 1, 'none', ctx.rng, affine);
  return withResidual(sequential(expand, dw, ...se, project), ctx);
}

export const MOBILE_BLOCK_FACTORIES: Readonly<Record<MobileBlock, (ctx: MobileBlockContext) => Module>> = {
  ds: dsBlock,
  mb: mbBlock,
};
