/**
 * Elastic layers for the mobile macro-space supernet (Once-for-All, Cai et al., "Once-for-All: Train One Network
 * and Specialize it for Efficient Deployment", ICLR 2020): each layer holds weights at its largest shape, and a
 * subnet uses the FIRST c channels (elastic width) and the CENTRE k x k of the largest depthwise kernel (elastic
 * kernel, without OFA's kernel-transform matrices). Slicing is inside the differentiated computation, so the
 * gradient reaches only the used slice. Batch norm normalises and updates running statistics of its first c
 * channels only (the others stay exactly as they were, which bn-recalibrate.ts relies on).
 * `slices(...)` returns the sliced tensors (new, caller disposes) in the order of the standalone layers of
 * ops/layers.ts, so a standalone network can be loaded with the weights a subnet inherits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fanInUniform, heNormal, variableFrom } from '../ops/init';
import { padInput } from '../ops/layers';
import type { Rng } from '../util/rng';

export interface Sliced {
  readonly params: tf.Tensor[];
  readonly buffers: tf.Tensor[];
}

function checkWidth(what: string, c: number, max: number): void {
  if (!(Number.isInteger(c) && c >= 1 && c <= max)) throw new Error(`${what}: ${c} channels requested, the supernet holds 1..${max}`);
}

/** Conv k x k (no bias, symmetric padding k // 2) on [k, k, cInMax, cOutMax]. */
export function elasticConv(cInMax: number, cOutMax: number, k: number, rng: Rng) {
  const w = variableFrom(heNormal([k, k, cInMax, cOutMax], k * k * cInMax, rng), true);
  const slice = (cIn: number, cOut: number) => {
    checkWidth('elastic conv input', cIn, cInMax);
    checkWidth('elastic conv output', cOut, cOutMax);
    return cIn === cInMax && cOut === cOutMax ? w : tf.slice(w, [0, 0, 0, 0], [k, k, cIn, cOut]);
  };
  return {
    params: [w],
    apply: (x: tf.Tensor4D, cOut: number, stride: number): tf.Tensor4D =>
      tf.conv2d(padInput(x, k >> 1), slice(x.shape[3], cOut) as tf.Tensor4D, stride, 'valid'),
    slices: (cIn: number, cOut: number): Sliced => ({ params: [tf.clone(slice(cIn, cOut))], buffers: [] }),
  };
}

/** Depthwise conv on [kMax, kMax, cMax, 1]; a k x k subnet kernel is the centre of the largest one. */
export function elasticDepthwise(cMax: number, kMax: number, rng: Rng) {
  const w = variableFrom(heNormal([kMax, kMax, cMax, 1], kMax * kMax, rng), true);
  const slice = (c: number, k: number) => {
    checkWidth('elastic depthwise', c, cMax);
    if (!(k >= 1 && k <= kMax && (kMax - k) % 2 === 0)) throw new Error(`elastic depthwise: kernel ${k} is not a centred crop of ${kMax}`);
    const o = (kMax - k) >> 1;
    return c === cMax && k === kMax ? w : tf.slice(w, [o, o, 0, 0], [k, k, c, 1]);
  };
  return {
    params: [w],
    apply: (x: tf.Tensor4D, k: number, stride: number): tf.Tensor4D =>
      tf.depthwiseConv2d(padInput(x, k >> 1), slice(x.shape[3], k) as tf.Tensor4D, stride, 'valid'),
    slices: (c: number, k: number): Sliced => ({ params: [tf.clone(slice(c, k))], buffers: [] }),
  };
}

/** Batch norm (affine, PyTorch momentum 0.1, eps 1e-5) over the first c of cMax channels, as ops/layers.ts batchNorm. */
export function elasticBatchNorm(cMax: number, momentum = 0.1, eps = 1e-5) {
  const gamma = variableFrom(tf.ones([cMax]), true);
  const beta = variableFrom(tf.zeros([cMax]), true);
  const runningMean = variableFrom(tf.zeros([cMax]), false);
  const runningVar = variableFrom(tf.ones([cMax]), false);
  const first = (v: tf.Tensor, c: number) => (c === cMax ? v : tf.slice(v, [0], [c]));
  /** v[:c] <- (1 - m) v[:c] + m s; v[c:] unchanged. */
  const update = (v: tf.Variable, s: tf.Tensor, c: number) => {
    v.assign(tf.tidy(() => {
      const head = tf.add(tf.mul(first(v, c), 1 - momentum), tf.mul(s, momentum));
      return c === cMax ? head : tf.concat([head, tf.slice(v, [c], [cMax - c])]);
    }));
  };
  return {
    params: [gamma, beta],
    buffers: [runningMean, runningVar],
    apply: (x: tf.Tensor4D, training: boolean): tf.Tensor4D => {
      const c = x.shape[3];
      checkWidth('elastic batch norm', c, cMax);
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (training) {
        const m = tf.moments(x, [0, 1, 2]);
        mean = m.mean;
        variance = m.variance;
        const n = x.shape[0] * x.shape[1] * x.shape[2];
        update(runningMean, mean, c);
        update(runningVar, n > 1 ? tf.mul(variance, n / (n - 1)) : variance, c);
      } else {
        mean = first(runningMean, c);
        variance = first(runningVar, c);
      }
      const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      return tf.add(tf.mul(y, first(gamma, c)), first(beta, c)) as tf.Tensor4D;
    },
    slices: (c: number): Sliced => {
      checkWidth('elastic batch norm', c, cMax);
      return { params: [gamma, beta].map((v) => tf.clone(first(v, c))), buffers: [runningMean, runningVar].map((v) => tf.clone(first(v, c))) };
    },
  };
}

/** Dense [inMax, outMax] + bias on [N, in]: the first `in` rows and `out` columns. */
export function elasticDense(inMax: number, outMax: number, rng: Rng) {
  const w = variableFrom(fanInUniform([inMax, outMax], inMax, rng), true);
  const b = variableFrom(fanInUniform([outMax], inMax, rng), true);
  const slice = (nIn: number, nOut: number): [tf.Tensor, tf.Tensor] => {
    checkWidth('elastic dense input', nIn, inMax);
    checkWidth('elastic dense output', nOut, outMax);
    return nIn === inMax && nOut === outMax ? [w, b] : [tf.slice(w, [0, 0], [nIn, nOut]), tf.slice(b, [0], [nOut])];
  };
  return {
    params: [w, b],
    apply: (x: tf.Tensor2D, nOut: number): tf.Tensor2D => {
      const [ws, bs] = slice(x.shape[1], nOut);
      return tf.add(tf.matMul(x, ws as tf.Tensor2D), bs);
    },
    slices: (nIn: number, nOut: number): Sliced => ({ params: slice(nIn, nOut).map((t) => tf.clone(t)), buffers: [] }),
  };
}

/** Squeeze-and-excitation (ops/mobile-ops.ts squeezeExcite) on the first c of cMax channels, squeeze width given. */
export function elasticSqueezeExcite(cMax: number, squeezeMax: number, rng: Rng) {
  const reduce = elasticDense(cMax, squeezeMax, rng);
  const expand = elasticDense(squeezeMax, cMax, rng);
  return {
    params: [...reduce.params, ...expand.params],
    apply: (x: tf.Tensor4D, squeeze: number): tf.Tensor4D => {
      const c = x.shape[3];
      const s = tf.relu(reduce.apply(tf.mean(x, [1, 2]) as tf.Tensor2D, squeeze));
      const gates = tf.sigmoid(expand.apply(s, c));
      return tf.mul(x, tf.reshape(gates, [x.shape[0], 1, 1, c]));
    },
    slices: (c: number, squeeze: number): Sliced => ({
      params: [...reduce.slices(c, squeeze).params, ...expand.slices(squeeze, c).params], buffers: [],
    }),
  };
}
