/**
 * The Sum / Mean gradient as one broadcasting pass (src/engine/accel/kernels/reduce-grad.ts): on WASM and CPU it equals
 * tfjs's own gradient, div(mul(reshape(dy), ones), size), BIT FOR BIT for reductions over one block of axes (global
 * average pooling, leading axes, the last axis, every axis, keepDims), runs the kernel (seen in tf.profile), leaves no
 * tensor behind, and keeps tfjs's formula for axes that are not one block.
 */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { lcgValues } from '../helpers/synthetic';
import { broadcastRows, ENGINE_REDUCE_GRAD } from '../../src/engine/accel/kernels/reduce-grad';
import { withAccelOptions } from '../../src/engine/accel';

type Tf = Awaited<ReturnType<typeof useBackend>>;
/** [x shape, axes, keepDims, one block (the kernel runs)]. */
const CASES: [number[], number[], boolean, boolean][] = [
  [[4, 6, 5, 8], [1, 2], false, true], // global average pooling
  [[4, 6, 5, 8], [1, 2], true, true],
  [[4, 6, 5, 8], [0, 1, 2], false, true], // a bias gradient's shape of reduction
  [[3, 7, 10], [2], false, true], // the last axis: rows of one value
  [[5, 3, 4], [0, 1, 2], false, true], // every axis
  [[2, 3, 6, 5], [1], true, true], // a middle axis, odd sizes
  [[4, 6, 5, 8], [0, 2], false, false], // two blocks: tfjs's formula
];

/** d/dx of sum(reduce(x) * w), w a fixed random weight (so dy is not constant). */
async function grad(tf: Tf, op: 'sum' | 'mean', shape: number[], axes: number[], keepDims: boolean): Promise<{ g: Float32Array; kernels: string[] }> {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(lcgValues(size, 41, 1, 3), shape);
  const outShape = shape.map((s, d) => (axes.includes(d) ? 1 : s)).filter((_, d) => keepDims || !axes.includes(d));
  const w = tf.tensor(lcgValues(outShape.reduce((a, b) => a * b, 1), 42, 1, 3), outShape);
  const before = tf.memory().numTensors;
  const f = tf.grad((t: import('@tensorflow/tfjs-core').Tensor) => tf.sum(tf.mul(tf[op](t, axes, keepDims), w)));
  let g: Float32Array | null = null;
  const info = await tf.profile(() => { const r = f(x); g = r.dataSync() as Float32Array; r.dispose(); });
  expect(tf.memory().numTensors, 'no tensor left behind').toBe(before);
  tf.dispose([x, w]);
  return { g: g!, kernels: info.kernels.map((k) => k.name) };
}

describe('Sum / Mean gradient as one broadcasting pass', () => {
  it('broadcastRows writes each row along its block (and fills rows of one value)', () => {
    const out = new Float32Array(2 * 3 * 2);
    broadcastRows(new Float32Array([1, 2, 3, 4]), out, { outer: 2, rows: 3, inner: 2, divisor: 2 });
    expect(Array.from(out)).toEqual([0.5, 1, 0.5, 1, 0.5, 1, 1.5, 2, 1.5, 2, 1.5, 2]);
    const filled = new Float32Array(2 * 5);
    broadcastRows(new Float32Array([3, -6]), filled, { outer: 2, rows: 5, inner: 1, divisor: 3 });
    expect(Array.from(filled)).toEqual([1, 1, 1, 1, 1, -2, -2, -2, -2, -2]);
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it.each(CASES.map(([s, a, k, block]) => [`[${s}] over [${a}]${k ? ' keepDims' : ''}`, s, a, k, block] as const))(`${backend}: %s equals tfjs's gradient bit for bit`, async (_n, shape, axes, keepDims, block) => {
      const tf = await useBackend(backend, { trainingKernels: true });
      for (const op of ['sum', 'mean'] as const) {
        const ours = await grad(tf, op, shape, axes, keepDims);
        // Once for the reduction under test when it is one block, once more for the loss's own sum over every axis
        // (none when the reduction already left a scalar).
        const lossSum = keepDims || axes.length < shape.length ? 1 : 0;
        expect(ours.kernels.filter((k) => k === ENGINE_REDUCE_GRAD).length, `${op}: the kernel's runs`).toBe((block ? 1 : 0) + lossSum);
        const theirs = await withAccelOptions({ reduceGrad: false }, () => grad(tf, op, shape, axes, keepDims));
        expect(theirs.kernels.includes(ENGINE_REDUCE_GRAD)).toBe(false);
        expect(ours.g.length).toBe(theirs.g.length);
        let differ = 0;
        for (let i = 0; i < ours.g.length; i++) if (!Object.is(ours.g[i], theirs.g[i])) differ++;
        expect(differ, `${op}: elements that differ from tfjs's gradient`).toBe(0);
      }
    });
  }
});
