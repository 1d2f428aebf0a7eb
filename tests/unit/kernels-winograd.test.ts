/**
 * Winograd F(2x2, 3x3) conv kernels on the WASM backend (src/engine/accel/kernels/wasm-winograd-conv.ts) against the CPU
 * backend's conv2d and its gradients, and against the direct SIMD kernels they replace (Winograd switched off), on
 * shapes that exercise the direct and the copied (padded / odd-sized) source and output paths, both GEMM widths
 * (output channels a multiple of 16, and of 4 only), and 'valid', 'same' and explicit asymmetric padding. Also where it
 * applies: 3x3, stride 1, dilation 1, channel counts that are multiples of 4 and >= minChannels; else null.
 */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Tensor, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import { lcgValues } from '../helpers/synthetic';
import { expectClose } from '../helpers/close';
import { winogradConv2d, winogradFilterGrad, winogradInputGrad } from '../../src/engine/accel/kernels/wasm-winograd-conv';
import { uninstall, withAccelOptions } from '../../src/engine/accel';
import { F2, F4, filterToWinograd, winogradSimdFor, winogradToFilterGrad } from '../../src/engine/accel/wasm/winograd-module';

type Tf = Awaited<ReturnType<typeof useBackend>>;
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { name: string; x: [number, number, number, number]; cout: number; pad: Pad }

const CASES: Case[] = [
  { name: 'small CNN conv2 (16->32, 26x26 valid: no copies)', x: [2, 26, 26, 16], cout: 32, pad: 'valid' },
  { name: '16->32 valid, odd output (8x7)', x: [3, 10, 9, 16], cout: 32, pad: 'valid' },
  { name: '16->16 same', x: [2, 8, 8, 16], cout: 16, pad: 'same' },
  { name: '8->12 same, odd input (7x5)', x: [2, 7, 5, 8], cout: 12, pad: 'same' },
  { name: '8->8 same, 11 images (uneven chunks of images)', x: [11, 6, 6, 8], cout: 8, pad: 'same' },
  { name: '12->8 explicit asymmetric padding', x: [2, 6, 7, 12], cout: 8, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface Res { y: Float32Array; dx: Float32Array; dw: Float32Array }

function viaOps(tf: Tf, c: Case, xv: Float32Array, wv: Float32Array, up: Float32Array): Res {
  const wShape: [number, number, number, number] = [3, 3, c.x[3], c.cout];
  const conv = (x: Tensor4D, w: Tensor4D) => tf.conv2d(x, w, 1, c.pad);
  const [y, gx, gw] = tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, wShape);
    const y0 = conv(x, w);
    const u = tf.tensor(up, y0.shape);
    return [y0, ...tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(conv(a as Tensor4D, b as Tensor4D), u)))([x, w])];
  });
  const out = { y: y.dataSync() as Float32Array, dx: gx.dataSync() as Float32Array, dw: gw.dataSync() as Float32Array };
  tf.dispose([y, gx, gw]);
  return out;
}

describe('Winograd F(2x2,3x3) conv kernels (wasm)', () => {
  // F(2x2) rounds like the direct kernels; F(4x4)'s transforms (constants up to 8, 1/24) lose about 4 more bits.
  // 'grouped': F(2x2) over the tiles of several images per GEMM (what small maps get).
  const MODES = [2, 4, 'grouped'] as const;
  const TOL = { 2: 2e-6, 4: 3e-5, grouped: 2e-6 } as const;
  it.each(CASES.flatMap((c) => MODES.map((mode) => [`${mode === 'grouped' ? 'grouped F(2x2)' : `F(${mode}x${mode})`} ${c.name}`, c, mode] as const)))(
    '%s: equals the CPU backend and the direct kernels', async (_n, c, mode) => {
      // Forced: these small test maps have rows of fewer tiles than the speed thresholds; the arithmetic is the same.
      const forced = mode === 'grouped' ? { minTileRow: 1000, minTileRow4: 1000, groupTiles: 9, groupMinChannels: 1 } : { tiling: mode };
      await withAccelOptions({ winograd: forced }, () => checkCase(c, TOL[mode]));
    });

  it('picks F(4x4) for long rows of tiles, F(2x2) for medium ones, none for short ones', async () => {
    const tf = await useBackend('wasm', { trainingKernels: true });
    const backend = tf.backend();
    const w = tf.zeros([3, 3, 16, 16]);
    const applies = (width: number): boolean => {
      const y = winogradConv2d(backend, tf.zeros([1, 4, width, 16]), w, { strides: 1, pad: 'same' });
      if (y) backend.disposeData(y.dataId);
      return y != null;
    };
    expect(applies(24)).toBe(true); // 6 4x4 tiles a row
    expect(applies(16)).toBe(true); // 4 4x4 tiles, 8 2x2 tiles
    expect(applies(14)).toBe(false); // 7 2x2 tiles
    withAccelOptions({ winograd: { tiling: 2 } }, () => expect(applies(14)).toBe(true)); // forced: any width
  });

  it('computes the filter transforms in SIMD like the float64 reference', () => {
    const memory = new WebAssembly.Memory({ initial: 4 });
    const wg = winogradSimdFor(memory);
    expect(wg).not.toBeNull();
    for (const t of [F2, F4]) {
      const [nr, nv, A2] = [8, 12, t.alpha * t.alpha];
      const w = lcgValues(9 * nr * nv, 41, 1, 4);
      const du = lcgValues(A2 * nr * nv, 42, 1, 4);
      const mem = new Float32Array(memory.buffer);
      const [pw, pu, pdu, pdg] = [0, 8192, 32768, 65536]; // byte offsets, far enough apart for F(4x4)
      mem.set(w, pw / 4);
      mem.set(du, pdu / 4);
      wg!.fns[`${t.prefix}Filt`](pw, pu, nr, nv);
      wg!.fns[`${t.prefix}FiltGrad`](pdu, pdg, nr, nv);
      const U = new Float32Array(A2 * nr * nv);
      filterToWinograd(t, (kh, kw, r, v) => w[((kh * 3 + kw) * nr + r) * nv + v], nr, nv, U);
      const dg = new Float32Array(9 * nr * nv);
      winogradToFilterGrad(t, du, nr, nv, dg);
      expectClose(mem.slice(pu / 4, pu / 4 + U.length), U, 1e-6, `${t.prefix} G g Gᵀ`);
      expectClose(mem.slice(pdg / 4, pdg / 4 + dg.length), dg, 1e-6, `${t.prefix} Gᵀ dU G`);
    }
  });

  it('leaves maps whose rows have fewer than minTileRow tiles to the direct kernels', async () => {
    const tf = await useBackend('wasm', { trainingKernels: true });
    const backend = tf.backend();
    const w = tf.zeros([3, 3, 16, 16]);
    expect(winogradConv2d(backend, tf.zeros([1, 14, 14, 16]), w, { strides: 1, pad: 'same' })).toBeNull(); // 7 tiles a row
    const y = winogradConv2d(backend, tf.zeros([1, 4, 16, 16]), w, { strides: 1, pad: 'same' }); // 8 tiles a row
    expect(y).not.toBeNull();
    backend.disposeData(y!.dataId);
    expect(winogradInputGrad(backend, tf.zeros([1, 12, 12, 16]), w, [1, 14, 14, 16], { strides: 1, pad: 'valid' })).toBeNull(); // dx 14 wide
  });
});

async function checkCase(c: Case, tol: number): Promise<void> {
  {
    const wShape: [number, number, number, number] = [3, 3, c.x[3], c.cout];
    const xv = lcgValues(size(c.x), 21, 1, 4);
    const wv = lcgValues(size(wShape), 22, 1, 4);
    let tf = await useBackend('cpu');
    uninstall();
    const yShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as Tensor4D, tf.zeros(wShape) as Tensor4D, 1, c.pad).shape);
    const up = lcgValues(size(yShape), 23, 1, 4);
    const cpu = viaOps(tf, c, xv, wv, up);

    tf = await useBackend('wasm', { trainingKernels: true });
    const backend = tf.backend();
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, wShape);
    const dy = tf.tensor4d(up, yShape as [number, number, number, number]);
    const attrs = { strides: 1, pad: c.pad };
    const read = (info: TensorInfo | null, label: string): Float32Array => {
      expect(info, `${label}: Winograd applies`).not.toBeNull();
      const v = (backend.readSync(info!.dataId) as Float32Array).slice();
      backend.disposeData(info!.dataId);
      return v;
    };
    const wino: Res = {
      y: read(winogradConv2d(backend, x, w, attrs), 'forward'),
      dx: read(winogradInputGrad(backend, dy, w, c.x, attrs), 'input gradient'),
      dw: read(winogradFilterGrad(backend, x, dy, wShape, attrs), 'filter gradient'),
    };
    tf.dispose([x, w, dy]);
    const direct: Res = withAccelOptions({ winograd: { enabled: false } }, () => viaOps(tf, c, xv, wv, up));
    for (const k of ['y', 'dx', 'dw'] as const) {
      expectClose(wino[k], cpu[k], tol, `${k} vs cpu tfjs`);
      expectClose(wino[k], direct[k], tol, `${k} vs direct SIMD kernels`);
    }
    // Through the registered kernels (tf.conv2d and its gradients), Winograd is what runs, with the same result.
    const viaKernels = viaOps(tf, c, xv, wv, up);
    for (const k of ['y', 'dx', 'dw'] as const) expectClose(viaKernels[k], wino[k], 1e-7, `${k}: registered kernels use Winograd`);
  }
}

describe('Winograd F(2x2,3x3) kernels: where they apply', () => {

  it('applies only to 3x3 stride-1 undilated NHWC convs with enough channels, multiples of 4', async () => {
    const tf = await useBackend('wasm', { trainingKernels: true });
    const backend = tf.backend();
    const x16 = tf.zeros([1, 6, 16, 16]);
    const w = (s: number[]) => tf.zeros(s);
    const ok = winogradConv2d(backend, x16, w([3, 3, 16, 16]), { strides: 1, pad: 'same' });
    expect(ok).not.toBeNull();
    backend.disposeData(ok!.dataId);
    expect(winogradConv2d(backend, x16, w([3, 3, 16, 16]), { strides: 2, pad: 'same' })).toBeNull();
    expect(winogradConv2d(backend, x16, w([3, 3, 16, 16]), { strides: 1, pad: 'same', dilations: 2 })).toBeNull();
    expect(winogradConv2d(backend, x16, w([5, 5, 16, 16]), { strides: 1, pad: 'same' })).toBeNull();
    expect(winogradConv2d(backend, x16, w([3, 3, 16, 6]), { strides: 1, pad: 'same' })).toBeNull();
    expect(winogradConv2d(backend, tf.zeros([1, 6, 16, 4]), w([3, 3, 4, 16]), { strides: 1, pad: 'same' })).toBeNull(); // cin 4 < 8
    expect(winogradConv2d(backend, x16, w([3, 3, 16, 16]), { strides: 1, pad: [[0, 0], [3, 0], [0, 0], [0, 0]] })).toBeNull();
    expect(winogradConv2d(backend, x16, w([3, 3, 16, 16]), { strides: 1, pad: 'same', dataFormat: 'NCHW' })).toBeNull();
  });
});
