/**
 * The WASM backend's WebAssembly-SIMD conv and conv gradient kernels (src/engine/accel/kernels/wasm-conv-grad.ts)
 * against three references: the CPU backend's own tfjs kernels (no dilation), the forward-conv formulation they replace (on
 * wasm, switched off through the accel options' conv.enabled), and central finite differences. The shapes put channel counts
 * on both SIMD variants (multiples of 16 and of 4) and the fallback (others), with strides 1/2, 'same', 'valid',
 * explicit asymmetric padding and dilation 2, in whichever SIMD mode the engine has (relaxed-SIMD FMA under
 * `NODE_OPTIONS=--experimental-wasm-relaxed-simd`, plain otherwise). And the wasm Sum/Mean column-sum kernels (wasm-reduce.ts) against
 * the CPU backend, including the cases they leave to tfjs; the one-pass Relu gradient (relu-grad.ts); the
 * copy-free Identity (wasm-identity.ts).
 */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { lcgValues } from '../helpers/synthetic';
import { expectClose } from '../helpers/close';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { validRange, wasmConv2d, wasmFilterGrad, wasmInputGrad } from '../../src/engine/accel/kernels/wasm-conv-grad';
import { reduceBlock } from '../../src/engine/accel/kernels/wasm-reduce';
import { convGradSimdStandalone } from '../../src/engine/accel/wasm/conv-module';
import { trainingKernelManifest, uninstall, withAccelOptions } from '../../src/engine/accel';
import { ENGINE_RELU_GRAD } from '../../src/engine/accel/kernels/relu-grad';

type Tf = Awaited<ReturnType<typeof useBackend>>;
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { name: string; x: [number, number, number, number]; w: [number, number, number, number]; s: number | [number, number]; pad: Pad; dil?: number }

const values = (n: number, seed: number) => lcgValues(n, seed, 1, 4);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const CASES: Case[] = [
  { name: 'small CNN conv2 (16->32, 3x3 valid)', x: [3, 10, 9, 16], w: [3, 3, 16, 32], s: 1, pad: 'valid' },
  { name: 'small CNN conv1 (1->16, 3x3 valid)', x: [2, 9, 8, 1], w: [3, 3, 1, 16], s: 1, pad: 'valid' },
  { name: '16->16 3x3 s1 same', x: [2, 7, 6, 16], w: [3, 3, 16, 16], s: 1, pad: 'same' },
  { name: '16->32 3x3 s2 same (asymmetric pad)', x: [2, 8, 7, 16], w: [3, 3, 16, 32], s: 2, pad: 'same' },
  { name: '4->8 3x2 s[2,1] explicit', x: [2, 7, 6, 4], w: [3, 2, 4, 8], s: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: '5->4 5x5 s1 same (odd cin)', x: [2, 6, 6, 5], w: [5, 5, 5, 4], s: 1, pad: 'same' },
  { name: '3->12 1x1 s2 valid', x: [2, 6, 5, 3], w: [1, 1, 3, 12], s: 2, pad: 'valid' },
  { name: '8->16 3x3 dilation 2 same', x: [2, 8, 7, 8], w: [3, 3, 8, 16], s: 1, pad: 'same', dil: 2 },
  { name: '16->4 3x3 dilation 2 valid', x: [1, 9, 8, 16], w: [3, 3, 16, 4], s: 1, pad: 'valid', dil: 2 },
  { name: 'fallback: 2->3 3x3 s1 same', x: [2, 5, 5, 2], w: [3, 3, 2, 3], s: 1, pad: 'same' },
];

const conv = (tf: Tf, c: Case, x: Tensor4D, w: Tensor4D) => tf.conv2d(x, w, c.s, c.pad, 'NHWC', c.dil ?? 1);

interface Res { y: Float32Array; dx: Float32Array; dw: Float32Array }

function grads(tf: Tf, c: Case, xv: Float32Array, wv: Float32Array, up: Float32Array): Res {
  const [y, gx, gw] = tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, c.w);
    const y0 = conv(tf, c, x, w);
    const u = tf.tensor(up, y0.shape);
    return [y0, ...tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(conv(tf, c, a as Tensor4D, b as Tensor4D), u)))([x, w])];
  });
  const out = { y: y.dataSync() as Float32Array, dx: gx.dataSync() as Float32Array, dw: gw.dataSync() as Float32Array };
  tf.dispose([y, gx, gw]);
  return out;
}

function outShape(tf: Tf, c: Case): number[] {
  return tf.tidy(() => conv(tf, c, tf.zeros(c.x) as Tensor4D, tf.zeros(c.w) as Tensor4D).shape);
}

describe('WASM SIMD conv gradients', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: matches the CPU backend, the forward-conv path and finite differences', async (_n, c) => {
    const xv = values(size(c.x), 11);
    const wv = values(size(c.w), 12);
    let tf = await useBackend('cpu');
    const up = values(size(outShape(tf, c)), 13);
    let cpuRef: Res | null = null;
    if ((c.dil ?? 1) === 1) {
      uninstall();
      cpuRef = grads(tf, c, xv, wv, up);
    }
    tf = await useBackend('wasm', { trainingKernels: true });
    const before = tf.memory().numTensors;
    const simd = grads(tf, c, xv, wv, up);
    expect(tf.memory().numTensors).toBe(before);
    const old: Res = withAccelOptions({ conv: { enabled: false } }, () => grads(tf, c, xv, wv, up));
    expectClose(simd.dx, old.dx, 2e-6, 'dx vs forward-conv formulation');
    expectClose(simd.dw, old.dw, 2e-6, 'dw vs forward-conv formulation');
    if (cpuRef) {
      expectClose(simd.y, cpuRef.y, 2e-6, 'y vs cpu tfjs');
      expectClose(simd.dx, cpuRef.dx, 2e-6, 'dx vs cpu tfjs');
      expectClose(simd.dw, cpuRef.dw, 2e-6, 'dw vs cpu tfjs');
    }
    // Forward: ours (on every channel count it takes) against XNNPACK's and the CPU backend's.
    const fwd = () => tf.tidy(() => conv(tf, c, tf.tensor4d(xv, c.x), tf.tensor4d(wv, c.w)).dataSync() as Float32Array);
    const ours = withAccelOptions({ conv: { forwardMinCin: 1 } }, fwd);
    const xnn = withAccelOptions({ conv: { enabled: false } }, fwd);
    expectClose(ours, xnn, 2e-6, 'forward vs XNNPACK');
    // Finite differences of the (linear) loss on a few elements of x and w, in float64, with a large exact step.
    const loss = (xa: Float32Array, wa: Float32Array): number => {
      const y = tf.tidy(() => conv(tf, c, tf.tensor4d(xa, c.x), tf.tensor4d(wa, c.w)).dataSync());
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * up[i];
      return s;
    };
    const fd = (arr: Float32Array, i: number, call: (a: Float32Array) => number): number => {
      const p = arr.slice(); const m = arr.slice();
      p[i] += 0.5; m[i] -= 0.5;
      return (call(p) - call(m)) / (p[i] - m[i]);
    };
    for (const i of [0, 7, Math.floor(xv.length / 2), xv.length - 1]) {
      expect(simd.dx[i], `dx[${i}] vs finite differences`).toBeCloseTo(fd(xv, i, (a) => loss(a, wv)), 2);
    }
    for (const i of [0, 5, Math.floor(wv.length / 2), wv.length - 1]) {
      expect(simd.dw[i], `dw[${i}] vs finite differences`).toBeCloseTo(fd(wv, i, (a) => loss(xv, a)), 2);
    }
  });

  it('takes the SIMD path exactly where it applies, and falls back otherwise', async () => {
    const tf = await useBackend('wasm', { trainingKernels: true });
    const backend = tf.backend();
    const attrs = { strides: 1, pad: 'valid' as const };
    const x = tf.ones([1, 5, 5, 16]);
    const dy4 = tf.ones([1, 3, 3, 4]);
    const dy3 = tf.ones([1, 3, 3, 3]);
    const filt = tf.ones([3, 3, 16, 4]);
    const filt3 = tf.ones([3, 3, 2, 4]);
    const dyI = tf.ones([1, 3, 3, 4]);
    const dw = wasmFilterGrad(backend, x, dy4, [3, 3, 16, 4], attrs);
    expect(dw).not.toBeNull();
    // every tap of a 5x5 all-ones input sees 9 valid positions
    expect(Array.from(backend.readSync(dw!.dataId) as Float32Array).every((v) => v === 9)).toBe(true);
    backend.disposeData(dw!.dataId);
    expect(wasmFilterGrad(backend, x, dy3, [3, 3, 16, 3], attrs)).toBeNull(); // cout 3: not a multiple of 4
    const dx = wasmInputGrad(backend, dyI, filt, [1, 5, 5, 16], attrs);
    expect(dx).not.toBeNull();
    backend.disposeData(dx!.dataId);
    expect(wasmInputGrad(backend, dyI, filt3, [1, 5, 5, 2], attrs)).toBeNull(); // cin 2
    expect(wasmFilterGrad(backend, x, dy4, [3, 3, 16, 4], { ...attrs, dataFormat: 'NCHW' })).toBeNull();
    const y = wasmConv2d(backend, x, filt, attrs);
    expect(y).not.toBeNull(); // cin 16 >= forwardMinCin
    expect(Array.from(backend.readSync(y!.dataId) as Float32Array).every((v) => v === 144)).toBe(true);
    backend.disposeData(y!.dataId);
    expect(wasmConv2d(backend, tf.ones([1, 5, 5, 2]), filt3, attrs)).toBeNull(); // cin 2: XNNPACK's
    // With XNNPACK on more threads than allowed, forward and input gradient stay XNNPACK's, the filter gradient ours.
    withAccelOptions({ conv: { xnnpackThreadsForOurs: 0 } }, () => {
      expect(wasmConv2d(backend, x, filt, attrs)).toBeNull();
      expect(wasmInputGrad(backend, dyI, filt, [1, 5, 5, 16], attrs)).toBeNull();
      const dwT = wasmFilterGrad(backend, x, dy4, [3, 3, 16, 4], attrs);
      expect(dwT).not.toBeNull();
      backend.disposeData(dwT!.dataId);
    });
    withAccelOptions({ conv: { enabled: false } }, () => expect(wasmFilterGrad(backend, x, dy4, [3, 3, 16, 4], attrs)).toBeNull());
    const { kernels, gradients } = trainingKernelManifest();
    expect(kernels).toEqual(expect.arrayContaining(['wasm/Conv2D', 'wasm/Conv2DBackpropFilter', 'wasm/Conv2DBackpropInput',
      'wasm/Sum', 'wasm/Mean', 'wasm/EngineReluGrad']));
    expect(gradients).toContain('Relu');
    expect(() => wasmFilterGrad(backend, x, tf.ones([1, 4, 3, 4]), [3, 3, 16, 4], attrs)).toThrow(/does not match the conv output/);
    tf.dispose([x, dy4, dy3, filt, filt3, dyI]);
  });

  it('uses relaxed-SIMD FMA exactly when the engine accepts it, and plain SIMD otherwise', () => {
    // (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
    const madd = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b, 3, 2, 1, 0,
      10, 13, 1, 11, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 0x02, 0x0b]);
    const hasRelaxed = WebAssembly.validate(madd);
    const standalone = convGradSimdStandalone();
    expect(standalone).not.toBeNull();
    expect(standalone!.kernels.fma).toBe(hasRelaxed);
    withAccelOptions({ fma: false }, () => {
      const plain = convGradSimdStandalone()!;
      expect(plain.kernels.fma).toBe(false);
      // one tap, 3 positions, cin 2, cout 4: out[ci, co] = sum_p x[p, ci] * dy[p, co]
      const heap = plain.heap();
      heap.set([1, 2, 3, 4, 5, 6], 0); // x [3, 2]
      heap.set([1, 0, 0, 1, 0, 1, 0, 1, 2, 2, 2, 2], 16); // dy [3, 4]
      plain.kernels.fgrad4(0, 64, 256, 1, 3, 8, 0, 0, 2, 4);
      expect(Array.from(heap.slice(64, 72))).toEqual([11, 13, 10, 14, 14, 16, 12, 18]);
    });
  });

  it('valid output ranges honour stride, dilation and padding', () => {
    // 'same' 3x3 stride 1 on 5: tap 0 reads o-1 (o >= 1), tap 2 reads o+1 (o <= 3)
    expect(validRange(0, 1, 1, 1, 5, 5)).toEqual([1, 5]);
    expect(validRange(2, 1, 1, 1, 5, 5)).toEqual([0, 4]);
    // stride 2, pad 1, size 8, out 4: tap 0 reads 2o-1 (o >= 1); tap 2 reads 2o+1 (o <= 3)
    expect(validRange(0, 2, 1, 1, 8, 4)).toEqual([1, 4]);
    expect(validRange(2, 2, 1, 1, 8, 4)).toEqual([0, 4]);
    // dilation 3 pushes tap 2 six to the right: on size 5, out 5, pad 0 only o = ... none
    expect(validRange(2, 1, 3, 0, 5, 5)).toEqual([0, 0]);
  });
});

describe('WASM SIMD Sum / Mean', () => {
  const CASES: [string, number[], number[], boolean][] = [
    ['bias gradient: sum over N,H,W', [3, 7, 5, 32], [0, 1, 2], false],
    ['global average pool: mean over H,W', [3, 7, 5, 16], [1, 2], false],
    ['mean over H,W keepDims', [2, 6, 6, 8], [1, 2], true],
    ['sum over rows of a matrix, many chunks', [3000, 12], [0], false],
    ['fallback: innermost axis', [4, 6, 8], [2], false],
    ['fallback: non-contiguous axes', [4, 6, 8], [0, 2], false],
    ['fallback: channels not a multiple of 4', [4, 6, 6], [0, 1], false],
  ];
  it.each(CASES)('%s matches the CPU backend', async (_n, shape, axes, keepDims) => {
    const xv = values(size(shape), 21);
    let tf = await useBackend('cpu');
    uninstall();
    const ref = tf.tidy(() => [tf.sum(tf.tensor(xv, shape), axes, keepDims), tf.mean(tf.tensor(xv, shape), axes, keepDims)]);
    const refV = ref.map((t) => ({ shape: t.shape, v: t.dataSync() as Float32Array }));
    tf.dispose(ref);
    tf = await useBackend('wasm', { trainingKernels: true });
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => [tf.sum(tf.tensor(xv, shape), axes, keepDims), tf.mean(tf.tensor(xv, shape), axes, keepDims)]);
    got.forEach((t, i) => {
      expect(t.shape).toEqual(refV[i].shape);
      expectClose(t.dataSync() as Float32Array, refV[i].v, 1e-5, i === 0 ? 'sum' : 'mean');
    });
    tf.dispose(got);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('int32 sums still go to tfjs\'s kernel', async () => {
    const tf = await useBackend('wasm', { trainingKernels: true });
    const s = tf.sum(tf.tensor([[1, 2, 3, 4], [5, 6, 7, 8]], [2, 4], 'int32'), 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.dataSync())).toEqual([6, 8, 10, 12]);
    s.dispose();
  });

  it('reduceBlock finds one contiguous block of axes', () => {
    expect(reduceBlock([2, 3, 4, 8], [0, 1, 2])).toEqual([1, 24, 8]);
    expect(reduceBlock([2, 3, 4, 8], [2, 1])).toEqual([2, 12, 8]);
    expect(reduceBlock([2, 3, 4, 8], [0, 2])).toBeNull();
    expect(reduceBlock([2, 3], [])).toBeNull();
  });
});

describe('Relu gradient in one masked pass on WASM', () => {
  it.each([[[2, 5, 3, 4]], [[3, 5]] /* size 15: tfjs's formulation */])('shape %j matches tfjs\'s mul(dy, step(x)) on the CPU backend', async (shape) => {
    const xv = values(size(shape), 31);
    xv[0] = 0; // relu'(0) = 0 in tfjs
    const up = values(size(shape), 32);
    const grad = (tf: Tf) => tf.tidy(() => {
      const u = tf.tensor(up, shape);
      return tf.grad((x: Tensor) => tf.sum(tf.mul(tf.relu(x), u)))(tf.tensor(xv, shape)).dataSync() as Float32Array;
    });
    let tf = await useBackend('cpu');
    uninstall();
    const ref = grad(tf);
    tf = await useBackend('wasm', { trainingKernels: true });
    const before = tf.memory().numTensors;
    const got = grad(tf);
    expect(tf.memory().numTensors).toBe(before);
    // (+0 and -0 are the same gradient: tfjs's dy * 0 gives -0 for negative dy, the mask +0)
    expect(Array.from(got, (v) => v + 0)).toEqual(Array.from(ref, (v) => v + 0));
    expect(got[0] + 0).toBe(0);
    expect(Array.from(got).filter((v) => v !== 0).length).toBeGreaterThan(size(shape) / 4);
    // the kernel itself rejects inputs the gradient would not hand it
    expect(() => tf.engine().runKernel(ENGINE_RELU_GRAD, { dy: tf.ones([3]), x: tf.ones([3]) })).toThrow(/multiple of 4/);
  });
});

describe('Identity without a copy on WASM', () => {
  it('a clone shares memory, survives disposing the original, and gradients are unchanged', async () => {
    const tf = await useBackend('wasm', { trainingKernels: true });
    const before = tf.memory();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const c = tf.clone(x);
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
    expect(backend.dataIdMap.get(c.dataId).memoryOffset).toBe(backend.dataIdMap.get(x.dataId).memoryOffset);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4]);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    // the engine clones the tensors it saves for backward: a relu/conv gradient reads the right (saved) values
    const w0 = tf.tensor4d(values(9 * 4 * 4, 41), [3, 3, 4, 4]);
    const w = tf.variable(w0);
    const xs = tf.tensor4d(values(2 * 5 * 5 * 4, 42), [2, 5, 5, 4]);
    const g = tf.tidy(() => tf.variableGrads(() => tf.sum(tf.relu(tf.conv2d(xs, w as Tensor4D, 1, 'same'))), [w]).grads[w.name].dataSync());
    const gCopy = withAccelOptions({ copyFreeIdentity: false },
      () => tf.tidy(() => tf.variableGrads(() => tf.sum(tf.relu(tf.conv2d(xs, w as Tensor4D, 1, 'same'))), [w]).grads[w.name].dataSync() as Float32Array));
    expect(Array.from(g)).toEqual(Array.from(gCopy));
    tf.dispose([w0, w, xs]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
  });
});
