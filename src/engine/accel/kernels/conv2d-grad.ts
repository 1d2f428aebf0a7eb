/**
 * Gradient of the Conv2D kernel, replacing tfjs's, which refuses dilations > 1 ("dilation rates greater than 1 are
 * not yet supported in gradients"). For dilation 1 (and any dilation on WASM, whose kernels are ours and take
 * dilations) it does exactly what tfjs does (runs the backend's Conv2DBackpropInput / Conv2DBackpropFilter kernels,
 * which training-kernels.ts replaces on WASM and CPU); for other dilated convs it computes both gradients as forward convs
 * (conv-backprop-input.ts, conv-backprop-filter.ts), which works on every backend. A registered gradient applies to all backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGrad } from './conv-backprop-filter';
import { conv2dInputGrad } from './conv-backprop-input';
import { isOnes, pair, type PadAttr, type RoundingMode } from './tensor-util';

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: RoundingMode;
}

export const conv2dGradConfig: tf.GradConfig = {
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const g = dy as tf.Tensor4D;
    const a = attrs as unknown as Conv2DAttrs;
    const dataFormat = a.dataFormat ?? 'NHWC';
    const dilations = pair(a.dilations);
    // Dilated convs: tfjs's own backprop kernels refuse dilations, ours on wasm (wasm-conv-grad.ts) take them.
    if (isOnes(dilations) || tf.getBackend() === 'wasm') {
      const common = { strides: a.strides, pad: a.pad, dataFormat, dimRoundingMode: a.dimRoundingMode, dilations };
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: g, filter },
          { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
        filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: g },
          { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
      };
    }
    return {
      x: () => conv2dInputGrad(g, filter, x.shape, a.strides, a.pad, dilations, dataFormat, a.dimRoundingMode),
      filter: () => conv2dFilterGrad(x, g, filter.shape, a.strides, a.pad, dilations, dataFormat, a.dimRoundingMode),
    };
  },
};
