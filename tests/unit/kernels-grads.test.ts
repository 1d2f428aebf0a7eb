/**
 * The custom training kernels (src/engine/accel/kernels/) against two references that need no fixtures:
 *  (a) the CPU backend's own tfjs kernels, on tiny shapes and only where those are correct (no dilation, no
 *      'same' avgPool);
 *  (b) central finite differences of loss = sum(y * up), computed in float64 from the forward output. Conv,
 *      depthwise and avgPool are linear, so a large step is exact; maxPool is checked on distinct inputs with a step
 *      small enough not to change any window's argmax.
 * Plus the reasons the kernels exist: without them WASM conv training throws and avgPool 'same' gradients are wrong.
 */
import { describe, expect, it } from 'vitest';
// tfjs-core must load before the ESM gradient registrations (see kernels-torch.test.ts).
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { lcgValues } from '../helpers/synthetic';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { install, trainingKernelManifest, uninstall } from '../../src/engine/accel';

type Tf = Awaited<ReturnType<typeof useBackend>>;
type Op = (tf: Tf, x: Tensor4D, w: Tensor4D | null) => Tensor;

interface Spec {
  name: string;
  x: number[];
  w?: number[];
  op: Op;
  /** Piecewise-linear op (maxPool): use distinct inputs and a small step. */
  maxLike?: boolean;
}

/** Deterministic pseudo-random values in [-1, 1). */
const values = (n: number, seed: number) => lcgValues(n, seed, 1, 4);

/** A permutation of k * 0.01 (distinct values 0.01 apart), for maxPool finite differences. */
function distinct(n: number, seed: number): Float32Array {
  const r = values(n, seed);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => r[a] - r[b]);
  const out = new Float32Array(n);
  order.forEach((idx, rank) => { out[idx] = (rank - n / 2) * 0.01; });
  return out;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface Grads { dx: Float32Array; dw: Float32Array | null }

function analytic(tf: Tf, spec: Spec, xv: Float32Array, wv: Float32Array | null, up: Float32Array): Grads {
  const grads = tf.tidy(() => {
    const x = tf.tensor4d(xv, spec.x as [number, number, number, number]);
    const w = wv ? tf.tensor4d(wv, spec.w as [number, number, number, number]) : null;
    const y0 = spec.op(tf, x, w);
    const u = tf.tensor(up, y0.shape);
    const loss = (xs: Tensor, ws?: Tensor) => tf.sum(tf.mul(spec.op(tf, xs as Tensor4D, (ws ?? null) as Tensor4D | null), u));
    if (w) return tf.grads((a: Tensor, b: Tensor) => loss(a, b))([x, w]);
    return [tf.grad((a: Tensor) => loss(a))(x)];
  });
  const out = { dx: grads[0].dataSync() as Float32Array, dw: grads[1] ? (grads[1].dataSync() as Float32Array) : null };
  tf.dispose(grads);
  return out;
}

function outputShape(tf: Tf, spec: Spec, xv: Float32Array, wv: Float32Array | null): number[] {
  return tf.tidy(() => spec.op(tf, tf.tensor4d(xv, spec.x as [number, number, number, number]),
    wv ? tf.tensor4d(wv, spec.w as [number, number, number, number]) : null).shape);
}

/** Central differences of sum(y * up) in float64, for every element of x (and w). */
function numeric(tf: Tf, spec: Spec, xv: Float32Array, wv: Float32Array | null, up: Float32Array, eps: number): Grads {
  const lossAt = (xa: Float32Array, wa: Float32Array | null): number => {
    const y = tf.tidy(() => spec.op(tf, tf.tensor4d(xa, spec.x as [number, number, number, number]),
      wa ? tf.tensor4d(wa, spec.w as [number, number, number, number]) : null).dataSync());
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * up[i];
    return s;
  };
  const diff = (arr: Float32Array, call: (a: Float32Array) => number): Float32Array => {
    const g = new Float32Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const plus = arr.slice();
      const minus = arr.slice();
      plus[i] += eps;
      minus[i] -= eps;
      // Use the float32-rounded step actually taken.
      g[i] = (call(plus) - call(minus)) / (plus[i] - minus[i]);
    }
    return g;
  };
  return {
    dx: diff(xv, (a) => lossAt(a, wv)),
    dw: wv ? diff(wv, (a) => lossAt(xv, a)) : null,
  };
}

function expectClose(actual: Float32Array, expected: Float32Array, rel: number, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const scale = Math.max(1e-6, ...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale, `${label}: max |diff| ${worst} vs scale ${scale}`).toBeLessThanOrEqual(rel);
  // Not trivially zero: the comparison means something.
  expect(scale, `${label}: non-trivial`).toBeGreaterThan(1e-3);
}

const conv = (strides: number | [number, number], pad: Parameters<Tf['conv2d']>[3], dil = 1): Op =>
  (tf, x, w) => tf.conv2d(x, w!, strides, pad, 'NHWC', dil);
const dwConv = (strides: number, pad: Parameters<Tf['depthwiseConv2d']>[3], dil = 1): Op =>
  (tf, x, w) => tf.depthwiseConv2d(x, w!, strides, pad, 'NHWC', dil);

/** Cases where the CPU backend's own kernels are correct. */
const CPU_COMPARABLE: Spec[] = [
  { name: 'conv2d 3x3 s1 same', x: [2, 5, 5, 3], w: [3, 3, 3, 4], op: conv(1, 'same') },
  { name: 'conv2d 3x3 s2 same (asymmetric pad)', x: [2, 6, 5, 2], w: [3, 3, 2, 3], op: conv(2, 'same') },
  { name: 'conv2d 3x2 s[2,1] explicit', x: [2, 6, 5, 2], w: [3, 2, 2, 3], op: conv([2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]]) },
  { name: 'conv2d 1x1 s1 valid', x: [2, 4, 4, 5], w: [1, 1, 5, 3], op: conv(1, 'valid') },
  { name: 'conv2dTranspose s2 same', x: [2, 3, 3, 4], w: [3, 3, 2, 4],
    op: (tf, x, w) => tf.conv2dTranspose(x, w!, [2, 6, 6, 2], 2, 'same') },
  { name: 'depthwise 3x3 s1 same', x: [2, 5, 5, 3], w: [3, 3, 3, 1], op: dwConv(1, 'same') },
  { name: 'depthwise 3x3 s2 valid mult 2', x: [2, 7, 6, 2], w: [3, 3, 2, 2], op: dwConv(2, 'valid') },
  { name: 'maxPool 3x3 s1 same', x: [2, 6, 6, 3], op: (tf, x) => tf.maxPool(x, 3, 1, 'same') },
  { name: 'maxPool 2x2 s2 valid', x: [2, 6, 6, 3], op: (tf, x) => tf.maxPool(x, 2, 2, 'valid') },
  { name: 'maxPool 3x3 s2 pad 1', x: [2, 7, 7, 2], op: (tf, x) => tf.maxPool(x, 3, 2, 1) },
  { name: 'avgPool 2x2 s2 valid', x: [2, 6, 6, 3], op: (tf, x) => tf.avgPool(x, 2, 2, 'valid') },
];

/** Finite-difference cases, including those tfjs cannot do at all (dilated gradients) or gets wrong. */
const FD_CASES: Spec[] = [
  { name: 'conv2d 3x3 s2 explicit', x: [2, 5, 5, 2], w: [3, 3, 2, 3], op: conv(2, [[0, 0], [1, 1], [1, 1], [0, 0]]) },
  { name: 'conv2d 3x3 dilation 2 same', x: [1, 6, 6, 2], w: [3, 3, 2, 2], op: conv(1, 'same', 2) },
  { name: 'conv2d 3x3 dilation 2 valid', x: [1, 7, 6, 2], w: [3, 3, 2, 2], op: conv(1, 'valid', 2) },
  { name: 'depthwise 3x3 dilation 2 same', x: [2, 6, 6, 2], w: [3, 3, 2, 1], op: dwConv(1, 'same', 2) },
  { name: 'depthwise 5x5 dilation 2 same', x: [1, 7, 7, 2], w: [5, 5, 2, 1], op: dwConv(1, 'same', 2) },
  { name: 'depthwise 3x3 s2 same', x: [2, 6, 6, 2], w: [3, 3, 2, 1], op: dwConv(2, 'same') },
  { name: 'fused conv2d + bias', x: [2, 5, 5, 2], w: [3, 3, 2, 3],
    op: (tf, x, w) => tf.fused.conv2d({ x, filter: w!, strides: 1, pad: 'same', bias: tf.tensor1d([0.1, -0.2, 0.3]) }) },
  { name: 'fused depthwise + bias, s2', x: [2, 6, 6, 2], w: [3, 3, 2, 1],
    op: (tf, x, w) => tf.fused.depthwiseConv2d({ x, filter: w!, strides: 2, pad: 'same', bias: tf.tensor1d([0.1, -0.2]) }) },
  { name: 'maxPool 3x3 s1 same', x: [2, 5, 5, 2], op: (tf, x) => tf.maxPool(x, 3, 1, 'same'), maxLike: true },
  { name: 'maxPool 2x2 s2 valid', x: [2, 6, 6, 2], op: (tf, x) => tf.maxPool(x, 2, 2, 'valid'), maxLike: true },
  { name: 'avgPool 3x3 s1 same', x: [2, 5, 5, 2], op: (tf, x) => tf.avgPool(x, 3, 1, 'same') },
  { name: 'avgPool 3x3 s2 pad 1', x: [2, 6, 6, 2], op: (tf, x) => tf.avgPool(x, 3, 2, 1) },
];

function inputs(spec: Spec, seed: number): { xv: Float32Array; wv: Float32Array | null } {
  return {
    xv: spec.maxLike ? distinct(size(spec.x), seed) : values(size(spec.x), seed),
    wv: spec.w ? values(size(spec.w), seed + 1) : null,
  };
}

describe('custom kernels vs the CPU backend\'s own kernels', () => {
  it.each(CPU_COMPARABLE.map((s) => [s.name, s] as const))('%s', async (_n, spec) => {
    const { xv, wv } = inputs(spec, 7);
    let tf = await useBackend('cpu');
    uninstall();
    const up = values(size(outputShape(tf, spec, xv, wv)), 99);
    const ref = analytic(tf, spec, xv, wv, up);
    install();
    for (const backend of ['wasm', 'cpu'] as const) {
      tf = await useBackend(backend);
      const got = analytic(tf, spec, xv, wv, up);
      expectClose(got.dx, ref.dx, 1e-5, `${backend} dx`);
      if (ref.dw) expectClose(got.dw!, ref.dw, 1e-5, `${backend} dw`);
    }
  });
});

describe.each(['wasm', 'cpu'] as const)('custom kernels vs central finite differences on %s', (backend) => {
  it.each(FD_CASES.map((s) => [s.name, s] as const))('%s', async (_n, spec) => {
    const tf = await useBackend(backend);
    install();
    const { xv, wv } = inputs(spec, 3);
    const up = values(size(outputShape(tf, spec, xv, wv)), 5);
    const before = tf.memory().numTensors;
    const got = analytic(tf, spec, xv, wv, up);
    const fd = numeric(tf, spec, xv, wv, up, spec.maxLike ? 1e-3 : 0.5);
    expect(tf.memory().numTensors).toBe(before);
    expectClose(got.dx, fd.dx, 1e-3, 'dx');
    if (fd.dw) expectClose(got.dw!, fd.dw, 1e-3, 'dw');
  });
});

describe('installation', () => {
  it('registers the documented kernels and gradients, idempotently, and uninstalls cleanly', async () => {
    const tf = await useBackend('wasm');
    uninstall();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    const wasmMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
    const tfjsAvgGrad = tf.getGradient('AvgPool');
    install();
    install();
    const { kernels, gradients } = trainingKernelManifest();
    expect(kernels).toEqual(expect.arrayContaining([
      'wasm/Conv2DBackpropFilter', 'wasm/Conv2DBackpropInput', 'wasm/DepthwiseConv2dNativeBackpropInput',
      'wasm/DepthwiseConv2dNativeBackpropFilter', 'wasm/MaxPoolGrad', 'cpu/Conv2DBackpropFilter', 'cpu/Conv2D',
      'cpu/Conv2DBackpropInput', 'cpu/FusedConv2D', 'wasm/EngineReduceGrad', 'cpu/EngineReduceGrad',
    ]));
    expect(gradients.sort()).toEqual(['AvgPool', 'Conv2D', 'DepthwiseConv2dNative', 'Mean', 'Relu', 'Sum']); // EngineConvBiasRelu: the benchmark's own (conv-bias-relu.test.ts)
    for (const k of kernels) {
      const [backend, name] = k.split('/');
      expect(tf.getKernel(name, backend), k).toBeDefined();
    }
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).not.toBe(wasmMaxPoolGrad);
    expect(tf.getGradient('AvgPool')).not.toBe(tfjsAvgGrad);
    uninstall();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(wasmMaxPoolGrad);
    expect(tf.getGradient('AvgPool')).toBe(tfjsAvgGrad);
    install();
  });

  it('without them, WASM conv training throws, avgPool "same" border gradients and WASM maxPool gradients are wrong', async () => {
    const tf = await useBackend('wasm');
    uninstall();
    try {
      const x = tf.ones([1, 4, 4, 1]) as Tensor4D;
      const w = tf.ones([3, 3, 1, 1]) as Tensor4D;
      expect(() => tf.grad((f: Tensor) => tf.sum(tf.conv2d(x, f as Tensor4D, 1, 'same')))(w))
        .toThrow(/Conv2DBackpropFilter.*not registered/);
      // d/dx of sum(avgPool_same(x)) at the corner of a 4x4 input: the 4 windows covering it hold 4, 6, 6, 9 valid
      // elements, so the true gradient is 1/4 + 2/6 + 1/9; tfjs divides by 9 for each: 4/9.
      const corner = (g: Tensor) => g.dataSync()[0];
      const gx = (t: Tensor) => tf.grad((a: Tensor) => tf.sum(tf.avgPool(a as Tensor4D, 3, 1, 'same')))(t);
      const tfjs = gx(x);
      expect(corner(tfjs)).toBeCloseTo(4 / 9, 6);
      install();
      const ours = gx(x);
      expect(corner(ours)).toBeCloseTo(1 / 4 + 2 / 6 + 1 / 9, 6);
      tf.dispose([x, w, tfjs, ours]);

      // tfjs 4.22's WASM MaxPoolGrad (2x2 s2) sends some gradients to the wrong element; ours matches the CPU backend.
      const pool = (backend: 'wasm' | 'cpu') => useBackend(backend).then((t) => t.tidy(() => {
        const xs = t.tensor4d(distinct(2 * 8 * 8 * 4, 11), [2, 8, 8, 4]);
        const up = t.tensor4d(values(2 * 4 * 4 * 4, 12), [2, 4, 4, 4]);
        return Array.from(t.grad((a: Tensor) => t.sum(t.mul(t.maxPool(a as Tensor4D, 2, 2, 'valid'), up)))(xs).dataSync());
      }));
      uninstall();
      const raw = await pool('wasm');
      const ref = await pool('cpu');
      install();
      const fixed = await pool('wasm');
      const wrong = (g: number[]) => g.filter((v, i) => Math.abs(v - ref[i]) > 1e-6).length;
      expect(wrong(raw)).toBeGreaterThan(0);
      expect(wrong(fixed)).toBe(0);
    } finally {
      install();
    }
  });
});
