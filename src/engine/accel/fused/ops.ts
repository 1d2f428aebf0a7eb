/**
 * Differentiable fused ops for the fast supernet path: each is one tfjs op with a hand-written gradient
 * (tf.customGrad), so the tape holds one node instead of a chain of primitives, and the slow generic gradient
 * kernels are replaced by the fused kernels of kernels.ts. Values and gradients equal the plain ops'
 * (tests/unit/fused-ops.test.ts):
 *  - fusedDepthwise(x, w, dilation)  = layers.depthwiseConv2d / the dilated depthwise of darts-ops at stride 1
 *    (PyTorch's symmetric padding, which for stride 1 and an odd effective kernel is tfjs's 'same');
 *  - fusedPointwise(x, w)            = a 1x1 conv: on wasm the engine's conv kernels (direct SIMD GEMMs, on the kernel
 *    pool when one runs; 2-3x faster than the matMul form forward + backward at 16-64 channels, measured), else two
 *    matMuls per gradient (tfjs's matMul with a transposed operand takes a slow path, so the small filter is
 *    transposed instead);
 *  - fusedBatchNorm(x, mean, var)    = layers.batchNorm(c, affine=false) (training: batch statistics, running
 *    statistics updated in place with PyTorch's momentum; inference: running statistics);
 *  - fusedMaxPool3(x) / fusedAvgPool3(x) = 3x3 stride-1 pools with padding 1 (pooling.ts's torchPool2d);
 *  - fusedWeightedSum(parts, w, idx) = sum_j w[idx_j] * parts_j (a mixed op's weighted sum; w is the whole row);
 *  - fusedConvStage(x, dw, pw, ...)  = [ReLU ->] depthwise -> 1x1 conv -> BN(affine=false), one kernel each way on
 *    wasm with SIMD (the building block of DARTS' sep_conv / dil_conv), else the ops above;
 *  - fusedPoolBn(x, kind, ...)       = 3x3 stride-1 pool -> BN(affine=false) (DARTS search-mode pools), likewise.
 * On webgpu, fusedBatchNorm and fusedWeightedSum run WGSL kernels (webgpu/, while `fused.webgpu` is on); on backends
 * without fused kernels every other op falls back to the plain ops, so callers need no backend checks. Call inside
 * tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedKernelsAvailable, NAS_AVGPOOL3_GRAD, NAS_BN_GRAD, NAS_BN_TRAIN, NAS_CONV_STAGE, NAS_CONV_STAGE_GRAD, NAS_DW_FILTER_GRAD,
  NAS_MAXPOOL3_GRAD, NAS_POOL_BN, NAS_POOL_BN_GRAD, NAS_WEIGHTED_SUM, NAS_WEIGHTED_SUM_GRAD, stageKernelsAvailable,
} from './kernels';
import { accelOptions } from '../options';
import { webgpuKernelsAvailable } from '../webgpu/kernels';
import { gpuBatchNorm } from '../webgpu/ops';

type Attrs = tf.NamedAttrMap;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: object = {}): tf.Tensor | tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, attrs as unknown as Attrs) as tf.Tensor | tf.Tensor[];

function checkOddKernel(k: number, op: string): void {
  if (k % 2 !== 1) throw new Error(`${op}: odd kernel sizes only (symmetric 'same' padding), got ${k}`);
}

/** Depthwise k x k conv, stride 1, channel multiplier 1, PyTorch padding ((k-1)*dilation/2 each side). */
export function fusedDepthwise(x: tf.Tensor4D, w: tf.Tensor4D, dilation = 1): tf.Tensor4D {
  const [k, , c, m] = w.shape;
  checkOddKernel(k, 'fusedDepthwise');
  if (m !== 1 || c !== x.shape[3]) throw new Error(`fusedDepthwise: filter [k, k, ${x.shape[3]}, 1] expected, got [${w.shape}]`);
  if (!fusedKernelsAvailable()) return tf.depthwiseConv2d(x, w, 1, 'same', 'NHWC', dilation);
  const f = tf.customGrad((xi, wi, save) => {
    const xt = xi as tf.Tensor4D;
    const wt = wi as tf.Tensor4D;
    (save as tf.GradSaveFunc)([xt, wt]);
    return {
      value: tf.depthwiseConv2d(xt, wt, 1, 'same', 'NHWC', dilation),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g = dy as tf.Tensor4D;
        const dx = tf.depthwiseConv2d(g, tf.reverse(ws, [0, 1]), 1, 'same', 'NHWC', dilation);
        const dw = run(NAS_DW_FILTER_GRAD, { x: xs, dy: g }, { k, dilation }) as tf.Tensor4D;
        return [dx, dw];
      },
    };
  });
  return f(x, w) as tf.Tensor4D;
}

/** 1x1 conv (no bias): [N, H, W, C] x [1, 1, C, C']; see the file comment for the two forms. */
export function fusedPointwise(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const cOut = w.shape[3];
  if (w.shape[0] !== 1 || w.shape[1] !== 1 || w.shape[2] !== c) throw new Error(`fusedPointwise: filter [1, 1, ${c}, C'] expected, got [${w.shape}]`);
  if (accelOptions().fused.pointwiseAsConv && tf.getBackend() === 'wasm') return tf.conv2d(x, w, 1, 'valid');
  const plain = (xi: tf.Tensor4D, wi: tf.Tensor4D) =>
    tf.reshape(tf.matMul(tf.reshape(xi, [n * h * wd, c]), tf.reshape(wi, [c, cOut])), [n, h, wd, cOut]) as tf.Tensor4D;
  if (!fusedKernelsAvailable()) return plain(x, w);
  const f = tf.customGrad((xi, wi, save) => {
    const xt = xi as tf.Tensor4D;
    const wt = wi as tf.Tensor4D;
    (save as tf.GradSaveFunc)([xt, wt]);
    return {
      value: plain(xt, wt),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g2 = tf.reshape(dy, [n * h * wd, cOut]);
        const dx = tf.reshape(tf.matMul(g2, tf.transpose(tf.reshape(ws, [c, cOut]))), [n, h, wd, c]);
        const dw = tf.reshape(tf.matMul(tf.transpose(tf.reshape(xs, [n * h * wd, c])), g2), [1, 1, c, cOut]);
        return [dx, dw];
      },
    };
  });
  return f(x, w) as tf.Tensor4D;
}

/**
 * Batch norm without affine parameters over N, H, W (layers.batchNorm(c, false)). Training: normalises with the
 * batch statistics and updates `runningMean`/`runningVar` (momentum, unbiased variance) as a side effect.
 */
export function fusedBatchNorm(x: tf.Tensor4D, runningMean: tf.Variable, runningVar: tf.Variable, training: boolean,
  momentum = 0.1, eps = 1e-5): tf.Tensor4D {
  if (!training) return tf.mul(tf.sub(x, runningMean), tf.rsqrt(tf.add(runningVar, eps))) as tf.Tensor4D;
  if (!fusedKernelsAvailable()) {
    if (webgpuKernelsAvailable()) return gpuBatchNorm(x, runningMean, runningVar, null, null, momentum, eps);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
    runningMean.assign(tf.tidy(() => tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum))));
    runningVar.assign(tf.tidy(() => tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum))));
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))) as tf.Tensor4D;
  }
  const f = tf.customGrad((xi, save) => {
    const [y, invStd, newMean, newVar] = run(NAS_BN_TRAIN, { x: xi as tf.Tensor, runningMean, runningVar }, { momentum, eps }) as tf.Tensor[];
    runningMean.assign(newMean);
    runningVar.assign(newVar);
    (save as tf.GradSaveFunc)([y, invStd]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy, saved) => run(NAS_BN_GRAD, { dy: dy as tf.Tensor, y: saved[0], invStd: saved[1] }) as tf.Tensor,
    };
  });
  return f(x) as tf.Tensor4D;
}

/** 3x3 max pool, stride 1, padding 1 (PyTorch MaxPool2d(3, 1, 1)). */
export function fusedMaxPool3(x: tf.Tensor4D): tf.Tensor4D {
  if (!fusedKernelsAvailable()) return tf.maxPool(x, 3, 1, 'same');
  const f = tf.customGrad((xi, save) => {
    (save as tf.GradSaveFunc)([xi as tf.Tensor]);
    return {
      value: tf.maxPool(xi as tf.Tensor4D, 3, 1, 'same'),
      gradFunc: (dy, saved) => run(NAS_MAXPOOL3_GRAD, { x: saved[0], dy: dy as tf.Tensor }) as tf.Tensor,
    };
  });
  return f(x) as tf.Tensor4D;
}

/** 3x3 average pool, stride 1, padding 1, padding excluded from the count (count_include_pad=False). */
export function fusedAvgPool3(x: tf.Tensor4D): tf.Tensor4D {
  if (!fusedKernelsAvailable()) return tf.avgPool(x, 3, 1, 'same');
  const f = tf.customGrad((xi) => ({
    value: tf.avgPool(xi as tf.Tensor4D, 3, 1, 'same'),
    gradFunc: (dy) => run(NAS_AVGPOOL3_GRAD, { dy: dy as tf.Tensor }) as tf.Tensor,
  }));
  return f(x) as tf.Tensor4D;
}

/** sum_j w[idx[j]] * parts[j]; `w` is a 1-D weight row (e.g. softmax(alpha) of an edge), idx indexes it. */
export function fusedWeightedSum(parts: readonly tf.Tensor4D[], w: tf.Tensor1D, idx: readonly number[]): tf.Tensor4D {
  if (parts.length === 0 || parts.length !== idx.length) throw new Error(`fusedWeightedSum: ${parts.length} parts for ${idx.length} indices`);
  if (!fusedKernelsAvailable() && !webgpuKernelsAvailable()) {
    const terms = parts.map((p, j) => tf.mul(p, tf.slice(w, [idx[j]], [1])) as tf.Tensor4D);
    return terms.length === 1 ? terms[0] : tf.addN(terms) as tf.Tensor4D;
  }
  const attrs = { idx: idx.slice() };
  const f = tf.customGrad((...args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const tensors = args.slice(0, -1) as tf.Tensor[];
    save(tensors);
    const inputs: tf.NamedTensorMap = { w: tensors[0] };
    tensors.slice(1).forEach((t, j) => { inputs[`x${j}`] = t; });
    return {
      value: run(NAS_WEIGHTED_SUM, inputs, attrs) as tf.Tensor4D,
      gradFunc: (dy, saved) => {
        const gin: tf.NamedTensorMap = { w: saved[0], dy: dy as tf.Tensor };
        saved.slice(1).forEach((t, j) => { gin[`x${j}`] = t; });
        return run(NAS_WEIGHTED_SUM_GRAD, gin, attrs) as tf.Tensor[];
      },
    };
  });
  return f(w, ...parts) as tf.Tensor4D;
}

export interface StageOptions {
  readonly dilation?: number;
  /** Apply ReLU to x first (DARTS ops start with ReLU). */
  readonly reluIn?: boolean;
  readonly momentum?: number;
  readonly eps?: number;
}

/**
 * [ReLU ->] depthwise k x k (stride 1, PyTorch padding) -> 1x1 conv -> BN(affine=false); running statistics
 * updated in training as fusedBatchNorm does.
 */
export function fusedConvStage(x: tf.Tensor4D, dw: tf.Tensor4D, pw: tf.Tensor4D, runningMean: tf.Variable, runningVar: tf.Variable,
  training: boolean, o: StageOptions = {}): tf.Tensor4D {
  const dilation = o.dilation ?? 1;
  const reluIn = o.reluIn ?? false;
  const momentum = o.momentum ?? 0.1;
  const eps = o.eps ?? 1e-5;
  const k = dw.shape[0];
  checkOddKernel(k, 'fusedConvStage');
  if (!training || !stageKernelsAvailable(x.shape[3], pw.shape[3])) {
    const input = reluIn ? tf.relu(x) : x;
    return fusedBatchNorm(fusedPointwise(fusedDepthwise(input, dw, dilation), pw), runningMean, runningVar, training, momentum, eps);
  }
  const attrs = { k, dilation, reluIn, momentum, eps };
  // Weights that are Variables are read back from the closure in the backward pass instead of being saved: a
  // Variable outlives the forward scope and nothing assigns it between forward and backward of one step, and
  // each save costs an Identity kernel.
  const captured = dw instanceof tf.Variable && pw instanceof tf.Variable;
  const f = tf.customGrad((xi, dwi, pwi, save) => {
    const [y, hid, invStd, newMean, newVar] = run(NAS_CONV_STAGE,
      { x: xi as tf.Tensor, dw: dwi as tf.Tensor, pw: pwi as tf.Tensor, runningMean, runningVar }, attrs) as tf.Tensor[];
    runningMean.assign(newMean);
    runningVar.assign(newVar);
    (save as tf.GradSaveFunc)(captured ? [xi as tf.Tensor, hid, y, invStd] : [xi as tf.Tensor, hid, y, invStd, dwi as tf.Tensor, pwi as tf.Tensor]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy, saved) => {
        const [xs, hs, ys, is] = saved;
        const [dws, pws] = captured ? [dw, pw] : [saved[4], saved[5]];
        return run(NAS_CONV_STAGE_GRAD, { dy: dy as tf.Tensor, x: xs, dw: dws, pw: pws, hid: hs, y: ys, invStd: is }, attrs) as tf.Tensor[];
      },
    };
  });
  return f(x, dw, pw) as tf.Tensor4D;
}

/** 3x3 stride-1 pool (padding 1; max, or average over the valid inputs) followed by BN(affine=false). */
export function fusedPoolBn(x: tf.Tensor4D, kind: 'max' | 'avg', runningMean: tf.Variable, runningVar: tf.Variable, training: boolean,
  momentum = 0.1, eps = 1e-5): tf.Tensor4D {
  if (!training || !stageKernelsAvailable(x.shape[3])) {
    return fusedBatchNorm(kind === 'max' ? fusedMaxPool3(x) : fusedAvgPool3(x), runningMean, runningVar, training, momentum, eps);
  }
  const attrs = { isMax: kind === 'max', momentum, eps };
  const f = tf.customGrad((xi, save) => {
    const [y, invStd, newMean, newVar] = run(NAS_POOL_BN, { x: xi as tf.Tensor, runningMean, runningVar }, attrs) as tf.Tensor[];
    runningMean.assign(newMean);
    runningVar.assign(newVar);
    (save as tf.GradSaveFunc)([xi as tf.Tensor, y, invStd]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy, saved) => run(NAS_POOL_BN_GRAD, { dy: dy as tf.Tensor, x: saved[0], y: saved[1], invStd: saved[2] }, attrs) as tf.Tensor,
    };
  });
  return f(x) as tf.Tensor4D;
}
