/**
 * Conv2DBackpropFilter, Conv2DBackpropInput and Conv2D for the WASM backend as direct WebAssembly-SIMD kernels
 * (wasm/conv-module.ts; relaxed-SIMD FMA where the engine has it) reading and writing the tensors in
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
 *
 * Each kernel's work is a list of LANES of kernel calls (pool/kernel-pool.ts): forward conv and input
 * gradient, a lane per image (taps inside, as on one thread), and with a pool and fewer images than 2 lanes per thread
 * a lane per band of output (forward) or input (input gradient) rows of an image; filter gradient, a lane per (block of
 * input channels, group of taps), images in order inside. Different lanes write disjoint outputs and every output element receives
 * its terms in the same order as on one thread, so the list runs on the kernel pool attached to the heap
 * (attachKernelPool, when the page is cross-origin isolated) or inline on this thread with bit-identical results.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendLike as WasmLike } from '../wasm/backend-like';
import { LaneList } from '../pool/kernel-pool';
import { kernelPoolFor, runLanes, type PooledModule } from '../pool/registry';
import { CONV_FN, convGradSimdFor, type ConvGradSimd } from '../wasm/conv-module';
import { conv2dFilterGrad } from './conv-backprop-filter';
import { conv2dInputGrad } from './conv-backprop-input';
import { asTensor, type ConvAttrs, pair } from './tensor-util';
import { delegate, type Fallback } from './wasm-delegate';
import { accelOptions } from '../options';


/**
 * Thread policy. With a kernel pool attached to the heap (workers/backend.ts, cross-origin-isolated pages) our forward
 * conv and input gradient run split across the pool's threads, like XNNPACK's, so they stay ours whatever XNNPACK's
 * thread count. Without a pool our kernels run on one thread: then, when XNNPACK has more than
 * `xnnpackThreadsForOurs` threads, the forward conv and the input gradient (a forward conv of dy) go to XNNPACK's
 * threaded conv; the filter gradient stays ours (its forward-conv form is 4-8x slower and mostly transposes).
 */
function xnnpackIsThreaded(backend: unknown): boolean {
  const tfjs = (backend as { wasm?: { tfjs?: { getThreadsCount?: () => number } } }).wasm?.tfjs;
  const threads = typeof tfjs?.getThreadsCount === 'function' ? tfjs.getThreadsCount() : 1;
  return threads > accelOptions().conv.xnnpackThreadsForOurs;
}

/** Whether the forward conv and input gradient should be left to XNNPACK's threads (no pool for our kernels). */
function leaveToXnnpack(backend: unknown): boolean {
  if (!xnnpackIsThreaded(backend)) return false;
  const memory = (backend as WasmLike).wasm?.asm?.memory;
  const simd = convGradSimdFor(memory);
  return simd == null || kernelPoolFor(memory, simd.fma) == null;
}

/** The [lo, hi) range of output positions o whose input position o*s + k*d - pad lies in [0, size). */
export function validRange(k: number, s: number, d: number, pad: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - k * d) / s));
  const hi = Math.min(outSize, Math.floor((size - 1 + pad - k * d) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/** A conv's shapes, strides, dilations and top/left padding, as the kernels need them. */
export interface ConvGeometry {
  n: number; h: number; w: number; cin: number; oh: number; ow: number; cout: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; top: number; left: number;
}
type Geometry = ConvGeometry;

/** The geometry of an NHWC conv of x [n,h,w,cin] with a filter [kh,kw,cin,cout] (tfjs's output size and padding). */
export function convGeometry(xShape: [number, number, number, number], filterShape: [number, number, number, number], a: ConvAttrs): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape, filterShape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const [sh, sw] = pair(a.strides);
  const [dh, dw] = pair(a.dilations);
  return {
    n: xShape[0], h: xShape[1], w: xShape[2], cin: xShape[3], oh: info.outHeight, ow: info.outWidth, cout: filterShape[3],
    kh: filterShape[0], kw: filterShape[1], sh, sw, dh, dw, top: info.padInfo.top, left: info.padInfo.left,
  };
}
const geometry = convGeometry;

interface Rect { t: number; i: number; r0: number; c0: number; rows: number; cnt: number; xTap: number; dyTap: number }

/**
 * The filter taps with a non-empty valid rectangle of output positions: tap index, its rows x cnt positions, and the
 * byte offsets (within one image) of its first x / dy position.
 */
function tapRects(gm: Geometry): Rect[] {
  const out: Rect[] = [];
  for (let i = 0; i < gm.kh; i++) {
    const [r0, r1] = validRange(i, gm.sh, gm.dh, gm.top, gm.h, gm.oh);
    if (r1 <= r0) continue;
    for (let j = 0; j < gm.kw; j++) {
      const [c0, c1] = validRange(j, gm.sw, gm.dw, gm.left, gm.w, gm.ow);
      if (c1 <= c0) continue;
      const ih = r0 * gm.sh + i * gm.dh - gm.top;
      const iw = c0 * gm.sw + j * gm.dw - gm.left;
      out.push({ t: i * gm.kw + j, i, r0, c0, rows: r1 - r0, cnt: c1 - c0, xTap: ((ih * gm.w + iw) * gm.cin) * 4, dyTap: ((r0 * gm.ow + c0) * gm.cout) * 4 });
    }
  }
  return out;
}

/**
 * The taps' rectangles restricted to a band of rows, for splitting one image across lanes: `of` 'dy' bands the output
 * rows [lo, hi) (forward conv: each y row is written by its own band only); 'x' bands the input rows [lo, hi) (input
 * gradient: each dx row is written by its own band only). Every element still receives its taps in the same order.
 */
function bandRects(gm: Geometry, rects: readonly Rect[], of: 'dy' | 'x', lo: number, hi: number): Rect[] {
  const out: Rect[] = [];
  for (const r of rects) {
    // output rows o of this tap whose row (o itself, or its input row o*sh + i*dh - top) lies in [lo, hi)
    const a = of === 'dy' ? lo : Math.ceil((lo + gm.top - r.i * gm.dh) / gm.sh);
    const b = of === 'dy' ? hi : Math.ceil((hi + gm.top - r.i * gm.dh) / gm.sh);
    const rs = Math.max(r.r0, a);
    const re = Math.min(r.r0 + r.rows, b);
    if (re <= rs) continue;
    const skip = rs - r.r0;
    out.push({ ...r, r0: rs, rows: re - rs, xTap: r.xTap + skip * gm.sh * gm.w * gm.cin * 4, dyTap: r.dyTap + skip * gm.ow * gm.cout * 4 });
  }
  return out;
}

/**
 * Row bands per image so that a batch smaller than the pool still fills it (about 2 lanes per thread): 1 when the
 * images alone give enough lanes or there is no pool.
 */
function bandsPerImage(n: number, rows: number, threads: number): number {
  if (threads <= 1) return 1;
  const target = 2 * threads;
  return n >= target ? 1 : Math.min(rows, Math.ceil(target / n));
}

/** Appends one lane per (image, band of rows) to `list`, each calling `call` for its taps in order. */
function imageLanes(gm: Geometry, rects: readonly Rect[], of: 'dy' | 'x', threads: number, list: LaneList,
  call: (xOff: number, dyOff: number, t: number, rows: number, cnt: number) => void): void {
  const rows = of === 'dy' ? gm.oh : gm.h;
  const bands = bandsPerImage(gm.n, rows, threads);
  const banded = Array.from({ length: bands }, (_, k) =>
    bands === 1 ? rects : bandRects(gm, rects, of, Math.floor((k * rows) / bands), Math.floor(((k + 1) * rows) / bands)));
  for (let b = 0; b < gm.n; b++) {
    for (const r of banded) {
      list.lane();
      forImageTaps(gm, r, b, call);
    }
  }
}

/**
 * Calls `tap(xOffsetBytes, dyOffsetBytes, tapIndex, rows, cnt)` for every filter tap of image `b` with a non-empty
 * valid rectangle.
 */
function forImageTaps(gm: Geometry, rects: readonly Rect[], b: number,
  tap: (xOff: number, dyOff: number, t: number, rows: number, cnt: number) => void): void {
  const xImg = b * gm.h * gm.w * gm.cin * 4;
  const dyImg = b * gm.oh * gm.ow * gm.cout * 4;
  for (const r of rects) tap(xImg + r.xTap, dyImg + r.dyTap, r.t, r.rows, r.cnt);
}

/**
 * The pool to split a kernel of `macs` multiply-adds over: the one attached to `memory` for this SIMD mode, unless the
 * kernel is too small to gain from it (accelOptions().conv.poolMinMacs).
 */
function poolFor(memory: object, simd: ConvGradSimd, macs: number): PooledModule | null {
  return macs >= accelOptions().conv.poolMinMacs ? kernelPoolFor(memory, simd.fma, 'conv') : null;
}


/** Multiply-adds of the conv (each of its three kernels does this many, up to the padding). */
const convMacs = (gm: ConvGeometry) => gm.n * gm.oh * gm.ow * gm.kh * gm.kw * gm.cin * gm.cout;

function heapF32(memory: object, ptrBytes: number, length: number): Float32Array {
  return new Float32Array((memory as { buffer: ArrayBufferLike }).buffer, ptrBytes, length);
}

/**
 * How the filter gradient is split for `threads` threads: even blocks of input channels first (a lane then runs every
 * tap of an image while the image's x and dy are in cache), and groups of taps only where the channels run out (e.g.
 * cin 1), for about `lanesPerThread` lanes per thread; one lane (every tap, every channel) on one thread.
 */
export function filterGradSplit(taps: number, cin: number, threads: number): { tapGroups: number; ciBlock: number } {
  if (threads <= 1 || taps === 0) return { tapGroups: 1, ciBlock: cin };
  const target = accelOptions().conv.lanesPerThread * threads;
  const pairs = Math.ceil(cin / 2);
  const blocks = Math.min(pairs, target);
  const ciBlock = Math.min(cin, 2 * Math.ceil(pairs / blocks));
  const tapGroups = Math.min(taps, Math.max(1, Math.ceil(target / Math.ceil(cin / ciBlock))));
  return { tapGroups, ciBlock };
}

/**
 * Filter gradient on a heap: out [kh,kw,cin,cout] (zeroed here) = sum over images and positions of x (x) dy; pointers
 * are byte offsets into `memory`. cout must be a multiple of 4.
 */
export function filterGradOnHeap(memory: object, simd: ConvGradSimd, gm: ConvGeometry, px: number, pdy: number, pout: number): void {
  const cout = gm.cout;
  if (cout % 4 !== 0) throw new Error(`filterGradOnHeap: cout ${cout} is not a multiple of 4`);
  heapF32(memory, pout, gm.kh * gm.kw * gm.cin * cout).fill(0);
  const fn = cout % 16 === 0 ? CONV_FN.fgrad16 : CONV_FN.fgrad4;
  const tapBytes = gm.cin * cout * 4;
  const [xps, xrs, dyrs] = [gm.sw * gm.cin * 4, gm.sh * gm.w * gm.cin * 4, gm.ow * cout * 4];
  const rects = tapRects(gm);
  const pool = poolFor(memory, simd, convMacs(gm));
  const { tapGroups, ciBlock } = filterGradSplit(rects.length, gm.cin, pool?.pool.threads ?? 1);
  const list = new LaneList();
  for (let g = 0; g < tapGroups; g++) {
    const group = rects.slice(Math.floor((g * rects.length) / tapGroups), Math.floor(((g + 1) * rects.length) / tapGroups));
    for (let ci0 = 0; ci0 < gm.cin; ci0 += ciBlock) {
      const chunk = Math.min(ciBlock, gm.cin - ci0);
      list.lane();
      for (let b = 0; b < gm.n; b++) {
        forImageTaps(gm, group, b, (xOff, dyOff, t, rows, cnt) =>
          list.call(fn, px + xOff + ci0 * 4, pdy + dyOff, pout + t * tapBytes + ci0 * cout * 4, rows, cnt, xps, xrs, dyrs, chunk, cout));
      }
    }
  }
  runLanes(pool, simd.table, list);
}

/**
 * Input gradient on a heap: dx [n,h,w,cin] (zeroed here) from dy and the filter w [kh,kw,cin,cout]; wt is scratch
 * for the filter with each tap transposed to [cout, cin] (kh*kw*cin*cout floats). cin must be a multiple of 4.
 */
export function inputGradOnHeap(memory: object, simd: ConvGradSimd, gm: ConvGeometry, pdy: number, pw: number, pwt: number, pdx: number): void {
  const cin = gm.cin;
  if (cin % 4 !== 0) throw new Error(`inputGradOnHeap: cin ${cin} is not a multiple of 4`);
  const tap = cin * gm.cout;
  const W = heapF32(memory, pw, gm.kh * gm.kw * tap);
  const WT = heapF32(memory, pwt, gm.kh * gm.kw * tap);
  for (let t = 0; t < gm.kh * gm.kw; t++) {
    for (let ci = 0; ci < cin; ci++) for (let co = 0; co < gm.cout; co++) WT[t * tap + co * cin + ci] = W[t * tap + ci * gm.cout + co];
  }
  heapF32(memory, pdx, gm.n * gm.h * gm.w * cin).fill(0);
  const fn = cin % 16 === 0 ? CONV_FN.tapGemm16 : CONV_FN.tapGemm4;
  const [xps, xrs, dyrs] = [gm.sw * cin * 4, gm.sh * gm.w * cin * 4, gm.ow * gm.cout * 4];
  const rects = tapRects(gm);
  const pool = poolFor(memory, simd, convMacs(gm));
  const list = new LaneList();
  imageLanes(gm, rects, 'x', pool?.pool.threads ?? 1, list, (xOff, dyOff, t, rows, cnt) =>
    list.call(fn, pdy + dyOff, pwt + t * tap * 4, pdx + xOff, rows, cnt, gm.cout * 4, dyrs, xps, xrs, gm.cout, cin));
  runLanes(pool, simd.table, list);
}

/** Forward conv on a heap: y [n,oh,ow,cout] (zeroed here) from x and w [kh,kw,cin,cout]. cout must be a multiple of 4. */
export function conv2dOnHeap(memory: object, simd: ConvGradSimd, gm: ConvGeometry, px: number, pw: number, py: number): void {
  const cout = gm.cout;
  if (cout % 4 !== 0) throw new Error(`conv2dOnHeap: cout ${cout} is not a multiple of 4`);
  heapF32(memory, py, gm.n * gm.oh * gm.ow * cout).fill(0);
  const fn = cout % 16 === 0 ? CONV_FN.tapGemm16 : CONV_FN.tapGemm4;
  const tapBytes = gm.cin * cout * 4;
  const [xps, xrs, yrs] = [gm.sw * gm.cin * 4, gm.sh * gm.w * gm.cin * 4, gm.ow * cout * 4];
  const rects = tapRects(gm);
  const pool = poolFor(memory, simd, convMacs(gm));
  const list = new LaneList();
  imageLanes(gm, rects, 'dy', pool?.pool.threads ?? 1, list, (xOff, yOff, t, rows, cnt) =>
    list.call(fn, px + xOff, pw + t * tapBytes, py + yOff, rows, cnt, xps, xrs, cout * 4, yrs, gm.cin, cout));
  runLanes(pool, simd.table, list);
}

function simdFor(backend: unknown, infos: tf.TensorInfo[], dataFormat: string | undefined): ConvGradSimd | null {
  if (!accelOptions().conv.enabled || (dataFormat ?? 'NHWC') !== 'NHWC') return null;
  if (infos.some((t) => t.dtype !== 'float32')) return null;
  return convGradSimdFor((backend as WasmLike).wasm?.asm?.memory);
}

/** The heap memory (simdFor found it, so it is there). */
function heapOf(b: WasmLike): object {
  const m = b.wasm?.asm?.memory;
  if (m == null) throw new Error('wasm conv kernels: the wasm heap is not exported');
  return m;
}

const ptr = (b: WasmLike, info: tf.TensorInfo): number => heapOffset(b, info, 'wasm conv kernel');

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
  filterGradOnHeap(heapOf(b), simd, gm, ptr(b, x), ptr(b, dy), ptr(b, out));
  return out;
}

/** Input gradient on the wasm heap; returns null when the SIMD path does not apply. */
export function wasmInputGrad(backend: unknown, dy: tf.TensorInfo, filter: tf.TensorInfo,
  inShape: [number, number, number, number], a: ConvAttrs): tf.TensorInfo | null {
  const simd = leaveToXnnpack(backend) ? null : simdFor(backend, [dy, filter], a.dataFormat);
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
  try {
    inputGradOnHeap(heapOf(b), simd, gm, ptr(b, dy), ptr(b, filter), ptr(b, wt), ptr(b, dx));
  } finally {
    b.disposeData(wt.dataId);
  }
  return dx;
}

/** Forward conv2d on the wasm heap; returns null when the SIMD path does not apply. */
export function wasmConv2d(backend: unknown, x: tf.TensorInfo, filter: tf.TensorInfo, a: ConvAttrs): tf.TensorInfo | null {
  const simd = accelOptions().conv.forward && !leaveToXnnpack(backend) ? simdFor(backend, [x, filter], a.dataFormat) : null;
  const fShape = filter.shape as [number, number, number, number];
  const cout = fShape[3];
  if (simd == null || cout % 4 !== 0 || !(fShape[2] >= accelOptions().conv.forwardMinCin)) return null;
  const gm = geometry(x.shape as [number, number, number, number], fShape, a);
  const b = backend as WasmLike;
  const y = b.makeOutput([gm.n, gm.oh, gm.ow, cout], 'float32');
  conv2dOnHeap(heapOf(b), simd, gm, ptr(b, x), ptr(b, filter), ptr(b, y));
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
