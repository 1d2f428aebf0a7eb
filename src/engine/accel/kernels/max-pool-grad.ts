/**
 * A correct MaxPoolGrad built from native ops: "max of shifted slices", first maximum wins.
 *
 * Why: tfjs 4.22's WASM MaxPoolGrad silently routes some gradients to the wrong element (6 of 512 for 3x3 s1
 * 'same', 10 of 512 for 2x2 s2). This version extracts the K = KH*KW strided window slices of the padded input as
 * one depthwise conv with one-hot filters ([N, OH, OW, C*K]; exact, since every output is one input times 1 plus
 * zeros), marks per output the FIRST window position (row-major) equal to the pooled max — the tie rule of the CPU
 * backend and of PyTorch — multiplies dy by that mask and scatters it back with the adjoint of the same depthwise
 * conv (depthwise-backprop.ts). Padding uses -FLT_MAX rather than -Infinity (0 * -Infinity would be NaN), so
 * inputs are assumed finite. Per-window slices, Equal and Unpack are avoided on purpose: on WASM they are JS loops
 * or slow broadcasting kernels, and a first version built on them was ~15x slower than this one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseInputGrad } from './depthwise-backprop';
import { asTensor, type PadAttr, type RoundingMode } from './tensor-util';

const LOWEST_FLOAT32 = -3.4028234663852886e38;

/** [KH, KW, C, K] filter with filter[i, j, c, i*KW + j] = 1: a depthwise conv with it lists every window element. */
function windowSelector(kh: number, kw: number, c: number): tf.Tensor4D {
  const k = kh * kw;
  const v = new Float32Array(kh * kw * c * k);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let ch = 0; ch < c; ch++) v[((i * kw + j) * c + ch) * k + i * kw + j] = 1;
    }
  }
  return tf.tensor4d(v, [kh, kw, c, k]);
}

export function maxPoolGradFromWindows(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  // Padded extent that every window fits into.
  const hp = Math.max(top + h, (oh - 1) * sh + kh);
  const wp = Math.max(left + w, (ow - 1) * sw + kw);
  const padded = hp !== h || wp !== w;
  const xp = padded ? tf.pad(x, [[0, 0], [top, hp - h - top], [left, wp - w - left], [0, 0]], LOWEST_FLOAT32) : x;
  const k = kh * kw;
  const selector = windowSelector(kh, kw, c);
  const windows = tf.reshape(tf.depthwiseConv2d(xp, selector, [sh, sw], 'valid'), [n, oh, ow, c, k]);
  // isMax = (window == y) as 1 - step(y - window), since y >= window; first max: cumulative count along K is 1.
  const isMax = tf.sub(1, tf.step(tf.sub(tf.reshape(y, [n, oh, ow, c, 1]), windows)));
  const firstMax = tf.mul(isMax, tf.step(tf.sub(1.5, tf.cumsum(isMax, 4))));
  const contrib = tf.reshape(tf.mul(firstMax, tf.reshape(dy, [n, oh, ow, c, 1])), [n, oh, ow, c * k]) as tf.Tensor4D;
  const dxp = depthwiseInputGrad(contrib, selector, [n, hp, wp, c], [sh, sw], 'valid');
  return padded ? tf.slice(dxp, [0, top, left, 0], [n, h, w, c]) : dxp;
}

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: RoundingMode;
}

/** Kernel config for `MaxPoolGrad` on the given backend. Inputs: dy, input (x), output (y = maxPool(x)). */
export function maxPoolGradConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const dy = asTensor(inputs.dy, 'dy');
      const x = asTensor(inputs.input, 'input');
      const y = asTensor(inputs.output, 'output');
      const a = attrs as unknown as MaxPoolGradAttrs;
      return tf.tidy(() => maxPoolGradFromWindows(dy, x, y, a.filterSize, a.strides, a.pad, a.dimRoundingMode));
    },
  };
}
