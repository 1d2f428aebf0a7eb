/**
 * The standalone candidate networks' fast training path (issue 16): the TrainingImpl (ops/training-impl.ts) that
 * space/<id>/network.ts builds every candidate with. In training mode, on the backends with the fused kernels
 * (wasm, cpu) and while `accelOptions().fused.candidate` is on:
 *  - batch norm: one fused kernel forward (batch statistics, running statistics updated in place with PyTorch's
 *    momentum and unbiased variance) and one backward (accel fusedBatchNorm), then the affine scale and shift,
 *    instead of ~15 primitive kernels each way;
 *  - 3x3 pools (stride 1 or 2, padding 1): direct gradient kernels (fusedAvgPool3 / fusedMaxPool3 /
 *    fusedStridedPool3) instead of tfjs's generic pooling gradients and the pad / count-map ops;
 *  - depthwise convs: the fused filter-gradient kernel (fusedDepthwise, fusedStridedDepthwise);
 *  - k x k convs with padding: tfjs's padded conv ('same' at stride 1, explicit padding otherwise; the engine's conv
 *    kernels honour both) instead of a Pad kernel forward and a Slice in the gradient.
 * On webgpu (accel's WGSL kernels, `fused.webgpu`): batch norm with its affine part as 4 dispatches forward and 2-4
 * backward (accel gpuBatchNorm), padded convs as above, 3x3 stride-1 pools as tfjs's 'same' pools.
 * Everything else (and everything in inference mode) runs the plain ops. Values, gradients and running statistics
 * equal the plain ops' within float32 rounding (tests/unit/candidate-fast.test.ts). The optimiser step is already
 * fused for every network (optim/sgd.ts). Switching off is for tests and benchmarks (withAccelOptions).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  accelOptions, fusedAvgPool3, fusedBatchNorm, fusedDepthwise, fusedKernelsAvailable, fusedMaxPool3, fusedStridedDepthwise,
  fusedStridedPool3, gpuBatchNorm, webgpuKernelsAvailable,
} from '../accel';
import type { TrainingImpl } from '../ops/training-impl';

function on(): boolean {
  return accelOptions().fused.candidate && fusedKernelsAvailable();
}

/** webgpu with its WGSL kernels: BN (with the affine part) fused, padded convs and 3x3 stride-1 pools as tfjs ops. */
function onGpu(): boolean {
  return accelOptions().fused.candidate && webgpuKernelsAvailable();
}

export const FAST_TRAINING: TrainingImpl = {
  conv(x, w, stride, dilation, pad) {
    if (pad === 0 || !(on() || onGpu())) return null;
    const k = w.shape[0];
    if (stride === 1 && w.shape[1] === k && (k - 1) * dilation === 2 * pad) return tf.conv2d(x, w, 1, 'same', 'NHWC', dilation);
    return tf.conv2d(x, w, stride, [[0, 0], [pad, pad], [pad, pad], [0, 0]], 'NHWC', dilation);
  },
  depthwise(x, w, stride, dilation, pad) {
    const k = w.shape[0];
    if (!on() || k % 2 !== 1 || w.shape[1] !== k || w.shape[3] !== 1 || (k - 1) * dilation !== 2 * pad) return null;
    if (stride === 1) return fusedDepthwise(x, w, dilation);
    return accelOptions().fused.strided ? fusedStridedDepthwise(x, w, stride, dilation) : null;
  },
  batchNorm(x, runningMean, runningVar, gamma, beta, momentum, eps) {
    if (!on()) return onGpu() ? gpuBatchNorm(x, runningMean, runningVar, gamma, beta, momentum, eps) : null;
    const y = fusedBatchNorm(x, runningMean, runningVar, true, momentum, eps);
    return gamma && beta ? tf.add(tf.mul(y, gamma), beta) as tf.Tensor4D : y;
  },
  pool(x, kind, k, stride, pad) {
    if (k !== 3 || pad !== 1) return null;
    // On webgpu the fused pools are tfjs's 'same' pools (the engine's avg-pool gradient counts valid inputs).
    if (!on()) return onGpu() && stride === 1 ? (kind === 'avg' ? fusedAvgPool3(x) : fusedMaxPool3(x)) : null;
    if (stride === 1) return kind === 'avg' ? fusedAvgPool3(x) : fusedMaxPool3(x);
    return accelOptions().fused.strided ? fusedStridedPool3(x, kind, stride) : null;
  },
};
