/**
 * The DARTS primitives (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019;
 * quark0/darts `operations.py`), keyed by op name so the standalone network (model/darts-network.ts) and the
 * supernet's MixedOp build from one table. Every op maps C channels to C channels; in a reduction cell the ops
 * reading the cell inputs get stride 2. Convs have no bias; BN affine comes from the context (standalone: true,
 * search: false). Padding is PyTorch's (symmetric), so shapes and windows match the reference code:
 *  - none: zeros of the (strided) output shape;
 *  - avg_pool_3x3 / max_pool_3x3: PyTorch pools, padding 1 (ops/pooling.ts), optionally + BN(affine=false) as
 *    model_search.py's MixedOp does in search mode (`poolBn`);
 *  - skip_connect: identity at stride 1, FactorizedReduce at stride 2;
 *  - sep_conv_kxk: (ReLU, depthwise kxk, pointwise 1x1, BN) twice, the first depthwise strided;
 *  - dil_conv_kxk: ReLU, depthwise kxk dilation 2, pointwise 1x1, BN.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DartsOp } from '../../shared/space-vocab';
import type { Rng } from '../util/rng';
import { heNormal, variableFrom } from './init';
import { batchNorm, conv2d, depthwiseConv2d, padInput, relu } from './layers';
import { identity, sequential, type Module } from './module';
import { poolModule } from './pooling';
import { buildingImpl } from './training-impl';

export interface DartsOpContext {
  /** Channels in and out. */
  readonly C: number;
  /** 1, or 2 for ops reading a reduction cell's inputs. */
  readonly stride: number;
  /** BN affine parameters (standalone network: true; DARTS search: false). */
  readonly affine: boolean;
  readonly rng: Rng;
  /** Follow pooling ops with BN(C, affine=false), as the search supernet's MixedOp does (default false). */
  readonly poolBn?: boolean;
}

/** ReLU -> conv kxk (stride, 'same' padding) -> BN: DARTS' ReLUConvBN (the cells' 1x1 preprocessing). */
export function reluConvBn(cIn: number, cOut: number, k: number, stride: number, affine: boolean, rng: Rng): Module {
  return sequential(relu(), conv2d(cIn, cOut, k, rng, { stride }), batchNorm(cOut, affine));
}

/**
 * FactorizedReduce: ReLU, two 1x1 stride-2 convs to cOut/2 channels (the second on the input shifted by one
 * pixel, x[:, 1:, 1:]), concatenated, BN(cOut). Halves height and width (which must be even).
 */
export function factorizedReduce(cIn: number, cOut: number, affine: boolean, rng: Rng): Module {
  if (cOut % 2 !== 0) throw new Error(`FactorizedReduce: output channels must be even, got ${cOut}`);
  const conv1 = conv2d(cIn, cOut / 2, 1, rng, { stride: 2 });
  const conv2 = conv2d(cIn, cOut / 2, 1, rng, { stride: 2 });
  const bn = batchNorm(cOut, affine);
  return {
    params: [...conv1.params, ...conv2.params, ...bn.params],
    buffers: bn.buffers,
    apply: (x, training) => {
      const [n, h, w, c] = x.shape;
      if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`FactorizedReduce: height and width must be even, got ${h}x${w}`);
      const r = tf.relu(x);
      const a = conv1.apply(r, training);
      const b = conv2.apply(tf.slice(r, [0, 1, 1, 0], [n, h - 1, w - 1, c]), training);
      return bn.apply(tf.concat([a, b], 3), training);
    },
  };
}

/** x[:, ::s, ::s, :] (PyTorch slicing) from reshape + slice, which every backend can differentiate. */
export function subsample(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  const [n, h, w, c] = x.shape;
  const oh = Math.ceil(h / s);
  const ow = Math.ceil(w / s);
  // Pad the end to multiples of s; the padded cells are never selected.
  const full = oh * s !== h || ow * s !== w ? tf.pad(x, [[0, 0], [0, oh * s - h], [0, ow * s - w], [0, 0]]) : x;
  const rows = tf.slice(tf.reshape(full, [n, oh, s, ow * s * c]), [0, 0, 0, 0], [n, oh, 1, ow * s * c]);
  const cols = tf.slice(tf.reshape(rows, [n * oh, ow, s, c]), [0, 0, 0, 0], [n * oh, ow, 1, c]);
  return tf.reshape(cols, [n, oh, ow, c]);
}

/**
 * Depthwise k x k conv with PyTorch padding ((k-1)*dilation/2 each side) for any stride and dilation. tfjs refuses
 * stride > 1 together with dilation > 1, so that case samples the padded input at stride s first (exact when s
 * divides the dilation: out[i] = sum_t w[t] xpad[s*i + d*t] = sum_t w[t] xs[i + (d/s)*t]) or else subsamples the
 * stride-1 output. Weights as layers.depthwiseConv2d (He normal, fan-in k*k).
 */
export function dilatedDepthwiseConv2d(c: number, k: number, stride: number, dilation: number, rng: Rng): Module {
  if (stride === 1 || dilation === 1) return depthwiseConv2d(c, k, rng, { stride, dilation });
  const w = variableFrom(heNormal([k, k, c, 1], k * k, rng), true);
  const pad = ((k - 1) * dilation) >> 1;
  const impl = buildingImpl();
  return {
    params: [w],
    buffers: [],
    apply: (x, training) => {
      const fast = training ? impl?.depthwise(x, w as tf.Tensor4D, stride, dilation, pad) : null;
      if (fast) return fast;
      const padded = padInput(x, pad);
      if (dilation % stride === 0) {
        return tf.depthwiseConv2d(subsample(padded, stride), w as tf.Tensor4D, 1, 'valid', 'NHWC', dilation / stride);
      }
      return subsample(tf.depthwiseConv2d(padded, w as tf.Tensor4D, 1, 'valid', 'NHWC', dilation), stride);
    },
  };
}

/** DARTS SepConv: (ReLU, depthwise kxk, pointwise, BN) twice; stride on the first depthwise only. */
export function sepConv(cIn: number, cOut: number, k: number, stride: number, affine: boolean, rng: Rng): Module {
  return sequential(
    relu(), depthwiseConv2d(cIn, k, rng, { stride }), conv2d(cIn, cIn, 1, rng), batchNorm(cIn, affine),
    relu(), depthwiseConv2d(cIn, k, rng), conv2d(cIn, cOut, 1, rng), batchNorm(cOut, affine),
  );
}

/** DARTS DilConv: ReLU, depthwise kxk with dilation, pointwise, BN. */
export function dilConv(cIn: number, cOut: number, k: number, stride: number, dilation: number, affine: boolean, rng: Rng): Module {
  return sequential(relu(), dilatedDepthwiseConv2d(cIn, k, stride, dilation, rng), conv2d(cIn, cOut, 1, rng), batchNorm(cOut, affine));
}

/** DARTS Zero: zeros shaped like x[:, ::stride, ::stride]. No gradient flows through it (PyTorch's is 0 too). */
export function zeroOp(stride: number): Module {
  return {
    params: [],
    buffers: [],
    apply: (x) => {
      if (stride === 1) return tf.zerosLike(x);
      const [n, h, w, c] = x.shape;
      return tf.zeros([n, Math.ceil(h / stride), Math.ceil(w / stride), c]);
    },
  };
}

function pool(kind: 'avg' | 'max', ctx: DartsOpContext): Module {
  const p = poolModule(kind, 3, ctx.stride);
  return ctx.poolBn ? sequential(p, batchNorm(ctx.C, false)) : p;
}

/** True when OPS[op] at this stride is the identity (DARTS applies drop-path to every other op). */
export function isIdentityOp(op: DartsOp, stride: number): boolean {
  return op === 'skip_connect' && stride === 1;
}

export const DARTS_OP_FACTORIES: Readonly<Record<DartsOp, (ctx: DartsOpContext) => Module>> = {
  none: (ctx) => zeroOp(ctx.stride),
  max_pool_3x3: (ctx) => pool('max', ctx),
  avg_pool_3x3: (ctx) => pool('avg', ctx),
  skip_connect: (ctx) => (ctx.stride === 1 ? identity : factorizedReduce(ctx.C, ctx.C, ctx.affine, ctx.rng)),
  sep_conv_3x3: (ctx) => sepConv(ctx.C, ctx.C, 3, ctx.stride, ctx.affine, ctx.rng),
  sep_conv_5x5: (ctx) => sepConv(ctx.C, ctx.C, 5, ctx.stride, ctx.affine, ctx.rng),
  dil_conv_3x3: (ctx) => dilConv(ctx.C, ctx.C, 3, ctx.stride, 2, ctx.affine, ctx.rng),
  dil_conv_5x5: (ctx) => dilConv(ctx.C, ctx.C, 5, ctx.stride, 2, ctx.affine, ctx.rng),
};
