/**
 * Depthwise conv gradients built from forward depthwise convs.
 *
 * Why: tfjs 4.22's WASM backend has neither DepthwiseConv2dNativeBackpropInput nor ...BackpropFilter, so separable
 * convs (DARTS sep_conv / dil_conv) cannot train there; and tfjs's DepthwiseConv2dNative gradient refuses
 * dilations > 1 (DARTS dil_conv_3x3/5x5), while the CPU backprop kernels silently ignore dilation.
 *
 * - input gradient: dx = depthwise(pad(zeroInsert(dy, s)), reverse(W, [0,1]), stride 1, dilation d)
 *   (channel multiplier M > 1: run per output channel, then sum the M copies of each input channel);
 * - filter gradient: one depthwise conv over "channels" (n, c): input x^T = [1, H, W, N*C], filter
 *   dy^T = [OH, OW, N*C, M], stride d, dilation s -> [1, KH, KW, N*C*M], then sum over n.
 * Both are NHWC (tfjs depthwise convs are NHWC-only). The gradient config below routes dilated convs to these
 * functions on every backend and leaves dilation-1 convs on the backend kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  asTensor, cropForPadding, isOnes, pair, zeroInsert, type PadAttr, type RoundingMode,
} from './tensor-util';

/** Input gradient of depthwiseConv2d(x, filter, strides, pad, 'NHWC', dilations). Call inside a tidy. */
export function depthwiseInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    inShape, filter.shape, strides, dilations, pad, dimRoundingMode, true, 'channelsLast');
  const [sh, sw] = pair(strides);
  const [dh, dw] = pair(dilations);
  const [kh, kw, c, m] = filter.shape;
  const up = zeroInsert(dy, sh, sw);
  const { top, left } = info.padInfo;
  const { x: dyIn, pad: explicit } = cropForPadding(
    up,
    (kh - 1) * dh - top,
    info.inHeight - up.shape[1] + top,
    (kw - 1) * dw - left,
    info.inWidth - up.shape[2] + left,
  );
  const flipped = tf.reverse(filter, [0, 1]);
  if (m === 1) return tf.depthwiseConv2d(dyIn, flipped, 1, explicit, 'NHWC', [dh, dw]);
  // Multiplier > 1: every dy channel c*M+j is its own depthwise channel, then fold the M copies of channel c.
  const perChannel = tf.depthwiseConv2d(dyIn, tf.reshape(flipped, [kh, kw, c * m, 1]), 1, explicit, 'NHWC', [dh, dw]);
  const [n, h, w] = perChannel.shape;
  return tf.sum(tf.reshape(perChannel, [n, h, w, c, m]), 4);
}

/** Filter gradient of depthwiseConv2d(x, filter, strides, pad, 'NHWC', dilations). Call inside a tidy. */
export function depthwiseFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true, 'channelsLast');
  const [sh, sw] = pair(strides);
  const [dh, dw] = pair(dilations);
  const [kh, kw, c, m] = filterShape;
  const [n, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const { top, left } = info.padInfo;
  const bottom = (kh - 1) * dh + (oh - 1) * sh + 1 - h - top;
  const right = (kw - 1) * dw + (ow - 1) * sw + 1 - w - left;
  const xT = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]) as tf.Tensor4D;
  const dyT = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [oh, ow, n * c, m]) as tf.Tensor4D;
  const { x: xIn, pad: explicit } = cropForPadding(xT, top, bottom, left, right);
  const out = tf.depthwiseConv2d(xIn, dyT, [dh, dw], explicit, 'NHWC', [sh, sw]); // [1, KH, KW, N*C*M]
  return tf.sum(tf.reshape(out, [kh, kw, n, c, m]), 2);
}

interface DepthwiseBackpropAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: RoundingMode;
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

export function depthwiseBackpropInputConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const dy = asTensor(inputs.dy, 'dy');
      const filter = asTensor(inputs.filter, 'filter');
      const a = attrs as unknown as DepthwiseBackpropAttrs;
      if (a.inputShape == null) throw new Error('DepthwiseConv2dNativeBackpropInput: missing inputShape');
      const inShape = a.inputShape;
      return tf.tidy(() => depthwiseInputGrad(dy, filter, inShape, a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode));
    },
  };
}

export function depthwiseBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const x = asTensor(inputs.x, 'x');
      const dy = asTensor(inputs.dy, 'dy');
      const a = attrs as unknown as DepthwiseBackpropAttrs;
      if (a.filterShape == null) throw new Error('DepthwiseConv2dNativeBackpropFilter: missing filterShape');
      const fShape = a.filterShape;
      return tf.tidy(() => depthwiseFilterGrad(x, dy, fShape, a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode));
    },
  };
}

/**
 * Gradient of DepthwiseConv2dNative, replacing tfjs's (which asserts dilation 1). Dilation 1: the backend's
 * backprop kernels, exactly as tfjs does. Dilated: the composed functions above (backend kernels ignore dilation).
 */
export const depthwiseGradConfig: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNative,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const g = dy as tf.Tensor4D;
    const a = attrs as unknown as DepthwiseBackpropAttrs & { dataFormat?: string };
    if (a.dataFormat != null && a.dataFormat !== 'NHWC') {
      throw new Error(`gradient of depthwiseConv2d: only NHWC is supported, got ${a.dataFormat}`);
    }
    const dilations = pair(a.dilations);
    if (isOnes(dilations)) {
      const common = { strides: a.strides, pad: a.pad, dilations, dimRoundingMode: a.dimRoundingMode };
      return {
        x: () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: g, filter },
          { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
        filter: () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: g },
          { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
      };
    }
    return {
      x: () => depthwiseInputGrad(g, filter, x.shape, a.strides, a.pad, dilations, a.dimRoundingMode),
      filter: () => depthwiseFilterGrad(x, g, filter.shape, a.strides, a.pad, dilations, a.dimRoundingMode),
    };
  },
};
