/**
 * Gradient clipping by global norm (PyTorch's clip_grad_norm_: scale every gradient by max_norm / (total_norm + 1e-6)
 * when that is below 1), as tensors on the device, or as one number where reading a scalar back is free (wasm, cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelsAvailable, NAS_SUM_SQUARES } from '../accel';

/** Global L2 norm of a list of tensors (scalar tensor). */
export function globalNorm(ts: readonly tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(ts.map((t) => tf.sum(tf.square(t))))) as tf.Scalar;
}

/**
 * The clipped gradients as new tensors, staying on the device (no read-back); copies when maxNorm <= 0 (no clipping).
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): tf.Tensor[] {
  if (!(maxNorm > 0) || grads.length === 0) return grads.map((g) => tf.clone(g));
  const coef = tf.minimum(tf.scalar(1), tf.div(tf.scalar(maxNorm), tf.add(globalNorm(grads), 1e-6)));
  return grads.map((g) => tf.mul(g, coef));
}

/**
 * The clipping factor (1 when no clipping is needed or maxNorm <= 0) from one NasSumSquares kernel over every
 * gradient, on wasm and cpu, where the scalar is read back synchronously at no cost; null elsewhere (GPU backends:
 * use clipByGlobalNorm, which never reads back). float32 rounding as the tensor path, up to the order of the sum.
 */
export function clipCoefficient(grads: readonly tf.Tensor[], maxNorm: number): number | null {
  if (!(maxNorm > 0) || grads.length === 0) return 1;
  if (!fusedKernelsAvailable() || grads.some((g) => g.dtype !== 'float32')) return null;
  const inputs: tf.NamedTensorMap = {};
  grads.forEach((g, i) => { inputs[`g${i}`] = g; });
  const sq = tf.engine().runKernel(NAS_SUM_SQUARES, inputs, { count: grads.length } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const sumSq = sq.dataSync()[0];
  sq.dispose();
  const f = Math.fround;
  return Math.min(1, f(f(maxNorm) / f(f(Math.sqrt(sumSq)) + f(1e-6))));
}
