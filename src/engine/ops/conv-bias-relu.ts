/**
 * relu(conv2d(x, filter) + bias) as one layer with its own gradient (NHWC, dilation 1): what tf.layers' conv with a
 * bias and a ReLU activation computes, and what a framework's fused conv does (PyTorch's conv adds its bias inside
 * the conv kernel). On WASM the forward is the engine's conv kernels plus ONE in-place bias + ReLU pass, and the
 * backward one pass for the ReLU and bias gradients together before the two conv gradients
 * (kernels/wasm-conv-bias-relu.ts); unfused that was five element-wise kernels and passes (add, relu, relu gradient,
 * the add's gradient, a sum). Other backends, and channel counts the SIMD kernels do not take, compose tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ENGINE_CONV_BIAS_RELU, ENGINE_RELU_GRAD_BIAS_SUM } from '../kernels/wasm-conv-bias-relu';

/** Switch for benchmarks and tests: enabled=false composes tfjs ops on every backend. */
export const convBiasReluOptions = { enabled: true };

function useKernels(channels: number): boolean {
  return convBiasReluOptions.enabled && channels % 4 === 0 && tf.getBackend() === 'wasm'
    && tf.getKernel(ENGINE_CONV_BIAS_RELU, 'wasm') != null && tf.getKernel(ENGINE_RELU_GRAD_BIAS_SUM, 'wasm') != null;
}

export function conv2dBiasRelu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, strides: number | [number, number], pad: 'valid' | 'same'): tf.Tensor4D {
  const channels = filter.shape[3];
  const attrs = { strides, pad };
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x4, w4, b1] = args.slice(0, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const y = useKernels(channels)
      ? tf.engine().runKernel(ENGINE_CONV_BIAS_RELU, { x: x4, filter: w4, bias: b1 }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D
      : tf.relu(tf.add(tf.conv2d(x4, w4, strides, pad), b1)) as tf.Tensor4D;
    save([x4, w4, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const [dz, db] = useKernels(channels)
          ? tf.engine().runKernel(ENGINE_RELU_GRAD_BIAS_SUM, { dy, y: ys }) as [tf.Tensor4D, tf.Tensor1D]
          : (() => { const z = tf.mul(dy, tf.step(ys)) as tf.Tensor4D; return [z, tf.sum(z, [0, 1, 2]) as tf.Tensor1D] as const; })();
        const common = { strides, pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined };
        const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter: ws }, { ...common, inputShape: xs.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
        const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xs, dy: dz }, { ...common, filterShape: ws.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
        return [dx, dw, db];
      },
    };
  });
  return f(x, filter, bias) as tf.Tensor4D;
}
