/**
 * The knowledge-distillation loss (Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network", NIPS
 * Deep Learning Workshop 2015): the student matches the teacher's temperature-softened class probabilities,
 * mixed with the ordinary (hard-label) loss,
 *   L = alpha * T^2 * mean_i KL(softmax(t_i / T) || softmax(s_i / T)) + (1 - alpha) * hard,
 * with t the teacher's logits (constants: computed on the same augmented batch, outside the gradient) and s the
 * student's. The T^2 keeps the soft term's gradient, T (softmax(s/T) - softmax(t/T)) / N per logit, on the scale
 * of the hard term's as T changes (the paper, section 2). The soft term is an unweighted mean over the batch
 * (PyTorch's KLDivLoss 'batchmean'); the hard term is the recipe's label-smoothed, class-weighted cross-entropy.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface DistillSettings {
  /** Softmax temperature T > 0 (the paper uses 1..20; 4 is common). */
  readonly temperature: number;
  /** Weight of the soft term in [0, 1]; 0 trains on the hard labels alone. */
  readonly alpha: number;
}

/** Throws naming the bad setting. */
export function checkDistillSettings(s: DistillSettings): void {
  if (!(typeof s.temperature === 'number' && Number.isFinite(s.temperature) && s.temperature > 0)) {
    throw new Error(`distillation: temperature must be a number > 0, got ${JSON.stringify(s.temperature)}`);
  }
  if (!(typeof s.alpha === 'number' && s.alpha >= 0 && s.alpha <= 1)) throw new Error(`distillation: alpha must be a number in [0, 1], got ${JSON.stringify(s.alpha)}`);
}

/** alpha * T^2 * batch-mean KL(teacher_T || student_T) + (1 - alpha) * hard. */
export function distillationLoss(student: tf.Tensor2D, teacher: tf.Tensor2D, hard: tf.Scalar, s: DistillSettings): tf.Scalar {
  const T = s.temperature;
  const logPs = tf.logSoftmax(tf.div(student, T));
  const logPt = tf.logSoftmax(tf.div(teacher, T));
  const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1);
  const soft = tf.mul(tf.mean(kl), s.alpha * T * T);
  return tf.add(soft, tf.mul(hard, 1 - s.alpha)) as tf.Scalar;
}
