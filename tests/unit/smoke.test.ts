import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';

describe('tfjs under node', () => {
  it('runs a matmul on wasm', async () => {
    const tf = await useBackend('wasm');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(await y.data())).toEqual([11]);
  });
});
