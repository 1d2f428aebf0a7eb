/**
 * Conv2DBackpropInput as a FORWARD conv2d of the (zero-inserted) output gradient with the flipped filter.
 *
 * Why: the WASM backend's Conv2DBackpropInput is a plain loop (~8x slower than its XNNPACK forward conv on a small
 * CNN layer), and tfjs has no input gradient for dilated convs at all. With dy_up = dy with (s-1) zeros inserted
 * between elements,
 *   dx = conv2d(pad(dy_up), reverse(W, [0,1]) with in/out channels swapped, stride 1, dilation d)
 * where the padding is (KH-1)*d - padTop on top and H - Hup + padTop at the bottom (negative = crop).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  asTensor, cropForPadding, nhwcShape, pair, toNCHW, toNHWC, zeroInsert, type PadAttr, type RoundingMode,
} from './tensor-util';

/**
 * Input gradient of conv2d(x, filter, strides, pad, dataFormat, dilations); `inShape` is x's shape (in
 * `dataFormat`). Call inside a tidy.
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inShape: [number, number, number, number],
  strides: number | [number, number],
  pad: PadAttr,
  dilations: number | [number, number] = 1,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  const nchw = dataFormat === 'NCHW';
  const xShape = nhwcShape(inShape, dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    xShape, filter.shape, strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
  const [sh, sw] = pair(strides);
  const [dh, dw] = pair(dilations);
  const [kh, kw] = [filter.shape[0], filter.shape[1]];
  const dyN = nchw ? toNHWC(dy) : dy;
  const up = zeroInsert(dyN, sh, sw);
  const { top, left } = info.padInfo;
  const padTop = (kh - 1) * dh - top;
  const padLeft = (kw - 1) * dw - left;
  const padBottom = info.inHeight - up.shape[1] + top;
  const padRight = info.inWidth - up.shape[2] + left;
  const { x: dyIn, pad: explicit } = cropForPadding(up, padTop, padBottom, padLeft, padRight);
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [KH, KW, Cout, Cin]
  const dx = tf.conv2d(dyIn, flipped, 1, explicit, 'NHWC', [dh, dw]);
  return nchw ? toNCHW(dx) : dx;
}

interface InputAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
  inputShape: [number, number, number, number];
  dilations?: number | [number, number];
}

/** Kernel config for `Conv2DBackpropInput` on the given backend, using {@link conv2dInputGrad}. */
export function conv2dBackpropInputConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const dy = asTensor(inputs.dy, 'dy');
      const filter = asTensor(inputs.filter, 'filter');
      const a = attrs as unknown as InputAttrs;
      return tf.tidy(() =>
        conv2dInputGrad(dy, filter, a.inputShape, a.strides, a.pad, a.dilations ?? 1, a.dataFormat ?? 'NHWC', a.dimRoundingMode));
    },
  };
}
