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

