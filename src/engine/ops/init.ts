import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng';

/**
 * Kaiming-normal (He et al. 2015, fan-in, gain sqrt(2)) weights drawn from our own rng, so the same seed
 * gives bit-identical initial weights on every backend.
 */
export function heNormal(shape: number[], fanIn: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / Math.max(1, fanIn));
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal() * std;
  return tf.tensor(values, shape, 'float32');
}

/** Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), PyTorch's default for Linear layers. */
export function fanInUniform(shape: number[], fanIn: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (rng.next() * 2 - 1) * bound;
  return tf.tensor(values, shape, 'float32');
}

/** A variable holding `initial`, which is disposed (tf.variable keeps its own reference to the data). */
export function variableFrom(initial: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}
