/**
 * Small shared helpers for the custom training kernels: turning kernel inputs back into Tensors, attribute
 * normalisation, and the pad-or-crop / zero-insertion reshapes that let a gradient be written as a forward conv.
 * Everything here is built from tfjs-core ops, so it runs on whichever backend is current.
 */
import * as tf from '@tensorflow/tfjs-core';

export type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;
export type Pair = [number, number];

/** The attributes of tfjs's Conv2D and its two gradient kernels, as the kernels receive them. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
  dilations?: number | [number, number];
}

/**
 * Kernel inputs reach a kernelFunc as the Tensors the op passed to `engine.runKernel`; the engine hands them
 * through unchanged. A bare TensorInfo would mean someone called the kernelFunc directly, which we do not support.
 */
export function asTensor<R extends tf.Rank = tf.Rank.R4>(info: tf.TensorInfo | undefined, name: string): tf.Tensor<R> {
  if (info == null) throw new Error(`custom kernel: missing input '${name}'`);
  const t = info as Partial<tf.Tensor>;
  if (typeof t.rank !== 'number' || typeof t.dispose !== 'function') {
    throw new Error(`custom kernel: input '${name}' is not a Tensor (kernel called outside engine.runKernel?)`);
  }
  return info as tf.Tensor<R>;
}

export function pair(v: number | number[] | undefined, fallback = 1): Pair {
  if (v == null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  if (v.length === 1) return [v[0], v[0]];
  return [v[0], v[1]];
}

export function isOnes(p: Pair): boolean {
  return p[0] === 1 && p[1] === 1;
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor so that a following
 * convolution can use the returned non-negative explicit padding. Cropping happens here with a slice; padding is
 * left to the conv (cheaper than materialising it).
 */
export function cropForPadding(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { x: tf.Tensor4D; pad: tf.backend_util.ExplicitPadding } {
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -top);
  const cropBottom = Math.max(0, -bottom);
  const cropLeft = Math.max(0, -left);
  const cropRight = Math.max(0, -right);
  let out = x;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    out = tf.slice(x, [0, cropTop, cropLeft, 0], [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c]);
  }
  return {
    x: out,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/**
 * Inserts (s-1) zeros between neighbouring spatial elements of an NHWC tensor (the "fractional stride" of a
 * transposed conv). Output spatial size is (H-1)*sh+1 x (W-1)*sw+1. Built from reshape + pad + slice.
 */
export function zeroInsert(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  // [n, h, 1, w, 1, c] -> pad the singleton axes to s -> [n, h*sh, w*sw, c] -> drop the trailing zeros.
  const r = tf.reshape(x, [n * h, 1, w, c]);
  const padH = tf.pad(r, [[0, 0], [0, sh - 1], [0, 0], [0, 0]]);
  const r2 = tf.reshape(padH, [n * h * sh * w, 1, c]);
  const padW = tf.pad(r2, [[0, 0], [0, sw - 1], [0, 0]]);
  const full = tf.reshape(padW, [n, h * sh, w * sw, c]) as tf.Tensor4D;
  return tf.slice(full, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/** NCHW <-> NHWC helpers. */
export function toNHWC(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 2, 3, 1]);
}
export function toNCHW(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]);
}
export function nhwcShape(shape: number[], dataFormat: 'NHWC' | 'NCHW' | undefined): [number, number, number, number] {
  const [a, b, c, d] = shape;
  return dataFormat === 'NCHW' ? [a, c, d, b] : [a, b, c, d];
}
