/**
 * Differentiable ops over the webgpu kernels (kernels.ts). Callers check webgpuKernelsAvailable() first (the fused
 * ops of fused/ops.ts and the candidates' fast path do); values and gradients equal the plain ops' within float32
 * rounding (tests/e2e/webgpu-fused.test.ts on the software adapter). Call inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NAS_GPU_BN_GRAD, NAS_GPU_BN_TRAIN } from './kernels';

type Attrs = tf.NamedAttrMap;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: object = {}): tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, attrs as unknown as Attrs) as tf.Tensor[];

/**
 * Training-mode batch norm over N, H, W with batch statistics, optionally followed by the affine scale and shift
 * (gamma, beta: both or neither); `runningMean` / `runningVar` are updated in place (PyTorch momentum, unbiased
 * variance), as fusedBatchNorm and the plain layers.batchNorm do.
 */
export function gpuBatchNorm(x: tf.Tensor4D, runningMean: tf.Variable, runningVar: tf.Variable, gamma: tf.Tensor | null,
  beta: tf.Tensor | null, momentum: number, eps: number): tf.Tensor4D {
  const attrs = { momentum, eps };
  const stats = (xi: tf.Tensor, more: tf.NamedTensorMap): tf.Tensor[] => {
    const [y, s, newMean, newVar] = run(NAS_GPU_BN_TRAIN, { x: xi, runningMean, runningVar, ...more }, attrs);
    runningMean.assign(newMean);
    runningVar.assign(newVar);
    return [y, s];
  };
  if (gamma && beta) {
    const f = tf.customGrad((xi, g, bt, save) => {
      const [y, s] = stats(xi as tf.Tensor, { gamma: g as tf.Tensor, beta: bt as tf.Tensor });
      (save as tf.GradSaveFunc)([xi as tf.Tensor, s, g as tf.Tensor]);
      return {
        value: y as tf.Tensor4D,
        gradFunc: (dy, saved) => run(NAS_GPU_BN_GRAD, { dy: dy as tf.Tensor, x: saved[0], stats: saved[1], gamma: saved[2] }),
      };
    });
    return f(x, gamma, beta) as tf.Tensor4D;
  }
  if (gamma || beta) throw new Error('gpuBatchNorm: gamma and beta go together');
  const f = tf.customGrad((xi, save) => {
    const [y, s] = stats(xi as tf.Tensor, {});
    (save as tf.GradSaveFunc)([xi as tf.Tensor, s]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy, saved) => run(NAS_GPU_BN_GRAD, { dy: dy as tf.Tensor, x: saved[0], stats: saved[1] })[0],
    };
  });
  return f(x) as tf.Tensor4D;
}
