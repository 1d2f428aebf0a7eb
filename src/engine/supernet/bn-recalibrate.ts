/**
 * Batch-norm recalibration for subnets of a weight-sharing supernet (SPOS, Guo et al., ECCV 2020: "the
 * statistics of batch normalization are recalculated" for every sampled subnet before it is evaluated):
 * the running statistics become the plain average of the batch statistics over a few training batches
 * (PyTorch's momentum=None cumulative average after reset_running_stats()), with no weight update.
 *
 * ops/layers.ts batchNorm keeps running stats as an exponential average with momentum m (0.1), updated in training
 * mode: r' = (1 - m) r + m s. The batch statistic s of every BN is recovered from each forward as
 * s = (r' - (1 - m) r) / m and averaged; a BN that the subnet does not use is left unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';

export function recalibrateBatchNorm(
  buffers: readonly tf.Variable[],
  batches: number,
  /** Runs one training-mode forward on calibration batch i (its output is discarded). */
  forward: (i: number) => void,
  momentum = 0.1,
): void {
  if (batches < 1 || buffers.length === 0) return;
  let acc: tf.Tensor[] = [];
  try {
    for (let i = 0; i < batches; i++) {
      const before = buffers.map((b) => tf.clone(b));
      try {
        tf.tidy(() => forward(i));
        const next = tf.tidy(() => buffers.map((b, j) => {
          const stat = tf.div(tf.sub(b, tf.mul(before[j], 1 - momentum)), momentum);
          return i === 0 ? stat : tf.add(acc[j], tf.div(tf.sub(stat, acc[j]), i + 1));
        }));
        tf.dispose(acc);
        acc = next;
      } finally {
        tf.dispose(before);
      }
    }
    buffers.forEach((b, j) => b.assign(acc[j]));
  } finally {
    tf.dispose(acc);
  }
}
