/**
 * PyTorch-exact k x k pooling with symmetric padding, as the DARTS primitives use it (Liu et al., ICLR 2019,
 * quark0/darts `operations.py`: `nn.AvgPool2d(3, stride, padding=1, count_include_pad=False)` and
 * `nn.MaxPool2d(3, stride, padding=1)`).
 *
 * tfjs's 'same' pooling pads asymmetrically (all of an odd total at the end) when strided, so a stride-2 window
 * grid would start at row 0 where PyTorch's starts at row -1. Strided pools here pad explicitly and pool 'valid':
 *  - average: zero padding, window sums divided by a count map of valid inputs (count_include_pad=False);
 *  - max: padding with the lowest finite float32 (a padded cell never wins against a finite input, and every
 *    window holds at least one real input). Not -Infinity: gradient kernels that extract windows by
 *    multiplication (kernels/max-pool-grad.ts on WASM) would turn 0 * -Infinity into NaN.
 * At stride 1 with padding (k-1)/2, tfjs's 'same' grid is PyTorch's and its pools already ignore the padding,
 * so that case uses them directly. Output size: floor((h + 2p - k) / s) + 1 (= ceil(h / s) for k = 3, p = 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';
import { buildingImpl } from './training-impl';

export type PoolKind = 'avg' | 'max';

const LOWEST_FLOAT32 = -3.4028234663852886e38;

function outSize(size: number, k: number, stride: number, pad: number): number {
  const out = Math.floor((size + 2 * pad - k) / stride) + 1;
  if (out < 1) throw new Error(`pooling: a ${k}x${k} window (stride ${stride}, padding ${pad}) does not fit a size-${size} input`);
  return out;
}

/** Number of real (unpadded) inputs in each output window along one axis. */
function validCounts(size: number, k: number, stride: number, pad: number): number[] {
  return Array.from({ length: outSize(size, k, stride, pad) }, (_, i) => {
    const start = i * stride - pad;
    return Math.min(size, start + k) - Math.max(0, start);
  });
}

/**
 * Pool `x` (NHWC) with a k x k window, `stride`, and `pad` cells of padding on every side, exactly as PyTorch's
 * AvgPool2d(count_include_pad=False) / MaxPool2d. Differentiable; call inside tf.tidy.
 */
export function torchPool2d(x: tf.Tensor4D, kind: PoolKind, k: number, stride: number, pad: number): tf.Tensor4D {
  if (pad < 0 || pad > k / 2) throw new Error(`pooling: padding ${pad} must be in 0..${Math.floor(k / 2)} (at most half the ${k}x${k} window, as PyTorch)`);
  const [, h, w] = x.shape;
  if (stride === 1 && k % 2 === 1 && pad === (k - 1) / 2) {
    return kind === 'avg' ? tf.avgPool(x, k, 1, 'same') : tf.maxPool(x, k, 1, 'same');
  }
  const paddings: [number, number][] = [[0, 0], [pad, pad], [pad, pad], [0, 0]];
  if (kind === 'max') {
    const padded = pad > 0 ? tf.pad(x, paddings, LOWEST_FLOAT32) : x;
    return tf.maxPool(padded, k, stride, 'valid');
  }
  const padded = pad > 0 ? tf.pad(x, paddings) : x;
  const mean = tf.avgPool(padded, k, stride, 'valid');
  if (pad === 0) return mean;
  // mean * k^2 / count: the window sum over the real inputs only.
  const rows = validCounts(h, k, stride, pad);
  const cols = validCounts(w, k, stride, pad);
  const scale = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => cols.forEach((c, j) => { scale[i * cols.length + j] = (k * k) / (r * c); }));
  return tf.mul(mean, tf.tensor4d(scale, [1, rows.length, cols.length, 1]));
}

/** A parameter-free pooling module (k x k, padding (k-1)/2, PyTorch semantics). */
export function poolModule(kind: PoolKind, k: number, stride: number): Module {
  const pad = (k - 1) >> 1;
  const impl = buildingImpl();
  return {
    params: [],
    buffers: [],
    apply: (x, training) => (training && impl?.pool(x, kind, k, stride, pad)) || torchPool2d(x, kind, k, stride, pad),
  };
}
