/** Primitive modules: convolutions, batch norm from primitives, dense, activations. */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng';
import { fanInUniform, heNormal, variableFrom } from './init';
import type { Module } from './module';
import { buildingImpl } from './training-impl';

export interface ConvOptions {
  readonly stride?: number;
  readonly dilation?: number;
  /** 'same' pads (k-1)*dilation/2 on each side, like PyTorch's padding=k//2*dilation for odd k. */
  readonly padding?: 'same' | 'valid';
}

export function conv2d(cIn: number, cOut: number, k: number, rng: Rng, o: ConvOptions = {}): Module {
  const w = variableFrom(heNormal([k, k, cIn, cOut], k * k * cIn, rng), true);
  const stride = o.stride ?? 1;
  const dilation = o.dilation ?? 1;
  const pad = samePadding(k, dilation, o.padding);
  const impl = buildingImpl();
  return {
    params: [w],
    buffers: [],
    apply: (x, training) => (training && impl?.conv(x, w as tf.Tensor4D, stride, dilation, pad))
      || tf.conv2d(padInput(x, pad), w as tf.Tensor4D, stride, 'valid', 'NHWC', dilation),
  };
}

/** Depthwise k x k convolution (channel multiplier 1). */
export function depthwiseConv2d(c: number, k: number, rng: Rng, o: ConvOptions = {}): Module {
  const w = variableFrom(heNormal([k, k, c, 1], k * k, rng), true);
  const stride = o.stride ?? 1;
  const dilation = o.dilation ?? 1;
  const pad = samePadding(k, dilation, o.padding);
  const impl = buildingImpl();
  return {
    params: [w],
    buffers: [],
    apply: (x, training) => (training && impl?.depthwise(x, w as tf.Tensor4D, stride, dilation, pad))
      || tf.depthwiseConv2d(padInput(x, pad), w as tf.Tensor4D, stride, 'valid', 'NHWC', dilation),
  };
}

function samePadding(k: number, dilation: number, padding: 'same' | 'valid' | undefined): number {
  return padding === 'valid' ? 0 : ((k - 1) * dilation) >> 1;
}

/**
 * Explicit symmetric zero padding, as PyTorch does; tfjs 'same' pads asymmetrically for even
 * effective sizes and strided convs, which would make our models differ from the papers' reference code.
 */
export function padInput(x: tf.Tensor4D, p: number): tf.Tensor4D {
  return p === 0 ? x : tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
}

/**
 * Batch norm over N, H, W, from primitives (tfjs's batchNorm gradient crashes without offset/scale).
 * Training mode normalises with batch statistics and updates running averages (PyTorch momentum 0.1);
 * inference uses the running statistics.
 */
export function batchNorm(c: number, affine = true, momentum = 0.1, eps = 1e-5): Module & {
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
} {
  const gamma = affine ? variableFrom(tf.ones([c]), true) : null;
  const beta = affine ? variableFrom(tf.zeros([c]), true) : null;
  const runningMean = variableFrom(tf.zeros([c]), false);
  const runningVar = variableFrom(tf.ones([c]), false);
  const impl = buildingImpl();
  return {
    params: affine ? [gamma!, beta!] : [],
    buffers: [runningMean, runningVar],
    runningMean,
    runningVar,
    apply: (x, training) => {
      const fast = training ? impl?.batchNorm(x, runningMean, runningVar, gamma, beta, momentum, eps) : null;
      if (fast) return fast;
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (training) {
        const m = tf.moments(x, [0, 1, 2]);
        mean = m.mean;
        variance = m.variance;
        const n = x.shape[0] * x.shape[1] * x.shape[2];
        const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
        // Running statistics are side state, not part of the differentiated computation.
        runningMean.assign(tf.tidy(() => tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum))));
        runningVar.assign(tf.tidy(() => tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum))));
      } else {
        mean = runningMean;
        variance = runningVar;
      }
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      if (gamma && beta) y = tf.add(tf.mul(y, gamma), beta);
      return y as tf.Tensor4D;
    },
  };
}

export function relu(): Module {
  return { params: [], buffers: [], apply: (x) => tf.relu(x) };
}

/** Dense layer on [N, features]; its apply works on rank-2 tensors, so it is not a Module. */
export function dense(inFeatures: number, outFeatures: number, rng: Rng) {
  const w = variableFrom(fanInUniform([inFeatures, outFeatures], inFeatures, rng), true);
  const b = variableFrom(fanInUniform([outFeatures], inFeatures, rng), true);
  return {
    params: [w, b] as tf.Variable[],
    buffers: [] as tf.Variable[],
    apply: (x: tf.Tensor2D): tf.Tensor2D => tf.add(tf.matMul(x, w as tf.Tensor2D), b),
  };
}

/** Global average pooling NHWC -> [N, C]. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}
