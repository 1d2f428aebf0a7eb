/** Cross-entropy and accuracy on a batch of logits, shared by the one-shot strategies. */
import * as tf from '@tensorflow/tfjs-core';

/** Mean softmax cross-entropy of logits [N, classes] against int32 labels [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
}

/** Number of correct top-1 predictions (float32 scalar). */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32'));
}

/** Global L2 norm of a list of tensors (scalar tensor). */
export function globalNorm(ts: readonly tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(ts.map((t) => tf.sum(tf.square(t))))) as tf.Scalar;
}

/**
 * PyTorch's clip_grad_norm_: scales every gradient by max_norm / (total_norm + 1e-6) when that is below 1.
 * Stays on the device (no read-back). Always returns new tensors (copies when maxNorm <= 0: no clipping).
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): tf.Tensor[] {
  if (!(maxNorm > 0) || grads.length === 0) return grads.map((g) => tf.clone(g));
  const coef = tf.minimum(tf.scalar(1), tf.div(tf.scalar(maxNorm), tf.add(globalNorm(grads), 1e-6)));
  return grads.map((g) => tf.mul(g, coef));
}
