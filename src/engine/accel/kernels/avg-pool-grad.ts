/**
 * Gradient of AvgPool that matches its forward (and PyTorch's count_include_pad=False) at padded borders.
 *
 * Why: on every tfjs 4.22 backend the AvgPool forward divides each window by the number of VALID input elements,
 * but the AvgPoolGrad kernel divides by the full window size K = KH*KW, so with 'same' (or explicit) padding the
 * border gradients are too small. AvgPoolGrad computes dx[i] = sum_{o covers i} dy[o] / K, so feeding it
 * dy[o] * K / count(o) gives dx[i] = sum_{o covers i} dy[o] / count(o): the true gradient. Without padding every
 * count is K and the scale is skipped. A registered gradient applies to all backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PadAttr, RoundingMode } from './tensor-util';

interface AvgPoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: RoundingMode;
}

/** Per-output-position K/count factors, shape [1, OH, OW, 1]; null when every window is fully inside the input. */
export function avgPoolBorderScale(info: tf.backend_util.Conv2DInfo): tf.Tensor4D | null {
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const validCount = (o: number, s: number, pad: number, k: number, size: number): number => {
    const start = o * s - pad;
    return Math.min(size, start + k) - Math.max(0, start);
  };
  const rows = Array.from({ length: oh }, (_, i) => validCount(i, sh, top, kh, h));
  const cols = Array.from({ length: ow }, (_, j) => validCount(j, sw, left, kw, w));
  const full = kh * kw;
  if (rows.every((r) => r === kh) && cols.every((c) => c === kw)) return null;
  const values = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) values[i * ow + j] = full / Math.max(1, rows[i] * cols[j]);
  }
  return tf.tensor4d(values, [1, oh, ow, 1]);
}

export const avgPoolGradConfig: tf.GradConfig = {
  kernelName: tf.AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor4D];
    const a = attrs as unknown as AvgPoolAttrs;
    return {
      x: () => {
        const info = tf.backend_util.computePool2DInfo(x.shape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
        const scale = avgPoolBorderScale(info);
        const g = scale == null ? (dy as tf.Tensor4D) : tf.mul(dy as tf.Tensor4D, scale);
        return tf.engine().runKernel(tf.AvgPoolGrad, { dy: g, input: x },
          { filterSize: a.filterSize, strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      },
    };
  },
};
