/**
 * Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter of 3x3 stride-1 convs on the WASM backend by Winograd
 * F(2x2, 3x3) (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks"): per image, the SIMD input
 * transform (wasm/winograd-module.ts), 16 GEMMs with the engine's tap-GEMM / filter-gradient kernels
 * (wasm/conv-module.ts), and the output transform (or, for the filter gradient, the adjoint transform
 * of dy and Gᵀ dU G at the end). 2.25x fewer multiplies than the direct kernels for the same result up to rounding.
 *
 *  - forward:        y  = conv(x, g)                            tiles of y,  source x padded by (top, left)
 *  - input gradient: dx = conv(dy padded by 2 - pad, g flipped, channels swapped)   tiles of dx
 *  - filter gradient: dg = Gᵀ [Σ_images,tiles V(x) ⊙ A dy Aᵀ] G
 * A source whose size or padding does not fit the tiling exactly is copied, one image at a time, into a zeroed
 * scratch image; an output of odd height or width goes through a scratch image of even size and is cropped.
 * Applies to NHWC float32 3x3 convs with stride 1, dilation 1, padding 0..2 on each side, and channel counts that are
 * multiples of 4 and at least `accelOptions().winograd.minChannels` (below that the transforms cost more than they save).
 * Anything else returns null and the caller runs the direct kernels (wasm-conv-grad.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendLike } from '../wasm/backend-like';
import { LaneList, functionTable } from '../pool/kernel-pool';
import { kernelPoolFor, runLanes as runOnPool } from '../pool/registry';
import { F2, F4, WINOGRAD_FUNCTIONS, winogradSimdFor, type Tiling, type WinogradSimd } from '../wasm/winograd-module';
import { asTensor, pair, type ConvAttrs } from './tensor-util';
import { accelOptions } from '../options';


type Shape4 = [number, number, number, number];

interface Plan {
  n: number; h: number; w: number; cin: number; oh: number; ow: number; cout: number;
  top: number; left: number; bottom: number; right: number;
  /** F(2x2, 3x3) or F(4x4, 3x3). */
  t: Tiling;
  /** Images per GEMM: 1 (a row of tiles of one image at a time) or more (all tiles of `group` images at once). */
  group: number;
}

/**
 * The tiling for a tiled width: F(4x4) where a row has at least minTileRow4 of its 4x4 tiles (4x fewer multiplies than
 * direct, vs 2.25x for F(2x2)), else F(2x2) where a row has minTileRow 2x2 tiles, else none.
 */
function tilingFor(width: number, height: number, n: number, channels: number): { t: Tiling; group: number } | null {
  const o = accelOptions().winograd;
  if (o.tiling !== 2 && Math.ceil(width / 4) >= (o.tiling === 4 ? 1 : o.minTileRow4)) return { t: F4, group: 1 };
  if (o.tiling !== 4 && Math.ceil(width / 2) >= (o.tiling === 2 ? 1 : o.minTileRow)) return { t: F2, group: 1 };
  if (o.tiling === 'auto' && o.grouped && n > 1 && channels >= o.groupMinChannels) {
    const tiles = Math.ceil(width / 2) * Math.ceil(height / 2);
    return { t: F2, group: Math.max(2, Math.min(n, Math.floor(o.groupTiles / tiles))) };
  }
  return null;
}

interface Kit { b: WasmBackendLike; memory: { buffer: ArrayBufferLike }; wg: WinogradSimd }


/** The plan of a 3x3 conv, or null when Winograd does not apply; `tiled`: whose width is tiled (y's, or x's for dx). */
function plan(xShape: Shape4, fShape: Shape4, a: ConvAttrs, tiled: 'y' | 'x' = 'y'): Plan | null {
  const o = accelOptions().winograd;
  if (!o.enabled || (a.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const [kh, kw, cin, cout] = fShape;
  if (kh !== 3 || kw !== 3) return null;
  const [sh, sw] = pair(a.strides);
  const [dh, dw] = pair(a.dilations);
  if (sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) return null;
  if (cin % 4 !== 0 || cout % 4 !== 0 || cin < o.minChannels || cout < o.minChannels) return null;
  const info = tf.backend_util.computeConv2DInfo(xShape, fShape, 1, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const p = info.padInfo;
  if ([p.top, p.left, p.bottom, p.right].some((v) => v < 0 || v > 2)) return null;
  if (info.outHeight < 1 || info.outWidth < 1) return null;
  const channels = Math.min(cin, cout);
  const tiling = tiled === 'y' ? tilingFor(info.outWidth, info.outHeight, xShape[0], channels) : tilingFor(xShape[2], xShape[1], xShape[0], channels);
  if (tiling == null) return null;
  return { n: xShape[0], h: xShape[1], w: xShape[2], cin, oh: info.outHeight, ow: info.outWidth, cout, top: p.top, left: p.left, bottom: p.bottom, right: p.right, ...tiling };
}

function kit(backend: unknown, infos: tf.TensorInfo[]): Kit | null {
  if (infos.some((t) => t.dtype !== 'float32')) return null;
  const b = backend as WasmBackendLike;
  const memory = b.wasm?.asm?.memory as { buffer: ArrayBufferLike } | undefined;
  const wg = winogradSimdFor(memory);
  return memory && wg ? { b, memory, wg } : null;
}

const ptr = (b: WasmBackendLike, info: tf.TensorInfo): number => heapOffset(b, info, 'wasm winograd conv');

/** Scratch tensors on the wasm heap, disposed together. */
class Scratch {
  private readonly infos: tf.TensorInfo[] = [];
  constructor(private readonly b: WasmBackendLike) {}
  alloc(shape: number[]): number {
    const t = this.b.makeOutput(shape, 'float32');
    this.infos.push(t);
    return ptr(this.b, t);
  }
  dispose(): void {
    for (const t of this.infos) this.b.disposeData(t.dataId);
  }
}

/**
 * The lanes of a Winograd conv: images in CHUNKS contiguous chunks, one lane each with its own scratch, so a kernel
 * pool can run chunks on different threads. The chunk count does not depend on the thread count, so the result
 * (including the filter gradient's per-chunk partial sums, added in chunk order) is the same on any number of threads.
 */
const CHUNKS = 8;
const FN_ID: Readonly<Record<string, number>> = Object.fromEntries(WINOGRAD_FUNCTIONS.map((name, i) => [name, i]));

class Lanes {
  readonly list = new LaneList();
  lane(): void { this.list.lane(); }
  call(fn: string, ...args: number[]): void {
    const id = FN_ID[fn];
    if (id == null) throw new Error(`wasm winograd conv: no kernel ${fn}`);
    this.list.call(id, ...args);
  }
}

/** On the kernel pool when one with the Winograd module is attached to the heap (same bits), else on this thread. */
function runLanes(k: Kit, lanes: Lanes): void {
  runOnPool(kernelPoolFor(k.memory, k.wg.fma, 'winograd'), functionTable(k.wg.fns, WINOGRAD_FUNCTIONS), lanes.list);
}

function chunkRange(n: number, chunks: number, c: number): [number, number] {
  return [Math.floor((c * n) / chunks), Math.floor(((c + 1) * n) / chunks)];
}

/** A source image as the (SH x SW) tiling needs it: the batch itself (direct) or a copy in a zero-bordered scratch. */
interface Source { base: number; h: number; w: number; c: number; top: number; left: number }

/**
 * Calls that make `scratch` (zeroed once per lane by the caller) hold image `img` of `src` at (top, left), or
 * returns the image's own address when it already has the tiling's shape.
 */
function sourceImage(l: Lanes, src: Source, img: number, SH: number, SW: number, scratch: number | null): number {
  const imgBytes = src.h * src.w * src.c * 4;
  if (scratch == null) return src.base + img * imgBytes;
  const rows = Math.min(src.h, SH - src.top);
  const rowBytes = Math.min(src.w, SW - src.left) * src.c * 4;
  l.call('wgCopy', src.base + img * imgBytes, scratch + (src.top * SW + src.left) * src.c * 4, rows, rowBytes, src.w * src.c * 4, SW * src.c * 4);
  return scratch;
}

const needsCopy = (src: Source, SH: number, SW: number): boolean => !(src.top === 0 && src.left === 0 && src.h === SH && src.w === SW);

/** Allocates U [α²][nr][nv] in the scratch and fills it (the filter in the Winograd domain); returns its address. */
type FilterU = (s: Scratch, t: Tiling) => number;

/** U of a forward conv's filter [3][3][cin][cout] (P Filt on the heap). */
function forwardU(k: Kit, filter: tf.TensorInfo, cin: number, cout: number): FilterU {
  return (s, t) => {
    const pU = s.alloc([t.alpha * t.alpha, cin, cout]);
    k.wg.fns[`${t.prefix}Filt`](ptr(k.b, filter), pU, cin, cout);
    return pU;
  };
}

/** U of the input gradient's filter: the forward filter flipped in space with channels swapped, [3][3][cout][cin]. */
function inputGradU(k: Kit, filter: tf.TensorInfo, cin: number, cout: number): FilterU {
  return (s, t) => {
    const pWt = s.alloc([3, 3, cout, cin]);
    const pU = s.alloc([t.alpha * t.alpha, cout, cin]);
    const heap = new Float32Array(k.memory.buffer); // after the allocations: the heap may have grown
    const [w, wt] = [ptr(k.b, filter) >> 2, pWt >> 2];
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const from = w + ((2 - a) * 3 + (2 - b)) * cin * cout;
        const to = wt + (a * 3 + b) * cout * cin;
        for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) heap[to + co * cin + ci] = heap[from + ci * cout + co];
      }
    }
    k.wg.fns[`${t.prefix}Filt`](pWt, pU, cout, cin);
    return pU;
  };
}

/**
 * Correlation of every image of a (possibly padded) source with a Winograd-domain filter U [α²][nr][nv], written to an
 * NHWC output [n][oh][ow][nv]: the shared core of the forward conv and the input gradient.
 */
function correlate(k: Kit, t: Tiling, group: number, src: Source, U: FilterU, out: tf.TensorInfo, n: number, oh: number, ow: number, nv: number): void {
  if (group > 1) {
    correlateGrouped(k, group, src, U, out, n, oh, ow, nv);
    return;
  }
  const nr = src.c;
  const { m, alpha } = t;
  const planes = alpha * alpha;
  const th = Math.ceil(oh / m);
  const tw = Math.ceil(ow / m);
  const [SH, SW] = [m * th + 2, m * tw + 2];
  const copySrc = needsCopy(src, SH, SW);
  const directDst = oh === m * th && ow === m * tw;
  const chunks = Math.min(n, CHUNKS);
  const s = new Scratch(k.b);
  try {
    const pU = U(s, t);
    const lanesScratch = Array.from({ length: chunks }, () => ({
      V: s.alloc([planes, tw, nr]), M: s.alloc([planes, tw, nv]),
      src: copySrc ? s.alloc([SH, SW, nr]) : null, dst: directDst ? null : s.alloc([m * th, m * tw, nv]),
    }));
    const pOut = ptr(k.b, out);
    const corr = `${t.prefix}Corr${nv % 16 === 0 ? 16 : 4}`;
    const outImg = oh * ow * nv * 4;
    const l = new Lanes();
    for (let c = 0; c < chunks; c++) {
      const sc = lanesScratch[c];
      l.lane();
      if (sc.src != null) l.call('wgZero', sc.src, SH * SW * nr * 4);
      const [i0, i1] = chunkRange(n, chunks, c);
      for (let img = i0; img < i1; img++) {
        const from = sourceImage(l, src, img, SH, SW, sc.src);
        if (sc.dst == null) {
          l.call(corr, from, pU, pOut + img * outImg, th, tw, SW * nr * 4, ow * nv * 4, nr, nv, sc.V, sc.M);
        } else {
          l.call(corr, from, pU, sc.dst, th, tw, SW * nr * 4, m * tw * nv * 4, nr, nv, sc.V, sc.M);
          l.call('wgCopy', sc.dst, pOut + img * outImg, oh, ow * nv * 4, m * tw * nv * 4, ow * nv * 4);
        }
      }
    }
    runLanes(k, l);
  } finally {
    s.dispose();
  }
}

/**
 * correlate() for small maps: F(2x2) over all tiles of `group` images at once (their transforms side by side in the
 * planes), so each of the 16 GEMMs has group x tiles rows instead of a row of 2-4 tiles.
 */
function correlateGrouped(k: Kit, group: number, src: Source, U: FilterU, out: tf.TensorInfo, n: number, oh: number, ow: number, nv: number): void {
  const t = F2;
  const nr = src.c;
  const th = Math.ceil(oh / 2);
  const tw = Math.ceil(ow / 2);
  const T = th * tw;
  const [SH, SW] = [2 * th + 2, 2 * tw + 2];
  const copySrc = needsCopy(src, SH, SW);
  const directDst = oh === 2 * th && ow === 2 * tw;
  const groups = Math.ceil(n / group);
  const chunks = Math.min(groups, CHUNKS);
  const s = new Scratch(k.b);
  try {
    const pU = U(s, t);
    const lanesScratch = Array.from({ length: chunks }, () => ({
      V: s.alloc([16, group * T, nr]), M: s.alloc([16, group * T, nv]),
      src: copySrc ? Array.from({ length: group }, () => s.alloc([SH, SW, nr])) : null,
      dst: directDst ? null : s.alloc([2 * th, 2 * tw, nv]),
    }));
    const pOut = ptr(k.b, out);
    const gemm = nv % 16 === 0 ? 'wgGemm16' : 'wgGemm4';
    const [vPlane, mPlane, outImg] = [group * T * nr * 4, group * T * nv * 4, oh * ow * nv * 4];
    const l = new Lanes();
    for (let c = 0; c < chunks; c++) {
      const sc = lanesScratch[c];
      l.lane();
      for (const p of sc.src ?? []) l.call('wgZero', p, SH * SW * nr * 4);
      const [g0, g1] = chunkRange(groups, chunks, c);
      for (let gi = g0; gi < g1; gi++) {
        const [i0, i1] = [gi * group, Math.min(n, (gi + 1) * group)];
        for (let img = i0; img < i1; img++) {
          const from = sourceImage(l, src, img, SH, SW, sc.src ? sc.src[img - i0] : null);
          l.call(`${t.prefix}In`, from, sc.V + (img - i0) * T * nr * 4, th, tw, SW * nr * 4, nr * 4, vPlane);
        }
        for (let xi = 0; xi < 16; xi++) l.call(gemm, sc.V + xi * vPlane, pU + xi * nr * nv * 4, sc.M + xi * mPlane, (i1 - i0) * T, nr, nv);
        for (let img = i0; img < i1; img++) {
          const mAt = sc.M + (img - i0) * T * nv * 4;
          if (sc.dst == null) {
            l.call(`${t.prefix}Out`, mAt, pOut + img * outImg, th, tw, ow * nv * 4, nv * 4, mPlane);
          } else {
            l.call(`${t.prefix}Out`, mAt, sc.dst, th, tw, 2 * tw * nv * 4, nv * 4, mPlane);
            l.call('wgCopy', sc.dst, pOut + img * outImg, oh, ow * nv * 4, 2 * tw * nv * 4, ow * nv * 4);
          }
        }
      }
    }
    runLanes(k, l);
  } finally {
    s.dispose();
  }
}

/** Forward 3x3 conv by Winograd; null when it does not apply. */
export function winogradConv2d(backend: unknown, x: tf.TensorInfo, filter: tf.TensorInfo, a: ConvAttrs): tf.TensorInfo | null {
  const p = plan(x.shape as Shape4, filter.shape as Shape4, a);
  const k = p && kit(backend, [x, filter]);
  if (p == null || k == null) return null;
  const y = k.b.makeOutput([p.n, p.oh, p.ow, p.cout], 'float32');
  const U = forwardU(k, filter, p.cin, p.cout);
  correlate(k, p.t, p.group, { base: ptr(k.b, x), h: p.h, w: p.w, c: p.cin, top: p.top, left: p.left }, U, y, p.n, p.oh, p.ow, p.cout);
  return y;
}

/** Input gradient of a 3x3 conv by Winograd (a conv of dy with the flipped filter); null when it does not apply. */
export function winogradInputGrad(backend: unknown, dy: tf.TensorInfo, filter: tf.TensorInfo, inShape: Shape4, a: ConvAttrs): tf.TensorInfo | null {
  const p = plan(inShape, filter.shape as Shape4, a, 'x');
  const k = p && kit(backend, [dy, filter]);
  if (p == null || k == null) return null;
  if (dy.shape[0] !== p.n || dy.shape[1] !== p.oh || dy.shape[2] !== p.ow || dy.shape[3] !== p.cout) {
    throw new Error(`Conv2DBackpropInput: dy shape [${dy.shape}] does not match the conv output [${p.n},${p.oh},${p.ow},${p.cout}]`);
  }
  const dx = k.b.makeOutput(inShape, 'float32');
  const U = inputGradU(k, filter, p.cin, p.cout);
  correlate(k, p.t, p.group, { base: ptr(k.b, dy), h: p.oh, w: p.ow, c: p.cout, top: 2 - p.top, left: 2 - p.left }, U, dx, p.n, p.h, p.w, p.cin);
  return dx;
}

/** Filter gradient of a 3x3 conv by Winograd; null when it does not apply. */
export function winogradFilterGrad(backend: unknown, x: tf.TensorInfo, dy: tf.TensorInfo, filterShape: Shape4, a: ConvAttrs): tf.TensorInfo | null {
  const p = plan(x.shape as Shape4, filterShape, a);
  const k = p && kit(backend, [x, dy]);
  if (p == null || k == null) return null;
  if (dy.shape[0] !== p.n || dy.shape[1] !== p.oh || dy.shape[2] !== p.ow || dy.shape[3] !== p.cout) {
    throw new Error(`Conv2DBackpropFilter: dy shape [${dy.shape}] does not match the conv output [${p.n},${p.oh},${p.ow},${p.cout}]`);
  }
  const { n, cin, cout, t } = p;
  const { m, alpha } = t;
  const planes = alpha * alpha;
  const th = Math.ceil(p.oh / m);
  const tw = Math.ceil(p.ow / m);
  const [SH, SW] = [m * th + 2, m * tw + 2];
  const xSrc: Source = { base: ptr(k.b, x), h: p.h, w: p.w, c: cin, top: p.top, left: p.left };
  const dySrc: Source = { base: ptr(k.b, dy), h: p.oh, w: p.ow, c: cout, top: 0, left: 0 };
  const group = p.group;
  const T = th * tw;
  const groups = Math.ceil(n / group);
  const chunks = Math.min(groups, CHUNKS);
  const tile = cin * cout;
  const dW = k.b.makeOutput(filterShape, 'float32');
  const s = new Scratch(k.b);
  try {
    // rows mode (group 1): a row of tiles at a time inside P Fgrad; grouped: all tiles of `group` images per GEMM
    const slots = group === 1 ? tw : group * T;
    const lanesScratch = Array.from({ length: chunks }, () => ({
      V: s.alloc([planes, slots, cin]), M: s.alloc([planes, slots, cout]), dU: s.alloc([planes, cin, cout]),
      src: needsCopy(xSrc, SH, SW) ? Array.from({ length: group }, () => s.alloc([SH, SW, cin])) : null,
      dy: needsCopy(dySrc, m * th, m * tw) ? Array.from({ length: group }, () => s.alloc([m * th, m * tw, cout])) : null,
    }));
    const q = cout % 16 === 0 ? 16 : 4;
    const [vPlane, mPlane] = [slots * cin * 4, slots * cout * 4];
    const l = new Lanes();
    for (let c = 0; c < chunks; c++) {
      const sc = lanesScratch[c];
      l.lane();
      l.call('wgZero', sc.dU, planes * tile * 4);
      for (const b of sc.src ?? []) l.call('wgZero', b, SH * SW * cin * 4);
      for (const b of sc.dy ?? []) l.call('wgZero', b, m * th * m * tw * cout * 4);
      const [g0, g1] = chunkRange(groups, chunks, c);
      for (let gi = g0; gi < g1; gi++) {
        const [i0, i1] = [gi * group, Math.min(n, (gi + 1) * group)];
        for (let img = i0; img < i1; img++) {
          const j = img - i0;
          const xImg = sourceImage(l, xSrc, img, SH, SW, sc.src ? sc.src[j] : null);
          const dyImg = sourceImage(l, dySrc, img, m * th, m * tw, sc.dy ? sc.dy[j] : null);
          if (group === 1) {
            l.call(`${t.prefix}Fgrad${q}`, xImg, dyImg, sc.dU, th, tw, SW * cin * 4, m * tw * cout * 4, cin, cout, sc.V, sc.M);
          } else {
            l.call(`${t.prefix}In`, xImg, sc.V + j * T * cin * 4, th, tw, SW * cin * 4, cin * 4, vPlane);
            l.call(`${t.prefix}Adj`, dyImg, sc.M + j * T * cout * 4, th, tw, m * tw * cout * 4, cout * 4, mPlane);
          }
        }
        if (group > 1) {
          for (let xi = 0; xi < planes; xi++) {
            l.call(`fgrad${q}`, sc.V + xi * vPlane, sc.M + xi * mPlane, sc.dU + xi * tile * 4, 1, (i1 - i0) * T, cin * 4, 0, 0, cin, cout);
          }
        }
      }
    }
    runLanes(k, l);
    // The chunks' partial sums, added in chunk order, then dg = Gᵀ dU G.
    const dU = lanesScratch[0].dU;
    for (let c = 1; c < chunks; c++) k.wg.fns.wgAccum(dU, lanesScratch[c].dU, planes * tile * 4);
    k.wg.fns[`${t.prefix}FiltGrad`](dU, ptr(k.b, dW), cin, cout);
  } finally {
    s.dispose();
  }
  return dW;
}

type Attrs4 = ConvAttrs & { filterShape?: Shape4; inputShape?: Shape4 };

/**
 * `config` (one of the wasm conv kernels of wasm-conv-grad.ts) with Winograd tried first: Conv2D,
 * Conv2DBackpropInput or Conv2DBackpropFilter; where Winograd does not apply, `config` runs as before.
 */
export function withWinograd(config: tf.KernelConfig): tf.KernelConfig {
  const winograd: Record<string, (p: tf.KernelFunc extends (a: infer P) => unknown ? P : never) => tf.TensorInfo | null> = {
    [tf.Conv2D]: ({ inputs, attrs, backend }) => winogradConv2d(backend, asTensor(inputs.x, 'x'), asTensor(inputs.filter, 'filter'), attrs as unknown as ConvAttrs),
    [tf.Conv2DBackpropInput]: ({ inputs, attrs, backend }) =>
      winogradInputGrad(backend, asTensor(inputs.dy, 'dy'), asTensor(inputs.filter, 'filter'), (attrs as unknown as Attrs4).inputShape as Shape4, attrs as unknown as ConvAttrs),
    [tf.Conv2DBackpropFilter]: ({ inputs, attrs, backend }) =>
      winogradFilterGrad(backend, asTensor(inputs.x, 'x'), asTensor(inputs.dy, 'dy'), (attrs as unknown as Attrs4).filterShape as Shape4, attrs as unknown as ConvAttrs),
  };
  const first = winograd[config.kernelName];
  if (first == null) throw new Error(`withWinograd: no Winograd form of ${config.kernelName}`);
  return { ...config, kernelFunc: (params) => first(params) ?? config.kernelFunc(params) };
}
