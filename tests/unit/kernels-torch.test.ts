/**
 * The custom training kernels against PyTorch: forward outputs and gradients of loss = sum(y * up) for fixed
 * inputs stored in tests/fixtures/torch-grads/ (made by scripts/make-torch-grad-fixtures.py, torch in float64),
 * checked on the WASM and CPU backends with install(). Tolerance: 1e-4 relative per element
 * (floored at 10% of the tensor's largest magnitude, so near-zero entries are not held to a relative bound).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// tfjs-core (CJS main) must be loaded before the ESM gradient registrations: whichever loads first creates the
// global engine, and an engine from the ESM copy makes Tensors whose methods (clone, ...) are not wired up.
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { install } from '../../src/engine/accel';

type Tf = Awaited<ReturnType<typeof useBackend>>;
interface Arr { shape: number[]; data: number[] }
interface TorchCase {
  name: string;
  op: 'conv2d' | 'fused_conv2d' | 'depthwise' | 'maxpool' | 'avgpool';
  tfjs: {
    strides: number;
    pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
    dilations?: number;
    filterSize?: number;
    activation?: 'linear' | 'relu';
  };
  x: Arr; up: Arr; y: Arr; dx: Arr; w?: Arr; dw?: Arr; b?: Arr; db?: Arr;
}

function load(file: string): TorchCase[] {
  const path = fileURLToPath(new URL(`../fixtures/torch-grads/${file}`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: TorchCase[] }).cases;
}

const CASES: TorchCase[] = ['conv2d.json', 'depthwise.json', 'maxpool.json', 'avgpool.json'].flatMap(load);

function expectClose(actual: ArrayLike<number>, expected: Arr, label: string, rtol = 1e-4): void {
  expect(actual.length, `${label}: size`).toBe(expected.data.length);
  const scale = expected.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < actual.length; i++) {
    const tol = rtol * Math.max(Math.abs(expected.data[i]), 0.1 * scale, 1e-6);
    const ratio = Math.abs(actual[i] - expected.data[i]) / tol;
    if (!(ratio <= worst)) { worst = ratio; worstAt = i; }
  }
  expect(worst, `${label}: worst element ${worstAt}: got ${actual[worstAt]}, torch ${expected.data[worstAt]}`)
    .toBeLessThanOrEqual(1);
}

interface Result { y: Float32Array; dx: Float32Array; dw?: Float32Array; db?: Float32Array }

async function runCase(tf: Tf, c: TorchCase): Promise<Result> {
  const t = (a: Arr) => tf.tensor(a.data, a.shape, 'float32');
  const x = t(c.x) as import('@tensorflow/tfjs-core').Tensor4D;
  const up = t(c.up);
  const w = c.w ? (t(c.w) as import('@tensorflow/tfjs-core').Tensor4D) : null;
  const b = c.b ? (t(c.b) as import('@tensorflow/tfjs-core').Tensor1D) : null;
  const { strides, pad, dilations = 1, filterSize = 1, activation = 'linear' } = c.tfjs;
  const forward = (xs: import('@tensorflow/tfjs-core').Tensor4D, ws: typeof w, bs: typeof b) => {
    switch (c.op) {
      case 'conv2d': return tf.conv2d(xs, ws!, strides, pad, 'NHWC', dilations);
      case 'fused_conv2d': return tf.fused.conv2d({ x: xs, filter: ws!, strides, pad, dilations, bias: bs!, activation });
      case 'depthwise': return tf.depthwiseConv2d(xs, ws!, strides, pad, 'NHWC', dilations);
      case 'maxpool': return tf.maxPool(xs, filterSize, strides, pad);
      case 'avgpool': return tf.avgPool(xs, filterSize, strides, pad);
    }
  };
  const params = [x, w, b].filter((p): p is NonNullable<typeof p> => p != null);
  const y = forward(x, w, b);
  const grads = tf.grads((...ps: import('@tensorflow/tfjs-core').Tensor[]) => {
    const [xs, ws, bs] = [ps[0] as typeof x, (w ? ps[1] : null) as typeof w, (b ? ps[2] : null) as typeof b];
    return tf.sum(tf.mul(forward(xs, ws, bs), up));
  })(params);
  const out: Result = { y: (await y.data()) as Float32Array, dx: (await grads[0].data()) as Float32Array };
  if (w) out.dw = (await grads[1].data()) as Float32Array;
  if (b) out.db = (await grads[2].data()) as Float32Array;
  tf.dispose([x, up, y, ...grads, ...(w ? [w] : []), ...(b ? [b] : [])]);
  return out;
}

describe.each(['wasm', 'cpu'] as const)('custom kernels vs PyTorch on %s', (backend) => {
  it('fixtures are present and cover every kernel', () => {
    const ops = new Set(CASES.map((c) => c.op));
    expect([...ops].sort()).toEqual(['avgpool', 'conv2d', 'depthwise', 'fused_conv2d', 'maxpool']);
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const tf = await useBackend(backend);
    install();
    const before = tf.memory().numTensors;
    const r = await runCase(tf, c);
    expect(tf.memory().numTensors).toBe(before);
    expectClose(r.y, c.y, `${c.name} y`);
    expectClose(r.dx, c.dx, `${c.name} dx`);
    if (c.dw) expectClose(r.dw!, c.dw, `${c.name} dw`);
    if (c.db) expectClose(r.db!, c.db, `${c.name} db`);
  });
});
