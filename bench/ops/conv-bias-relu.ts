/**
 * relu(conv2d(x, filter) + bias) as one layer (NHWC, dilation 1): what tf.layers' conv with a bias and a ReLU
 * activation computes, and what a framework's fused conv does (PyTorch's conv adds its bias inside the conv kernel).
 * On WASM it is one kernel with its own registered gradient (conv-bias-relu-kernels.ts): the engine's conv
 * kernels plus ONE in-place bias + ReLU pass forward, one pass for the ReLU and bias gradients together backward
 * before the two conv gradients; unfused that was five element-wise kernels and passes (add, relu, relu gradient, the
 * add's gradient, a sum). A registered kernel gradient (not tf.customGrad) because its parts are lazy: the input
 * gradient of a first layer (x = the images) is never computed. Other backends, and channel counts the SIMD kernels
 * do not take, compose tfjs ops. The kernels are registered when this module is imported (before the benchmark
 * worker starts the engine's kernel pool, which then holds their module).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ENGINE_CONV_BIAS_RELU, ENGINE_RELU_GRAD_BIAS_SUM, registerConvBiasReluKernels } from './conv-bias-relu-kernels';

registerConvBiasReluKernels();

/** Switch for benchmarks and tests: enabled=false composes tfjs ops on every backend. */
export const convBiasReluOptions = { enabled: true };

function useKernels(channels: number): boolean {
  return convBiasReluOptions.enabled && channels % 4 === 0 && tf.getBackend() === 'wasm'
    && tf.getKernel(ENGINE_CONV_BIAS_RELU, 'wasm') != null && tf.getKernel(ENGINE_RELU_GRAD_BIAS_SUM, 'wasm') != null;
}

export function conv2dBiasRelu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, strides: number | [number, number], pad: 'valid' | 'same'): tf.Tensor4D {
  if (!useKernels(filter.shape[3])) return tf.relu(tf.add(tf.conv2d(x, filter, strides, pad), bias)) as tf.Tensor4D;
  return tf.engine().runKernel(ENGINE_CONV_BIAS_RELU, { x, filter, bias }, { strides, pad } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
