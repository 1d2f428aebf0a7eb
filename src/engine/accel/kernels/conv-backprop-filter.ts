/**
 * Conv2DBackpropFilter as a FORWARD conv2d of transposed tensors.
 *
 * Why: tfjs 4.22's WASM backend has no Conv2DBackpropFilter at all (training any conv, plain, strided or fused,
 * throws), and the CPU backend's one is a scalar loop that takes ~30-60 s for one batch of a small CNN. The filter
 * gradient
 *   dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s + kh*d - padTop, ow*s + kw*d - padLeft, ci] * dy[n,oh,ow,co]
 * is itself a convolution: take x^T = [Cin, H, W, N] as the input ("batch" Cin, "channels" N) and
 * dy^T = [OH, OW, N, Cout] as the filter; a conv with stride d (the forward dilation) and dilation s (the forward
 * stride) gives [Cin, KH, KW, Cout]. The backend's fast forward conv (XNNPACK on WASM) then does the work.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, cropForPadding, pair, type PadAttr, type RoundingMode } from './tensor-util';

/**
 * Filter gradient of conv2d(x, filter, strides, pad, dataFormat, dilations). Returns [KH, KW, Cin, Cout].
 * Supports NHWC and NCHW, strides or dilations (tfjs convs never have both > 1), and 'same'/'valid'/numeric/explicit
 * padding. Call inside a tidy: intermediates are not disposed here.
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dilations: number | [number, number] = 1,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  const nchw = dataFormat === 'NCHW';
  const xShape: [number, number, number, number] = nchw
    ? [x.shape[0], x.shape[2], x.shape[3], x.shape[1]]
    : x.shape;
  const info = tf.backend_util.computeConv2DInfo(
    xShape, filterShape, strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
  const [sh, sw] = pair(strides);
  const [dh, dw] = pair(dilations);
  const [kh, kw] = [filterShape[0], filterShape[1]];
  const oh = nchw ? dy.shape[2] : dy.shape[1];
  const ow = nchw ? dy.shape[3] : dy.shape[2];
  if (oh !== info.outHeight || ow !== info.outWidth) {
    throw new Error(`conv2dFilterGrad: dy spatial ${oh}x${ow} does not match conv output ${info.outHeight}x${info.outWidth}`);
  }
  const { top, left } = info.padInfo;
  // Rows the forward conv actually reads: (kh-1)*dh + (oh-1)*sh + 1 starting at -top. Pad (or crop) the bottom so
  // the transposed conv's output is exactly kh rows.
  const bottom = (kh - 1) * dh + (oh - 1) * sh + 1 - info.inHeight - top;
  const right = (kw - 1) * dw + (ow - 1) * sw + 1 - info.inWidth - left;

  const xT = tf.transpose(x, nchw ? [1, 2, 3, 0] : [3, 1, 2, 0]); // [Cin, H, W, N]
  const dyT = tf.transpose(dy, nchw ? [2, 3, 0, 1] : [1, 2, 0, 3]); // [OH, OW, N, Cout]
  const { x: xIn, pad: explicit } = cropForPadding(xT, top, bottom, left, right);
  const out = tf.conv2d(xIn, dyT, [dh, dw], explicit, 'NHWC', [sh, sw]); // [Cin, KH, KW, Cout]
  return tf.transpose(out, [1, 2, 0, 3]);
}

interface FilterAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
  filterShape: [number, number, number, number];
  dilations?: number | [number, number];
}

/** Kernel config for `Conv2DBackpropFilter` on the given backend, using {@link conv2dFilterGrad}. */
export function conv2dBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const x = asTensor(inputs.x, 'x');
      const dy = asTensor(inputs.dy, 'dy');
      const a = attrs as unknown as FilterAttrs;
      return tf.tidy(() =>
        conv2dFilterGrad(x, dy, a.filterShape, a.strides, a.pad, a.dilations ?? 1, a.dataFormat ?? 'NHWC', a.dimRoundingMode));
    },
  };
}
