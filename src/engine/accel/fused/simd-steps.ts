/**
 * Steps the fused kernels share on wasm with SIMD (kernels.ts, stage-kernels.ts): the max-pool gradient, batch-norm
 * statistics and backward over [count, c], each as lane lists of the fused module (lanes.ts), and the 16-channel
 * variant picks. Batch norm as in Ioffe & Szegedy 2015 (training mode, PyTorch's momentum and unbiased running variance).
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  bnDxLanes, colSum2P, colSqDevP, colSumP, maxPool3GradLaneCount, maxPool3GradLanes, normalizeLanes, pool3Lanes, type FusedRun,
} from './lanes';
import type { Mem } from './memory';

/** dx (zeroed) = max-pool gradient via the SIMD kernels: the pool output is recomputed into a scratch. */
export function maxPoolGradSimd(mem: Mem, r: FusedRun, x: tf.TensorInfo, dy: tf.TensorInfo, dx: tf.TensorInfo, n: number, h: number, w: number, c: number): void {
  const ymax = mem.alloc(x.shape.slice());
  const found = mem.alloc([maxPool3GradLaneCount(n, h, w, c) * c]);
  r.run(pool3Lanes(mem.ptr(x), mem.ptr(ymax), n, h, w, c, 1));
  r.run(maxPool3GradLanes(mem.ptr(x), mem.ptr(ymax), mem.ptr(dy), mem.ptr(dx), mem.ptr(found), n, h, w, c));
  mem.free(ymax);
  mem.free(found);
}

/** The 16-channel-block SIMD variants where the channel counts allow (same results, fewer instructions). */
export const pick = {
  dwConv: (c: number) => (c % 16 === 0 ? 'dwConv16' : 'dwConv') as 'dwConv16' | 'dwConv',
  dwgTap: (c: number) => (c % 16 === 0 ? 'dwgTap16' : 'dwgTap') as 'dwgTap16' | 'dwgTap',
  gemm: (cout: number) => (cout % 16 === 0 ? 'gemm16' : 'gemm') as 'gemm16' | 'gemm',
  gemmTA: (cout: number) => (cout % 16 === 0 ? 'gemmTA16' : 'gemmTA') as 'gemmTA16' | 'gemmTA',
};

/**
 * BN statistics over [count, c] (wasm SIMD): y = normalize(x) (x may be y: in place); fills invStd and the new running
 * statistics. Views are taken after each reduction (their scratch may grow the heap).
 */
export function bnStats(mem: Mem, r: FusedRun, x: tf.TensorInfo, y: tf.TensorInfo, count: number, c: number, runningMean: tf.TensorInfo,
  runningVar: tf.TensorInfo, invStd: tf.TensorInfo, newMean: tf.TensorInfo, newVar: tf.TensorInfo, momentum: number, eps: number): void {
  const [px, pm, pv, pis] = [mem.ptr(x), mem.ptr(newMean), mem.ptr(newVar), mem.ptr(invStd)];
  colSumP(r, px, pm, count, c);
  const NM = mem.view(newMean);
  for (let ch = 0; ch < c; ch++) NM[ch] /= count;
  colSqDevP(r, px, pm, pv, count, c);
  const [NM2, NV, IS, RM, RV] = [newMean, newVar, invStd, runningMean, runningVar].map((t) => mem.view(t));
  for (let ch = 0; ch < c; ch++) IS[ch] = 1 / Math.sqrt(NV[ch] / count + eps);
  r.run(normalizeLanes(px, pm, pis, mem.ptr(y), count, c));
  for (let ch = 0; ch < c; ch++) {
    const unbiased = count > 1 ? NV[ch] / (count - 1) : NV[ch];
    NM2[ch] = RM[ch] * (1 - momentum) + NM2[ch] * momentum;
    NV[ch] = RV[ch] * (1 - momentum) + unbiased * momentum;
  }
}

/** dx = BN backward (dy, y, invStd) over [count, c] into dx. */
export function bnBack(mem: Mem, r: FusedRun, dy: tf.TensorInfo, y: tf.TensorInfo, invStd: tf.TensorInfo, dx: tf.TensorInfo, count: number, c: number): void {
  const sums = mem.alloc([2 * c]);
  const ps = mem.ptr(sums);
  const [pdy, py] = [mem.ptr(dy), mem.ptr(y)];
  colSum2P(r, pdy, py, ps, ps + 4 * c, count, c);
  const S = mem.view(sums);
  for (let i = 0; i < 2 * c; i++) S[i] /= count;
  r.run(bnDxLanes(pdy, py, ps, ps + 4 * c, mem.ptr(invStd), mem.ptr(dx), count, c));
  mem.free(sums);
}

/** The fused run of a wasm Mem; throws where there is none (no SIMD). */
export function fusedOrThrow(mem: Mem, kernel: string): FusedRun {
  if (!mem.fused) throw new Error(`${kernel}: needs the wasm backend with SIMD WebAssembly`);
  return mem.fused;
}
