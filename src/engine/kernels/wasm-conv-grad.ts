/**
 * Conv2DBackpropFilter, Conv2DBackpropInput and Conv2D for the WASM backend as direct WebAssembly-SIMD kernels
 * (src/engine/ops/wasm-conv-simd.ts; relaxed-SIMD FMA where the engine has it) reading and writing the tensors in
 * place on the wasm heap.
 *
 * Why: the forward-conv formulations (conv-backprop-filter.ts, conv-backprop-input.ts) pay for transposes of whole
 * activations, a zero-insertion for strides, and XNNPACK convs of awkward shapes (the filter gradient's "filter" is
 * a whole activation map); on the small CNN these took ~2/3 of a training step. Here each filter tap is a small
 * GEMM over the image (im2col-free):
 *   dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*sh + kh*dh - top, ow*sw + kw*dw - left, ci] * dy[n,oh,ow,co]
 *   dx[n, oh*sh + kh*dh - top, ow*sw + kw*dw - left, ci] += sum_co dy[n,oh,ow,co] * W[kh,kw,ci,co]
 *   y[n, oh, ow, co] += sum_ci x[n, oh*sh + kh*dh - top, ow*sw + kw*dw - left, ci] * W[kh,kw,ci,co]   (forward)
 * over the output positions whose input position lies inside the image (padding reads zeros, so those terms vanish).
 * Any stride, dilation and padding; NHWC float32 only. Other cases (NCHW, channel counts that are not multiples of
 * 4 on the vectorised axis, no SIMD, other dtypes) run the forward-conv formulation as before (forward: XNNPACK).
 * On the small CNN step (Node, 1 thread) these took the step from ~2.4x to ~1.2-1.4x PyTorch's 1-thread CPU time.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike as WasmLike } from '../ops/wasm-backend-like';
import { convGradSimdFor, type ConvGradSimd } from '../ops/wasm-conv-simd';
import { conv2dFilterGrad } from './conv-backprop-filter';
import { conv2dInputGrad } from './conv-backprop-input';
import { asTensor, type PadAttr, type RoundingMode, pair } from './tensor-util';
import { delegate, type Fallback } from './wasm-delegate';

/**
 * Switches for benchmarks and tests: enabled=false runs the forward-conv formulation (and XNNPACK's forward conv);
 * forward=false leaves the forward conv to XNNPACK; forwardMinCin: the smallest input channel count for which our
 * forward conv is used (below it, each tap's GEMM is too short to beat XNNPACK; set by measurement).
 */
export const wasmConvGradOptions = { enabled: true, forward: true, forwardMinCin: 8, xnnpackThreadsForOurs: 1 };

/**
 * Our kernels are single-threaded. With a multi-threaded wasm backend (COOP/COEP pages), XNNPACK's forward conv
 * runs on several threads, so the forward conv and the input gradient (a forward conv of dy) stay XNNPACK's when
 * it has more than `xnnpackThreadsForOurs` threads; the filter gradient stays ours (its forward-conv form is 4-8x
 * slower single-threaded and mostly transposes). Not yet measured with threads: revisit with a threaded benchmark.
 */
function xnnpackIsThreaded(backend: unknown): boolean {
  const tfjs = (backend as { wasm?: { tfjs?: { getThreadsCount?: () => number } } }).wasm?.tfjs;
  const threads = typeof tfjs?.getThreadsCount === 'function' ? tfjs.getThreadsCount() : 1;
  return threads > wasmConvGradOptions.xnnpackThreadsForOurs;
}


interface ConvAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
  dilations?: number | [number, number];
}

/** The [lo, hi) range of output positions o whose input position o*s + k*d - pad lies in [0, size). */
export function validRange(k: number, s: number, d: number, pad: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - k * d) / s));
  const hi = Math.min(outSize, Math.floor((size - 1 + pad - k * d) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

interface Geometry {
  n: number; h: number; w: number; cin: number; oh: number; ow: number; cout: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; top: number; left: number;
}

function geometry(xShape: [number, number, number, number], filterShape: [number, number, number, number], a: ConvAttrs): Geometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape, filterShape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const [sh, sw] = pair(a.strides);
  const [dh, dw] = pair(a.dilations);
  return {
    n: xShape[0], h: xShape[1], w: xShape[2], cin: xShape[3], oh: info.outHeight, ow: info.outWidth, cout: filterShape[3],
    kh: filterShape[0], kw: filterShape[1], sh, sw, dh, dw, top: info.padInfo.top, left: info.padInfo.left,
  };
}

/**
 * Calls `tap(xOffsetBytes, dyOffsetBytes, tapIndex, rows, cnt)` for every image and filter tap with a non-empty
 * valid rectangle (image outermost, so one image stays in cache across its taps).
 */
function forEachTap(gm: Geometry, tap: (xOff: number, dyOff: number, t: number, rows: number, cnt: number) => void): void {
  const rowR = Array.from({ length: gm.kh }, (_, k) => validRange(k, gm.sh, gm.dh, gm.top, gm.h, gm.oh));
  const colR = Array.from({ length: gm.kw }, (_, k) => validRange(k, gm.sw, gm.dw, gm.left, gm.w, gm.ow));
  for (let b = 0; b < gm.n; b++) {
    for (let i = 0; i < gm.kh; i++) {
      const [r0, r1] = rowR[i];
      if (r1 <= r0) continue;
      for (let j = 0; j < gm.kw; j++) {
        const [c0, c1] = colR[j];
        if (c1 <= c0) continue;
        const ih = r0 * gm.sh + i * gm.dh - gm.top;
        const iw = c0 * gm.sw + j * gm.dw - gm.left;
        const xOff = (((b * gm.h + ih) * gm.w + iw) * gm.cin) * 4;
        const dyOff = (((b * gm.oh + r0) * gm.ow + c0) * gm.cout) * 4;
        tap(xOff, dyOff, i * gm.kw + j, r1 - r0, c1 - c0);
      }
    }
  }
}

function simdFor(backend: unknown, infos: tf.TensorInfo[], dataFormat: string | undefined): ConvGradSimd | null {
  if (!wasmConvGradOptions.enabled || (dataFormat ?? 'NHWC') !== 'NHWC') return null;
  if (infos.some((t) => t.dtype !== 'float32')) return null;
  return convGradSimdFor((backend as WasmLike).wasm?.asm?.memory);
}

function ptr(b: WasmLike, info: tf.TensorInfo): number {
  const d = b.dataIdMap.get(info.dataId);
  if (d == null) throw new Error('wasm conv gradient: tensor is not on the wasm backend');
  return d.memoryOffset;
}

/** Filter gradient on the wasm heap; returns null when the SIMD path does not apply. */
export function wasmFilterGrad(backend: unknown, x: tf.TensorInfo, dy: tf.TensorInfo,
  filterShape: [number, number, number, number], a: ConvAttrs): tf.TensorInfo | null {
  const simd = simdFor(backend, [x, dy], a.dataFormat);
  const cout = filterShape[3];
  if (simd == null || cout % 4 !== 0) return null;
  const gm = geometry(x.shape as [number, number, number, number], filterShape, a);
  if (dy.shape[1] !== gm.oh || dy.shape[2] !== gm.ow || dy.shape[3] !== cout || dy.shape[0] !== gm.n) {
    throw new Error(`Conv2DBackpropFilter: dy shape [${dy.shape}] does not match the conv output [${gm.n},${gm.oh},${gm.ow},${cout}]`);
  }
  const b = backend as WasmLike;
  const out = b.makeOutput(filterShape, 'float32');
  b.typedArrayFromHeap(out).fill(0);
  const [px, pdy, pout] = [ptr(b, x), ptr(b, dy), ptr(b, out)];
  const fn = cout % 16 === 0 ? simd.fgrad16 : simd.fgrad4;
  const tapBytes = gm.cin * cout * 4;
  const [xps, xrs, dyrs] = [gm.sw * gm.cin * 4, gm.sh * gm.w * gm.cin * 4, gm.ow * cout * 4];
  forEachTap(gm, (xOff, dyOff, t, rows, cnt) => fn(px + xOff, pdy + dyOff, pout + t * tapBytes, rows, cnt, xps, xrs, dyrs, gm.cin, cout));
  return out;
}

/** Input gradient on the wasm heap; returns null when the SIMD path does not apply. */
export function wasmInputGrad(backend: unknown, dy: tf.TensorInfo, filter: tf.TensorInfo,
  inShape: [number, number, number, number], a: ConvAttrs): tf.TensorInfo | null {
  const simd = xnnpackIsThreaded(backend) ? null : simdFor(backend, [dy, filter], a.dataFormat);
  const cin = inShape[3];
  if (simd == null || cin % 4 !== 0) return null;
  const fShape = filter.shape as [number, number, number, number];
  const gm = geometry(inShape, fShape, a);
  if (dy.shape[1] !== gm.oh || dy.shape[2] !== gm.ow || dy.shape[3] !== gm.cout || dy.shape[0] !== gm.n) {
    throw new Error(`Conv2DBackpropInput: dy shape [${dy.shape}] does not match the conv output [${gm.n},${gm.oh},${gm.ow},${gm.cout}]`);
  }
  const b = backend as WasmLike;
  const dx = b.makeOutput(inShape, 'float32');
  const wt = b.makeOutput([gm.kh, gm.kw, gm.cout, cin], 'float32'); // scratch: each tap's filter as [cout, cin]
  const W = b.typedArrayFromHeap(filter);
  const WT = b.typedArrayFromHeap(wt);
  const tap = cin * gm.cout;
  for (let t = 0; t < gm.kh * gm.kw; t++) {
    for (let ci = 0; ci < cin; ci++) for (let co = 0; co < gm.cout; co++) WT[t * tap + co * cin + ci] = W[t * tap + ci * gm.cout + co];
  }
  b.typedArrayFromHeap(dx).fill(0);
  const [pdy, pwt, pdx] = [ptr(b, dy), ptr(b, wt), ptr(b, dx)];
  const fn = cin % 16 === 0 ? simd.tapGemm16 : simd.tapGemm4;
  const [xps, xrs, dyrs] = [gm.sw * cin * 4, gm.sh * gm.w * cin * 4, gm.ow * gm.cout * 4];
  forEachTap(gm, (xOff, dyOff, t, rows, cnt) =>
    fn(pdy + dyOff, pwt + t * tap * 4, pdx + xOff, rows, cnt, gm.cout * 4, dyrs, xps, xrs, gm.cout, cin));
  b.disposeData(wt.dataId);
  return dx;
}

/** Forward conv2d on the wasm heap; returns null when the SIMD path does not apply. */
export function wasmConv2d(backend: unknown, x: tf.TensorInfo, filter: tf.TensorInfo, a: ConvAttrs): tf.TensorInfo | null {
  const simd = wasmConvGradOptions.forward && !xnnpackIsThreaded(backend) ? simdFor(backend, [x, filter], a.dataFormat) : null;
  const fShape = filter.shape as [number, number, number, number];
  const cout = fShape[3];
  if (simd == null || cout % 4 !== 0 || !(fShape[2] >= wasmConvGradOptions.forwardMinCin)) return null;
  const gm = geometry(x.shape as [number, number, number, number], fShape, a);
  const b = backend as WasmLike;
  const y = b.makeOutput([gm.n, gm.oh, gm.ow, cout], 'float32');
  b.typedArrayFromHeap(y).fill(0);
  const [px, pw, py] = [ptr(b, x), ptr(b, filter), ptr(b, y)];
  const fn = cout % 16 === 0 ? simd.tapGemm16 : simd.tapGemm4;
  const tapBytes = gm.cin * cout * 4;
  const [xps, xrs, yrs] = [gm.sw * gm.cin * 4, gm.sh * gm.w * gm.cin * 4, gm.ow * cout * 4];
  forEachTap(gm, (xOff, yOff, t, rows, cnt) =>
    fn(px + xOff, pw + t * tapBytes, py + yOff, rows, cnt, xps, xrs, cout * 4, yrs, gm.cin, cout));
  return y;
}

/** `Conv2D` for wasm: the SIMD kernel where it applies, else `fallback` (tfjs's XNNPACK kernel). */
export function wasmConv2dConfig(fallback: Fallback): tf.KernelConfig {
  return {
    kernelName: tf.Conv2D,
    backendName: 'wasm',
    kernelFunc: (params) => {
      const x = asTensor(params.inputs.x, 'x');
      const filter = asTensor(params.inputs.filter, 'filter');
      return wasmConv2d(params.backend, x, filter, params.attrs as unknown as ConvAttrs) ?? delegate(fallback, tf.Conv2D, params);
    },
  };
}

/** `Conv2DBackpropFilter` for wasm: the SIMD kernel, else the forward-conv formulation. */
export function wasmConv2dBackpropFilterConfig(): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = asTensor(inputs.x, 'x');
      const dy = asTensor(inputs.dy, 'dy');
      const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
      const direct = wasmFilterGrad(backend, x, dy, a.filterShape, a);
      if (direct) return direct;
      return tf.tidy(() =>
        conv2dFilterGrad(x, dy, a.filterShape, a.strides, a.pad, a.dilations ?? 1, a.dataFormat ?? 'NHWC', a.dimRoundingMode));
    },
  };
}

/** `Conv2DBackpropInput` for wasm: the SIMD kernel, else the forward-conv formulation. */
export function wasmConv2dBackpropInputConfig(): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const dy = asTensor(inputs.dy, 'dy');
      const filter = asTensor(inputs.filter, 'filter');
      const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
      const direct = wasmInputGrad(backend, dy, filter, a.inputShape, a);
      if (direct) return direct;
      return tf.tidy(() =>
        conv2dInputGrad(dy, filter, a.inputShape, a.strides, a.pad, a.dilations ?? 1, a.dataFormat ?? 'NHWC', a.dimRoundingMode));
    },
  };
}
