/**
 * The backend probe workload: one training step of a small conv net (conv3x3(8)-relu-conv3x3(16)-relu-
 * GAP-dense10 on 16x16x1, batch 16), the shape of work a search does. The worker times it on each
 * candidate backend to decide which one to use; it is pure tfjs so it runs on whatever backend is set.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createRng } from '../util/rng';
import { heNormal, variableFrom } from '../ops/init';

export interface ProbeWorkload {
  /** One full step, including reading the loss back. Returns the loss. */
  step(): Promise<number>;
  dispose(): void;
}

export function createProbeWorkload(seed = 0): ProbeWorkload {
  const rng = createRng(seed);
  const w1 = variableFrom(heNormal([3, 3, 1, 8], 9, rng), true);
  const w2 = variableFrom(heNormal([3, 3, 8, 16], 72, rng), true);
  const w3 = variableFrom(heNormal([16, 10], 16, rng), true);
  const x = tf.tidy(() => tf.randomUniform([16, 16, 16, 1], 0, 1, 'float32', seed));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10));
  const params = [w1, w2, w3];
  return {
    async step() {
      const { value, grads } = tf.variableGrads(() => {
        const h1 = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
        const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Tensor4D, 1, 'same'));
        const logits = tf.matMul(tf.mean(h2, [1, 2]) as tf.Tensor2D, w3 as tf.Tensor2D);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      }, params);
      tf.tidy(() => {
        for (const p of params) p.assign(tf.sub(p, tf.mul(grads[p.name], 0.01)));
      });
      const loss = (await value.data())[0];
      value.dispose();
      tf.dispose(Object.values(grads));
      return loss;
    },
    dispose() {
      tf.dispose([...params, x, y]);
    },
  };
}
