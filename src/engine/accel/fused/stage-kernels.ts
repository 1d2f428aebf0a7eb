/**
 * Whole-stage kernels of the supernet fast path (wasm + SIMD only), one kernel each way instead of ~30:
 *  - NasConvStage / NasConvStageGrad: a DARTS sep/dil conv stage "[ReLU ->] depthwise k x k -> 1x1 conv ->
 *    BN(affine=false)" (Liu et al., "DARTS: Differentiable Architecture Search", ICLR 2019), forward and backward;
 *  - NasPoolBn / NasPoolBnGrad: a 3x3 stride-1 pool followed by BN(affine=false).
 * On the SIMD kernels of wasm/fused-module.ts, as lane lists (lanes.ts) that run on the kernel pool when one is attached.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { avgPool3GradLanes, dwConvLanes, dwFilterGradLanes, gemmLanes, gemmTAP, pool3Lanes, reluMaskLanes } from './lanes';
import { checkFloat, memory } from './memory';
import { bnBack, bnStats, fusedOrThrow, maxPoolGradSimd, pick } from './simd-steps';

export const NAS_CONV_STAGE = 'NasConvStage';
export const NAS_CONV_STAGE_GRAD = 'NasConvStageGrad';
export const NAS_POOL_BN = 'NasPoolBn';
export const NAS_POOL_BN_GRAD = 'NasPoolBnGrad';

interface StageAttrs { k: number; dilation: number; reluIn: boolean; momentum: number; eps: number }

export function convStage(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dw, pw, runningMean, runningVar } = inputs as Record<string, tf.TensorInfo>;
    checkFloat([x, dw, pw, runningMean, runningVar], NAS_CONV_STAGE);
    const a = attrs as unknown as StageAttrs;
    const [n, h, w, c] = x.shape;
    const cOut = pw.shape[3];
    const mem = memory(backendName, backend);
    const r = fusedOrThrow(mem, NAS_CONV_STAGE);
    const hid = mem.alloc([n, h, w, c]);
    const y = mem.alloc([n, h, w, cOut]);
    const invStd = mem.alloc([cOut]);
    const newMean = mem.alloc([cOut]);
    const newVar = mem.alloc([cOut]);
    const count = n * h * w;
    r.run(dwConvLanes(pick.dwConv(c), mem.ptr(x), mem.ptr(dw), mem.ptr(hid), n, h, w, c, a.k, a.dilation, ((a.k - 1) * a.dilation) >> 1, a.reluIn ? 1 : 0));
    r.run(gemmLanes(pick.gemm(cOut), mem.ptr(hid), mem.ptr(pw), mem.ptr(y), count, c, cOut));
    bnStats(mem, r, y, y, count, cOut, runningMean, runningVar, invStd, newMean, newVar, a.momentum, a.eps);
    return [y, hid, invStd, newMean, newVar];
  };
}

export function convStageGrad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, dw, pw, hid, y, invStd } = inputs as Record<string, tf.TensorInfo>;
    checkFloat([dy, x, dw, pw, hid, y, invStd], NAS_CONV_STAGE_GRAD);
    const a = attrs as unknown as StageAttrs;
    const [n, h, w, c] = x.shape;
    const cOut = pw.shape[3];
    const count = n * h * w;
    const kk = a.k;
    const mem = memory(backendName, backend);
    const r = fusedOrThrow(mem, NAS_CONV_STAGE_GRAD);
    const dx = mem.alloc(x.shape.slice());
    const ddw = mem.alloc(dw.shape.slice());
    const dpw = mem.alloc(pw.shape.slice());
    const dh = mem.alloc([n, h, w, c]);
    const pwT = mem.alloc([cOut, c]);
    const flipped = mem.alloc(dw.shape.slice());
    const dz = mem.alloc(y.shape.slice());
    bnBack(mem, r, dy, y, invStd, dz, count, cOut);
    gemmTAP(r, pick.gemmTA(cOut), mem.ptr(hid), mem.ptr(dz), mem.ptr(dpw), count, c, cOut);
    // views only after the allocations and reductions above (they may grow the heap)
    const PW = mem.view(pw);
    const PWT = mem.view(pwT);
    for (let i = 0; i < c; i++) for (let o = 0; o < cOut; o++) PWT[o * c + i] = PW[i * cOut + o];
    r.run(gemmLanes(pick.gemm(c), mem.ptr(dz), mem.ptr(pwT), mem.ptr(dh), count, cOut, c));
    mem.view(ddw).fill(0);
    const pad = ((kk - 1) * a.dilation) >> 1;
    const [px, pdh] = [mem.ptr(x), mem.ptr(dh)];
    r.run(dwFilterGradLanes(pick.dwgTap(c), px, pdh, mem.ptr(ddw), n, h, w, c, kk, a.dilation, a.reluIn ? 1 : 0));
    const W = mem.view(dw);
    const F = mem.view(flipped);
    for (let t = 0; t < kk * kk; t++) F.set(W.subarray((kk * kk - 1 - t) * c, (kk * kk - t) * c), t * c);
    r.run(dwConvLanes(pick.dwConv(c), pdh, mem.ptr(flipped), mem.ptr(dx), n, h, w, c, kk, a.dilation, pad, 0));
    if (a.reluIn) r.run(reluMaskLanes(mem.ptr(dx), px, n * h * w * c));
    for (const t of [dh, pwT, flipped, dz]) mem.free(t);
    return [dx, ddw, dpw];
  };
}

interface PoolBnAttrs { isMax: boolean; momentum: number; eps: number }

export function poolBn(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, runningMean, runningVar } = inputs as Record<string, tf.TensorInfo>;
    checkFloat([x, runningMean, runningVar], NAS_POOL_BN);
    const a = attrs as unknown as PoolBnAttrs;
    const [n, h, w, c] = x.shape;
    const mem = memory(backendName, backend);
    const r = fusedOrThrow(mem, NAS_POOL_BN);
    const y = mem.alloc(x.shape.slice());
    const invStd = mem.alloc([c]);
    const newMean = mem.alloc([c]);
    const newVar = mem.alloc([c]);
    r.run(pool3Lanes(mem.ptr(x), mem.ptr(y), n, h, w, c, a.isMax ? 1 : 0));
    bnStats(mem, r, y, y, n * h * w, c, runningMean, runningVar, invStd, newMean, newVar, a.momentum, a.eps);
    return [y, invStd, newMean, newVar];
  };
}

export function poolBnGrad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, y, invStd } = inputs as Record<string, tf.TensorInfo>;
    checkFloat([dy, x, y, invStd], NAS_POOL_BN_GRAD);
    const a = attrs as unknown as PoolBnAttrs;
    const [n, h, w, c] = x.shape;
    const mem = memory(backendName, backend);
    const r = fusedOrThrow(mem, NAS_POOL_BN_GRAD);
    const dx = mem.alloc(x.shape.slice());
    const dp = mem.alloc(y.shape.slice());
    bnBack(mem, r, dy, y, invStd, dp, n * h * w, c);
    mem.view(dx).fill(0);
    if (a.isMax) maxPoolGradSimd(mem, r, x, dp, dx, n, h, w, c);
    else r.run(avgPool3GradLanes(mem.ptr(dp), mem.ptr(dx), n, h, w, c));
    mem.free(dp);
    return dx;
  };
}
