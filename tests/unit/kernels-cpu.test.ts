/**
 * The CPU-backend replacement kernels (GEMM convs, Transpose, broadcasting Add/Sub/Multiply/RealDiv, Sum/Mean)
 * against the tfjs CPU kernels they replace, on shapes that exercise broadcasting, strides, dilation, padding,
 * NCHW, fused activations and the non-float32 fallbacks.
 */
import { describe, expect, it } from 'vitest';
// tfjs-core must load before the ESM gradient registrations (see kernels-torch.test.ts).
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { lcgValues } from '../helpers/synthetic';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { install, uninstall } from '../../src/engine/accel';

type Tf = Awaited<ReturnType<typeof useBackend>>;

const values = (n: number, seed: number) => lcgValues(n, seed);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs `f` with tfjs's CPU kernels and with ours; returns [reference, ours] as plain arrays with shapes. */
async function both(f: (tf: Tf) => Tensor): Promise<[{ v: number[]; shape: number[]; dtype: string }, { v: number[]; shape: number[]; dtype: string }]> {
  const tf = await useBackend('cpu');
  const run = () => tf.tidy(() => {
    const t = f(tf);
    return { v: Array.from(t.dataSync() as ArrayLike<number>), shape: t.shape, dtype: t.dtype };
  });
  uninstall();
  const ref = run();
  install();
  const before = tf.memory().numTensors;
  const ours = run();
  expect(tf.memory().numTensors).toBe(before);
  return [ref, ours];
}

function expectSame(ref: { v: number[]; shape: number[]; dtype: string }, ours: typeof ref, rel = 0): void {
  expect(ours.shape).toEqual(ref.shape);
  expect(ours.dtype).toBe(ref.dtype);
  if (rel === 0) {
    expect(ours.v).toEqual(ref.v);
    return;
  }
  const scale = Math.max(1e-6, ...ref.v.map(Math.abs));
  const worst = Math.max(0, ...ours.v.map((x, i) => Math.abs(x - ref.v[i])));
  expect(worst / scale).toBeLessThanOrEqual(rel);
}

describe('cpu broadcasting binary ops', () => {
  const pairs: Array<[number[], number[]]> = [
    [[2, 3, 4], [2, 3, 4]], [[2, 3, 4], [4]], [[64, 1, 1, 5], [64, 3, 3, 5]], [[1], [2, 3]], [[], [2, 2]],
    [[2, 2], []], [[2, 1, 3], [1, 4, 1]], [[3, 1], [1, 3]], [[0, 3], [3]], [[5, 1, 1], [5, 2, 1]],
  ];
  it.each(['add', 'sub', 'mul', 'div'] as const)('%s matches tfjs for broadcast shapes', async (op) => {
    for (const [sa, sb] of pairs) {
      const [ref, ours] = await both((tf) => tf[op](tf.tensor(values(size(sa), 1), sa), tf.tensor(values(size(sb), 2), sb)));
      expectSame(ref, ours);
    }
  });
  it('falls back to tfjs for int32 / mixed dtypes', async () => {
    const [ref, ours] = await both((tf) => tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([[4], [5]], [2, 1], 'int32')));
    expectSame(ref, ours);
    expect(ours.dtype).toBe('int32');
    const [r2, o2] = await both((tf) => tf.mul(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([0.5, 1.5, 2], [3])));
    expectSame(r2, o2);
  });
});

describe('cpu Sum / Mean', () => {
  const cases: Array<[number[], number | number[] | undefined, boolean]> = [
    [[64, 6, 6, 8], [0, 1, 2], false], [[64, 6, 6, 8], [1, 2], false], [[4, 5, 6], -1, true], [[4, 5, 6], 0, false],
    [[4, 5, 6], undefined, false], [[4, 5, 6], [0, 2], true], [[7], 0, false], [[3, 4], [], false],
  ];
  it.each(['sum', 'mean'] as const)('%s matches tfjs', async (op) => {
    for (const [shape, axis, keepDims] of cases) {
      const [ref, ours] = await both((tf) => tf[op](tf.tensor(values(size(shape), 3), shape), axis, keepDims));
      expectSame(ref, ours, 1e-6);
    }
    const [ri, oi] = await both((tf) => tf[op](tf.tensor([[1, 2], [3, 4]], [2, 2], 'int32'), 0));
    expectSame(ri, oi);
  });
});

describe('cpu Transpose', () => {
  it('matches tfjs for ranks 1-5 and float32 / int32 / bool, and falls back for complex64', async () => {
    const cases: Array<[number[], number[]]> = [
      [[5], [0]], [[3, 4], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[2, 3, 4, 5], [3, 1, 2, 0]], [[2, 3, 4, 5], [1, 2, 0, 3]],
      [[2, 1, 3, 2, 2], [4, 2, 0, 3, 1]], [[0, 3], [1, 0]],
    ];
    for (const [shape, perm] of cases) {
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const [ref, ours] = await both((tf) => {
          const x = tf.tensor(values(size(shape), 4), shape);
          const typed = dtype === 'float32' ? x : dtype === 'int32' ? tf.cast(tf.mul(x, 100), 'int32') : tf.greater(x, 0);
          return tf.transpose(typed, perm);
        });
        expectSame(ref, ours);
      }
    }
    const [rc, oc] = await both((tf) => tf.real(tf.transpose(tf.complex(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[4, 5, 6]])))));
    expectSame(rc, oc);
  });
});

describe('cpu GEMM convs', () => {
  const conv = (xs: number[], ws: number[], f: (tf: Tf, x: Tensor4D, w: Tensor4D) => Tensor) =>
    both((tf) => f(tf, tf.tensor4d(values(size(xs), 5), xs as [number, number, number, number]),
      tf.tensor4d(values(size(ws), 6), ws as [number, number, number, number])));

  it('Conv2D matches tfjs: strides, dilation, same/valid/explicit padding, 1x1, NCHW', async () => {
    const cases: Array<[number[], number[], (tf: Tf, x: Tensor4D, w: Tensor4D) => Tensor]> = [
      [[3, 9, 8, 5], [3, 3, 5, 7], (tf, x, w) => tf.conv2d(x, w, 1, 'same')],
      [[3, 9, 8, 5], [3, 3, 5, 7], (tf, x, w) => tf.conv2d(x, w, 2, 'same')],
      [[3, 9, 8, 5], [3, 2, 5, 7], (tf, x, w) => tf.conv2d(x, w, [2, 1], 'valid')],
      [[3, 9, 8, 5], [3, 3, 5, 7], (tf, x, w) => tf.conv2d(x, w, 1, 'same', 'NHWC', 2)],
      [[3, 9, 8, 5], [3, 3, 5, 7], (tf, x, w) => tf.conv2d(x, w, 1, [[0, 0], [2, 0], [1, 3], [0, 0]])],
      [[3, 6, 6, 5], [1, 1, 5, 6], (tf, x, w) => tf.conv2d(x, w, 1, 'valid')],
      [[2, 5, 7, 6], [3, 3, 5, 4], (tf, x, w) => tf.conv2d(x, w, 1, 'same', 'NCHW')],
      [[2, 4, 4, 3], [3, 3, 2, 3], (tf, x, w) => tf.conv2dTranspose(x, w, [2, 8, 8, 2], 2, 'same')],
      [[2, 4, 4, 3], [3, 3, 2, 3], (tf, x, w) => tf.conv2dTranspose(x, w, [2, 9, 9, 2], 2, 'valid')],
    ];
    for (const [xs, ws, f] of cases) {
      const [ref, ours] = await conv(xs, ws, f);
      expectSame(ref, ours, 1e-6);
    }
  });

  it('FusedConv2D matches tfjs for bias + every activation', async () => {
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
      const [ref, ours] = await conv([2, 6, 6, 3], [3, 3, 3, 4], (tf, x, w) => tf.fused.conv2d({
        x, filter: w, strides: 1, pad: 'same', bias: tf.tensor1d([0.1, -0.2, 0.3, 0]), activation,
        preluActivationWeights: activation === 'prelu' ? tf.tensor1d([0.1, 0.2, 0.3, 0.4]) : undefined,
        leakyreluAlpha: activation === 'leakyrelu' ? 0.3 : undefined,
      }));
      expectSame(ref, ours, 1e-6);
    }
  });
});
