/**
 * The fused SIMD kernels of wasm/fused-module.ts (the supernet fast path's stages, fused/kernels.ts) split into lanes for the
 * engine's kernel thread pool (pool/kernel-pool.ts, module 'fused'). ONE code path: every call builds its lane list and
 * runs it on the pool when one holding 'fused' is attached to the heap and the list has more than one lane, else on
 * this thread (`runLanesInline`) — the same bits either way.
 *  - row-parallel kernels (gemm over rows; dwConv, pool3 and the pool gradients over images; normalize, bnDx,
 *    reluMask, scale / axpy over rows or elements; the depthwise filter gradient over its k x k taps) get lanes that
 *    write disjoint outputs, each computed exactly as by the one big call: bit-identical to the unsplit call.
 *  - reductions over rows (gemmTA = x^T dz, colSum, colSqDev, colSum2, dotScale) are cut into a FIXED number of
 *    chunks of rows that depends only on the size (REDUCE_CHUNKS, or 1 below the threshold), each writing its own
 *    partial into scratch; the partials are then added IN CHUNK ORDER. This rounds differently from the one big
 *    call (a sum of chunk sums) when split, but gives the same bits on any number of threads, one included.
 * Calls below a size threshold stay one lane (one call, the unsplit kernel: today's bits). The kernels are those of
 * a DARTS cell's operations (Liu et al., "DARTS: Differentiable Architecture Search", ICLR 2019: sep/dil conv
 * stages, 3x3 pools with BN, the mixed op's weighted sum); the reductions are a fixed-order two-level sum (chunk sums,
 * then their sum in chunk order), the standard way to make a parallel sum reproducible across thread counts.
 */
import { LaneList, functionTable, runLanesInline } from '../pool/kernel-pool';
import { FUSED_FUNCTIONS, type SimdKernels } from '../wasm/fused-module';
import { accelOptions } from '../options';

/** Function ids of the 'fused' module (its functions in module order). */
export const FID: Readonly<Record<string, number>> = Object.fromEntries(FUSED_FUNCTIONS.map((n, i) => [n, i]));

/*
 * Thresholds (accelOptions().fusedLanes), set by measurement (bench/fused-pool.ts: one thread vs the pool on 2 threads,
 * Node worker_threads; bench/RESULTS.md "WASM threads and the kernel pool in Chromium"): calls with less work stay one lane. minMacs: the depthwise
 * convs and filter-gradient taps (~2.5 GMAC/s on one thread: 295k MACs ~ 110 us, split 1.2-1.5x faster); gemmMinMacs /
 * gemmTAMinMacs: the 1x1 convs (~10 GMAC/s: a 512k-MAC gemm or gemmTA ~ 50 us, split 0.65-1.3x, no reliable gain;
 * 2M MACs 1.7-2.3x); minBytes (the bytes of one activation tensor) for the memory-bound ones (128 KiB BN reductions
 * and normalisations ran 0.6-0.85x split, 512 KiB ones 1.1-1.7x); the 3x3 pools count 9 reads per element. Lane sizes
 * aim at several lanes per thread. enabled=false: every call one lane (benchmarks).
 */
/** Chunks of a split reduction: fixed, never dependent on the thread count (bits must not depend on it). */
export const REDUCE_CHUNKS = 8;

/** Where the lanes run, and scratch for partial sums. */
export interface FusedRun {
  /** The kernels on this thread (for calls that return values or take f32 arguments). */
  readonly k: SimdKernels;
  /** Runs `list` (function ids: FID) on the pool when there is one and the list has > 1 lane, else here. */
  run(list: LaneList): void;
  /** Calls `fn` with the byte offset of a scratch of `floats` floats (16-byte aligned), released afterwards. */
  withScratch<T>(floats: number, fn: (ptr: number) => T): T;
  /** The whole heap as floats (a fresh view). */
  heap(): Float32Array;
}

/**
 * Lane lists are recycled: a new LaneList allocates a 3 KiB Int32Array (~3.5 us per call measured, ~5 ms of a DARTS
 * step's ~1.5k fused calls). `lanes()` hands out a cleared one; FusedRun.run returns it after running.
 */
const spare: LaneList[] = [];
function lanes(): LaneList {
  const list = spare.pop() ?? new LaneList();
  list.laneStart.length = 1;
  list.callCount = 0;
  return list;
}

/** A FusedRun over `k` running on `pool` (null: this thread only) with the given scratch allocator. */
export function fusedRun(k: SimdKernels, pool: { run(list: LaneList): void } | null, withScratch: FusedRun['withScratch'],
  heap: () => Float32Array): FusedRun {
  const inline = functionTable(k, FUSED_FUNCTIONS);
  return {
    k,
    withScratch,
    heap,
    run(list) {
      list.finish();
      if (pool && list.lanes > 1) pool.run(list);
      else runLanesInline(inline, list);
      if (spare.length < 8 && !spare.includes(list)) spare.push(list);
    },
  };
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** The bit pattern of float32(s) as an i32 (the `s` argument of scaleB / axpyB / dotScaleB). */
export function floatBits(s: number): number {
  f32[0] = s;
  return i32[0];
}
const ONE = floatBits(1);

/** Lanes for `items` units of `work` each: 1 below `min`, else about work / per, at most maxLanes and items. */
function laneCount(items: number, total: number, min: number, per: number): number {
  const o = accelOptions().fusedLanes;
  if (!o.enabled || total < min || items < 2) return 1;
  return Math.max(1, Math.min(items, o.maxLanes, Math.ceil(total / per)));
}
const macLanes = (items: number, macs: number) => { const o = accelOptions().fusedLanes; return laneCount(items, macs, o.minMacs, o.laneMacs); };
const byteLanes = (items: number, bytes: number) => { const o = accelOptions().fusedLanes; return laneCount(items, bytes, o.minBytes, o.laneBytes); };
/** Chunks of a reduction over `rows` reading `bytes`: REDUCE_CHUNKS when big enough, else 1. */
export function reduceChunks(rows: number, bytes: number): number {
  const o = accelOptions().fusedLanes;
  return !o.enabled || bytes < o.minBytes || rows < REDUCE_CHUNKS ? 1 : REDUCE_CHUNKS;
}

/** Splits [0, items) into `parts` near-equal ranges and calls `each(from, to)` for the non-empty ones, in order. */
function ranges(items: number, parts: number, each: (from: number, to: number) => void): void {
  for (let p = 0; p < parts; p++) {
    const from = Math.floor((p * items) / parts);
    const to = Math.floor(((p + 1) * items) / parts);
    if (to > from) each(from, to);
  }
}

// ---- row-parallel kernels: lanes of disjoint outputs (bit-identical to one call) ---------------------------------

/** dwConv / dwConv16 over images. */
export function dwConvLanes(fn: 'dwConv' | 'dwConv16', x: number, wt: number, y: number, n: number, h: number, w: number, c: number,
  k: number, dil: number, pad: number, reluIn: number): LaneList {
  const list = lanes();
  const img = h * w * c * 4;
  ranges(n, macLanes(n, n * h * w * c * k * k), (b0, b1) => {
    list.lane().call(FID[fn], x + b0 * img, wt, y + b0 * img, b1 - b0, h, w, c, k, dil, pad, reluIn);
  });
  return list;
}

/** gemm / gemm16 (y = x . wt) over rows. */
export function gemmLanes(fn: 'gemm' | 'gemm16', x: number, wt: number, y: number, rows: number, cin: number, cout: number): LaneList {
  const list = lanes();
  const o = accelOptions().fusedLanes;
  ranges(rows, laneCount(rows, rows * cin * cout, o.gemmMinMacs, o.laneMacs), (r0, r1) => {
    list.lane().call(FID[fn], x + r0 * cin * 4, wt, y + r0 * cout * 4, r1 - r0, cin, cout);
  });
  return list;
}

/** normalize (y = (x - mean) * scale) over rows. */
export function normalizeLanes(x: number, mean: number, scale: number, y: number, rows: number, c: number): LaneList {
  const list = lanes();
  ranges(rows, byteLanes(rows, rows * c * 4), (r0, r1) => {
    list.lane().call(FID.normalize, x + r0 * c * 4, mean, scale, y + r0 * c * 4, r1 - r0, c);
  });
  return list;
}

/** bnDx (dx = s * (dy - a - y * b)) over rows. */
export function bnDxLanes(dy: number, y: number, a: number, b: number, s: number, dx: number, rows: number, c: number): LaneList {
  const list = lanes();
  ranges(rows, byteLanes(rows, rows * c * 4), (r0, r1) => {
    const o = r0 * c * 4;
    list.lane().call(FID.bnDx, dy + o, y + o, a, b, s, dx + o, r1 - r0, c);
  });
  return list;
}

/** reluMask (dx = x > 0 ? dx : 0) over blocks of 4 floats. */
export function reluMaskLanes(dx: number, x: number, n: number): LaneList {
  const list = lanes();
  ranges(n / 4, byteLanes(n / 4, n * 4), (q0, q1) => list.lane().call(FID.reluMask, dx + q0 * 16, x + q0 * 16, (q1 - q0) * 4));
  return list;
}

/** pool3 (3x3 stride-1 pool, padding 1) over images. */
export function pool3Lanes(x: number, y: number, n: number, h: number, w: number, c: number, isMax: number): LaneList {
  const list = lanes();
  const img = h * w * c * 4;
  ranges(n, byteLanes(n, n * img * 9), (b0, b1) => list.lane().call(FID.pool3, x + b0 * img, y + b0 * img, b1 - b0, h, w, c, isMax));
  return list;
}

/** avgPool3Grad over images (dx zeroed by the kernel within each image). */
export function avgPool3GradLanes(dy: number, dx: number, n: number, h: number, w: number, c: number): LaneList {
  const list = lanes();
  const img = h * w * c * 4;
  ranges(n, byteLanes(n, n * img * 9), (b0, b1) => list.lane().call(FID.avgPool3Grad, dy + b0 * img, dx + b0 * img, b1 - b0, h, w, c));
  return list;
}

/** Lanes of maxPool3Grad over images; every lane needs its own `found` scratch of c floats. */
export function maxPool3GradLaneCount(n: number, h: number, w: number, c: number): number {
  return byteLanes(n, n * h * w * c * 4 * 9);
}

/** maxPool3Grad over images; `found` holds `lanes` (maxPool3GradLaneCount) scratches of c floats. */
export function maxPool3GradLanes(x: number, ymax: number, dy: number, dx: number, found: number, n: number, h: number, w: number, c: number): LaneList {
  const list = lanes();
  const img = h * w * c * 4;
  let lane = 0;
  ranges(n, maxPool3GradLaneCount(n, h, w, c), (b0, b1) => {
    const o = b0 * img;
    list.lane().call(FID.maxPool3Grad, x + o, ymax + o, dy + o, dx + o, found + (lane++) * c * 4, b1 - b0, h, w, c);
  });
  return list;
}

/** y = sum_j s_j * x_j (scaleB then axpyB per part, in part order) over element ranges; n a multiple of 4. */
export function weightedSumLanes(parts: readonly number[], weights: readonly number[], y: number, n: number): LaneList {
  const list = lanes();
  const bits = weights.map(floatBits);
  ranges(n / 4, byteLanes(n / 4, n * 4), (q0, q1) => {
    list.lane();
    parts.forEach((p, j) => list.call(j === 0 ? FID.scaleB : FID.axpyB, p + q0 * 16, y + q0 * 16, bits[j], (q1 - q0) * 4));
  });
  return list;
}

/**
 * The depthwise filter gradient, one tap per lane (taps write disjoint rows of the [k, k, c] gradient, which must be
 * zeroed: dwgTap accumulates): k*k lanes when big enough, else one lane with every tap.
 */
export function dwFilterGradLanes(fn: 'dwgTap' | 'dwgTap16', x: number, dy: number, out: number, n: number, h: number, w: number, c: number,
  k: number, dil: number, reluIn: number): LaneList {
  const list = lanes();
  const split = macLanes(k * k, n * h * w * c * k * k) > 1;
  const pad = ((k - 1) * dil) >> 1;
  for (let ki = 0; ki < k; ki++) {
    const dh = ki * dil - pad;
    for (let kj = 0; kj < k; kj++) {
      const dw = kj * dil - pad;
      if (split) list.lane();
      list.call(FID[`${fn}B`], x, dy, out + (ki * k + kj) * c * 4, n, h, w, c, dh, dw, reluIn);
    }
  }
  return list;
}

// ---- reductions: fixed chunks, partials added in chunk order --------------------------------------------------------

/**
 * Adds partials 1..chunks-1 (each `len` floats, at scratch + (i-1) * stride) into `out` in chunk order, one lane per
 * range of the output (each lane runs the same adds in the same order: the same bits on any thread count).
 */
function addPartials(r: FusedRun, out: number, scratch: number, stride: number, len: number, chunks: number): void {
  const list = lanes();
  const quads = len / 4;
  ranges(quads, byteLanes(quads, len * 4 * chunks), (q0, q1) => {
    list.lane();
    for (let i = 1; i < chunks; i++) list.call(FID.axpyB, scratch + (i - 1) * stride + q0 * 16, out + q0 * 16, ONE, (q1 - q0) * 4);
  });
  r.run(list);
}

/**
 * A reduction over `rows` into `outLen` floats at `out` (outLen a multiple of 4): `call(list, r0, r1, dst)` appends
 * the kernel call for rows [r0, r1) writing its whole result at dst. Unsplit below the threshold.
 */
function reduceRows(r: FusedRun, rows: number, bytes: number, outs: readonly number[], outLen: number,
  call: (list: LaneList, r0: number, r1: number, dst: readonly number[]) => void): void {
  const chunks = reduceChunks(rows, bytes);
  if (chunks === 1) {
    const list = lanes();
    call(list, 0, rows, outs);
    r.run(list);
    return;
  }
  const per = outs.length * outLen;
  r.withScratch((chunks - 1) * per, (scratch) => {
    const list = lanes();
    let i = 0;
    ranges(rows, chunks, (r0, r1) => {
      const dst = i === 0 ? outs : outs.map((_, o) => scratch + ((i - 1) * per + o * outLen) * 4);
      call(list.lane(), r0, r1, dst);
      i++;
    });
    r.run(list);
    outs.forEach((o, j) => addPartials(r, o, scratch + j * outLen * 4, per * 4, outLen, chunks));
  });
}

/** colSum: out[ch] = sum_r x[r, ch]. */
export function colSumP(r: FusedRun, x: number, out: number, rows: number, c: number): void {
  reduceRows(r, rows, rows * c * 4, [out], c, (l, r0, r1, [d]) => l.call(FID.colSum, x + r0 * c * 4, d, r1 - r0, c));
}

/** colSqDev: out[ch] = sum_r (x[r, ch] - mean[ch])^2. */
export function colSqDevP(r: FusedRun, x: number, mean: number, out: number, rows: number, c: number): void {
  reduceRows(r, rows, rows * c * 4, [out], c, (l, r0, r1, [d]) => l.call(FID.colSqDev, x + r0 * c * 4, mean, d, r1 - r0, c));
}

/** colSum2: outA[ch] = sum_r a[r, ch], outAB[ch] = sum_r a[r, ch] * b[r, ch]. */
export function colSum2P(r: FusedRun, a: number, b: number, outA: number, outAB: number, rows: number, c: number): void {
  reduceRows(r, rows, rows * c * 4, [outA, outAB], c,
    (l, r0, r1, [dA, dAB]) => l.call(FID.colSum2, a + r0 * c * 4, b + r0 * c * 4, dA, dAB, r1 - r0, c));
}

/** gemmTA / gemmTA16: dw = x^T . dz over rows ([cin, cout]). */
export function gemmTAP(r: FusedRun, fn: 'gemmTA' | 'gemmTA16', x: number, dz: number, dw: number, rows: number, cin: number, cout: number): void {
  const o = accelOptions().fusedLanes;
  const macs = rows * cin * cout;
  // the chunk count depends on the size only (through the MAC threshold), never on the threads
  const bytes = o.enabled && macs >= o.gemmTAMinMacs ? Infinity : 0;
  reduceRows(r, rows, bytes, [dw], cin * cout, (l, r0, r1, [d]) => l.call(FID[fn], x + r0 * cin * 4, dz + r0 * cout * 4, d, r1 - r0, cin, cout));
}

/**
 * dotScale for several parts at once: dps[j] = s_j * dy; returns sum_i dy[i] * xs[j][i] per part (as float32: the
 * chunk sums added in chunk order). One lane list for every part and chunk.
 */
export function dotScaleP(r: FusedRun, dy: number, xs: readonly number[], dps: readonly number[], weights: readonly number[], n: number): number[] {
  const chunks = reduceChunks(n / 4, n * 4);
  return r.withScratch(Math.max(4, xs.length * chunks), (sums) => {
    const list = lanes();
    xs.forEach((x, j) => {
      const s = floatBits(weights[j]);
      let i = 0;
      ranges(n / 4, chunks, (q0, q1) => {
        const o = q0 * 16;
        list.lane().call(FID.dotScaleB, dy + o, x + o, dps[j] + o, s, (q1 - q0) * 4, sums + (j * chunks + i++) * 4);
      });
    });
    r.run(list);
    const S = r.heap();
    return xs.map((_, j) => {
      let acc = S[sums / 4 + j * chunks];
      for (let i = 1; i < chunks; i++) acc = Math.fround(acc + S[sums / 4 + j * chunks + i]);
      return acc;
    });
  });
}
