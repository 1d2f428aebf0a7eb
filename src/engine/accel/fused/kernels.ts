/**
 * Fused training kernels for the CPU-only backends (wasm, cpu), written as plain loops over the backends' own
 * Float32Array memory. They exist for the fast supernet path (supernet/fast-mixed-op.ts), where a DARTS cell step
 * otherwise launches ~14k small tfjs kernels and spends most of its time in a few slow gradient kernels:
 *
 *  - NasDwFilterGrad   depthwise conv filter gradient (stride 1, symmetric 'same' padding, any dilation and channel
 *                      multiplier). The generic version (kernels/depthwise-backprop.ts) runs a depthwise conv whose
 *                      "filter" is the whole output gradient, which XNNPACK executes on a slow generic path
 *                      (~10 ms for a 32x8x8x64 3x3 gradient on wasm; this loop: well under 1 ms).
 *  - NasMaxPool3Grad   gradient of a 3x3 stride-1 'same' max pool (first maximum in row-major order wins, as the
 *                      CPU backend and PyTorch). kernels/max-pool-grad.ts builds it from window extraction + cumsum
 *                      and takes ~20-60 ms per call on wasm.
 *  - NasAvgPool3Grad   gradient of a 3x3 stride-1 'same' average pool that excludes padding (count_include_pad=False).
 *  - NasBnTrain / NasBnGrad  batch norm without affine parameters, training mode: one kernel computes the batch
 *                      statistics, the normalised output and the updated running statistics (PyTorch momentum,
 *                      unbiased running variance); one kernel computes the input gradient. (From primitives a BN
 *                      forward + backward is ~30 kernels.)
 *  - NasWeightedSum / NasWeightedSumGrad  y = sum_j w[idx_j] * x_j (a mixed op's softmax-weighted sum) and its
 *                      gradients for every x_j and for w, one kernel each.
 *  - NasSumSquares / NasSgdMomentum  (optim.ts): gradient clipping's norm and momentum SGD, all tensors at once.
 *  - NasConvStage / NasPoolBn and their gradients (wasm + SIMD only): whole stages, stage-kernels.ts.
 *
 * Kernels are registered under their own names for 'wasm' and 'cpu' only (this file's registerFusedKernels); ops.ts
 * falls back to ordinary tfjs ops on other backends. The kernels read their inputs' memory directly (memory.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { accelOptions } from '../options';
import { wasmHeap } from '../wasm/backend-like';
import { simdKernelsFor } from '../wasm/fused-module';
import { avgPool3GradLanes, dotScaleP, dwFilterGradLanes, weightedSumLanes } from './lanes';
import { checkFloat, FUSED_KERNEL_BACKENDS, memory } from './memory';
import { NAS_SGD_MOMENTUM, NAS_SUM_SQUARES, sgdMomentum, sumSquares } from './optim';
import { bnBack, bnStats, maxPoolGradSimd, pick } from './simd-steps';
import {
  convStage, convStageGrad, NAS_CONV_STAGE, NAS_CONV_STAGE_GRAD, NAS_POOL_BN, NAS_POOL_BN_GRAD, poolBn, poolBnGrad,
} from './stage-kernels';

export { checkFloat, FUSED_KERNEL_BACKENDS, memory, type Mem } from './memory';
export { NAS_CONV_STAGE, NAS_CONV_STAGE_GRAD, NAS_POOL_BN, NAS_POOL_BN_GRAD } from './stage-kernels';

export const NAS_DW_FILTER_GRAD = 'NasDwFilterGrad';
export const NAS_MAXPOOL3_GRAD = 'NasMaxPool3Grad';
export const NAS_AVGPOOL3_GRAD = 'NasAvgPool3Grad';
export const NAS_BN_TRAIN = 'NasBnTrain';
export const NAS_BN_GRAD = 'NasBnGrad';
export const NAS_WEIGHTED_SUM = 'NasWeightedSum';
export const NAS_WEIGHTED_SUM_GRAD = 'NasWeightedSumGrad';

const size = (shape: readonly number[]): number => shape.reduce((a, c) => a * c, 1);

interface DwAttrs { k: number; dilation: number }

function dwFilterGrad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    checkFloat([x, dy], NAS_DW_FILTER_GRAD);
    const { k, dilation } = attrs as unknown as DwAttrs;
    const [n, h, w, c] = x.shape;
    const cm = dy.shape[3];
    const m = cm / c;
    const mem = memory(backendName, backend);
    const out = mem.alloc([k, k, c, m]);
    const X = mem.view(x);
    const DY = mem.view(dy);
    const DW = mem.view(out);
    DW.fill(0);
    const pad = ((k - 1) * dilation) >> 1;
    if (mem.fused && m === 1 && c % 4 === 0) {
      mem.fused.run(dwFilterGradLanes(pick.dwgTap(c), mem.ptr(x), mem.ptr(dy), mem.ptr(out), n, h, w, c, k, dilation, 0));
      return out;
    }
    for (let ki = 0; ki < k; ki++) {
      const dh = ki * dilation - pad;
      const ohLo = Math.max(0, -dh);
      const ohHi = Math.min(h, h - dh);
      for (let kj = 0; kj < k; kj++) {
        const dw = kj * dilation - pad;
        const owLo = Math.max(0, -dw);
        const owHi = Math.min(w, w - dw);
        const fBase = (ki * k + kj) * cm;
        for (let b = 0; b < n; b++) {
          for (let oh = ohLo; oh < ohHi; oh++) {
            const xRow = ((b * h + oh + dh) * w) * c;
            const dyRow = ((b * h + oh) * w) * cm;
            for (let ow = owLo; ow < owHi; ow++) {
              const xb = xRow + (ow + dw) * c;
              const db = dyRow + ow * cm;
              if (m === 1) {
                for (let ch = 0; ch < c; ch++) DW[fBase + ch] += X[xb + ch] * DY[db + ch];
              } else {
                for (let ch = 0; ch < c; ch++) {
                  const xv = X[xb + ch];
                  const o = ch * m;
                  for (let j = 0; j < m; j++) DW[fBase + o + j] += xv * DY[db + o + j];
                }
              }
            }
          }
        }
      }
    }
    return out;
  };
}

function maxPool3Grad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    checkFloat([x, dy], NAS_MAXPOOL3_GRAD);
    const [n, h, w, c] = x.shape;
    const mem = memory(backendName, backend);
    const out = mem.alloc(x.shape.slice());
    const X = mem.view(x);
    const DY = mem.view(dy);
    const DX = mem.view(out);
    DX.fill(0);
    if (mem.fused && c % 4 === 0) {
      maxPoolGradSimd(mem, mem.fused, x, dy, out, n, h, w, c);
      return out;
    }
    for (let b = 0; b < n; b++) {
      for (let oh = 0; oh < h; oh++) {
        const r0 = Math.max(0, oh - 1);
        const r1 = Math.min(h - 1, oh + 1);
        for (let ow = 0; ow < w; ow++) {
          const c0 = Math.max(0, ow - 1);
          const c1 = Math.min(w - 1, ow + 1);
          const o = ((b * h + oh) * w + ow) * c;
          for (let ch = 0; ch < c; ch++) {
            let best = -Infinity;
            let arg = -1;
            for (let r = r0; r <= r1; r++) {
              for (let q = c0; q <= c1; q++) {
                const i = ((b * h + r) * w + q) * c + ch;
                const v = X[i];
                if (v > best || arg < 0) { best = v; arg = i; }
              }
            }
            DX[arg] += DY[o + ch];
          }
        }
      }
    }
    return out;
  };
}

function avgPool3Grad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy } = inputs as { dy: tf.TensorInfo };
    checkFloat([dy], NAS_AVGPOOL3_GRAD);
    const [n, h, w, c] = dy.shape;
    const mem = memory(backendName, backend);
    const out = mem.alloc(dy.shape.slice());
    const DY = mem.view(dy);
    const DX = mem.view(out);
    DX.fill(0);
    if (mem.fused && c % 4 === 0) {
      mem.fused.run(avgPool3GradLanes(mem.ptr(dy), mem.ptr(out), n, h, w, c));
      return out;
    }
    const cnt = (i: number, len: number) => Math.min(len - 1, i + 1) - Math.max(0, i - 1) + 1;
    for (let b = 0; b < n; b++) {
      for (let oh = 0; oh < h; oh++) {
        const r0 = Math.max(0, oh - 1);
        const r1 = Math.min(h - 1, oh + 1);
        for (let ow = 0; ow < w; ow++) {
          const q0 = Math.max(0, ow - 1);
          const q1 = Math.min(w - 1, ow + 1);
          const inv = 1 / (cnt(oh, h) * cnt(ow, w));
          const o = ((b * h + oh) * w + ow) * c;
          for (let r = r0; r <= r1; r++) {
            for (let q = q0; q <= q1; q++) {
              const i = ((b * h + r) * w + q) * c;
              for (let ch = 0; ch < c; ch++) DX[i + ch] += DY[o + ch] * inv;
            }
          }
        }
      }
    }
    return out;
  };
}

interface BnAttrs { momentum: number; eps: number }

function bnTrain(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, runningMean, runningVar } = inputs as { x: tf.TensorInfo; runningMean: tf.TensorInfo; runningVar: tf.TensorInfo };
    checkFloat([x, runningMean, runningVar], NAS_BN_TRAIN);
    const { momentum, eps } = attrs as unknown as BnAttrs;
    const c = x.shape[x.shape.length - 1];
    const count = size(x.shape) / c;
    const mem = memory(backendName, backend);
    const y = mem.alloc(x.shape.slice());
    const invStd = mem.alloc([c]);
    const newMean = mem.alloc([c]);
    const newVar = mem.alloc([c]);
    if (mem.fused && c % 4 === 0) {
      bnStats(mem, mem.fused, x, y, count, c, runningMean, runningVar, invStd, newMean, newVar, momentum, eps);
      return [y, invStd, newMean, newVar];
    }
    const X = mem.view(x);
    const Y = mem.view(y);
    const IS = mem.view(invStd);
    const RM = mem.view(runningMean);
    const RV = mem.view(runningVar);
    const NM = mem.view(newMean);
    const NV = mem.view(newVar);
    const sum = new Float64Array(c);
    const sq = new Float64Array(c);
    const total = count * c;
    for (let i = 0; i < total; i += c) for (let ch = 0; ch < c; ch++) sum[ch] += X[i + ch];
    const mean = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) mean[ch] = sum[ch] / count;
    for (let i = 0; i < total; i += c) {
      for (let ch = 0; ch < c; ch++) {
        const d = X[i + ch] - mean[ch];
        sq[ch] += d * d;
      }
    }
    const scale = new Float32Array(c);
    for (let ch = 0; ch < c; ch++) {
      const variance = sq[ch] / count;
      scale[ch] = 1 / Math.sqrt(variance + eps);
      IS[ch] = scale[ch];
      NM[ch] = RM[ch] * (1 - momentum) + mean[ch] * momentum;
      NV[ch] = RV[ch] * (1 - momentum) + (count > 1 ? (sq[ch] / (count - 1)) : variance) * momentum;
    }
    const meanF = Float32Array.from(mean);
    for (let i = 0; i < total; i += c) for (let ch = 0; ch < c; ch++) Y[i + ch] = (X[i + ch] - meanF[ch]) * scale[ch];
    return [y, invStd, newMean, newVar];
  };
}

function bnGrad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, y, invStd } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo; invStd: tf.TensorInfo };
    checkFloat([dy, y, invStd], NAS_BN_GRAD);
    const c = y.shape[y.shape.length - 1];
    const total = size(y.shape);
    const count = total / c;
    const mem = memory(backendName, backend);
    const dx = mem.alloc(y.shape.slice());
    if (mem.fused && c % 4 === 0) {
      bnBack(mem, mem.fused, dy, y, invStd, dx, count, c);
      return dx;
    }
    const DY = mem.view(dy);
    const Y = mem.view(y);
    const IS = mem.view(invStd);
    const DX = mem.view(dx);
    const sdy = new Float64Array(c);
    const sdyy = new Float64Array(c);
    for (let i = 0; i < total; i += c) {
      for (let ch = 0; ch < c; ch++) {
        const g = DY[i + ch];
        sdy[ch] += g;
        sdyy[ch] += g * Y[i + ch];
      }
    }
    const a = new Float32Array(c);
    const b = new Float32Array(c);
    for (let ch = 0; ch < c; ch++) {
      a[ch] = sdy[ch] / count;
      b[ch] = sdyy[ch] / count;
    }
    for (let i = 0; i < total; i += c) {
      for (let ch = 0; ch < c; ch++) DX[i + ch] = IS[ch] * (DY[i + ch] - a[ch] - Y[i + ch] * b[ch]);
    }
    return dx;
  };
}

interface WsAttrs { idx: number[] }

function partsOf(inputs: tf.NamedTensorInfoMap, count: number): tf.TensorInfo[] {
  return Array.from({ length: count }, (_, j) => {
    const t = inputs[`x${j}`];
    if (t == null) throw new Error(`weighted sum: missing input x${j}`);
    return t;
  });
}

function weightedSum(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { idx } = attrs as unknown as WsAttrs;
    const w = inputs.w as tf.TensorInfo;
    const parts = partsOf(inputs, idx.length);
    checkFloat([w, ...parts], NAS_WEIGHTED_SUM);
    const mem = memory(backendName, backend);
    const out = mem.alloc(parts[0].shape.slice());
    const W = mem.view(w);
    const Y = mem.view(out);
    const n = Y.length;
    if (mem.fused && n % 4 === 0) {
      mem.fused.run(weightedSumLanes(parts.map((p) => mem.ptr(p)), idx.map((i) => W[i]), mem.ptr(out), n));
      return out;
    }
    parts.forEach((p, j) => {
      const P = mem.view(p);
      const s = W[idx[j]];
      if (j === 0) for (let i = 0; i < n; i++) Y[i] = P[i] * s;
      else for (let i = 0; i < n; i++) Y[i] += P[i] * s;
    });
    return out;
  };
}

function weightedSumGrad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { idx } = attrs as unknown as WsAttrs;
    const w = inputs.w as tf.TensorInfo;
    const dy = inputs.dy as tf.TensorInfo;
    const parts = partsOf(inputs, idx.length);
    checkFloat([w, dy, ...parts], NAS_WEIGHTED_SUM_GRAD);
    const mem = memory(backendName, backend);
    const dw = mem.alloc(w.shape.slice());
    const dparts = parts.map((p) => mem.alloc(p.shape.slice()));
    const n = size(dy.shape);
    if (mem.fused && n % 4 === 0) {
      const W0 = mem.view(w);
      const weights = idx.map((i) => W0[i]);
      const dots = dotScaleP(mem.fused, mem.ptr(dy), parts.map((p) => mem.ptr(p)), dparts.map((d) => mem.ptr(d)), weights, n);
      const DW0 = mem.view(dw); // after the reduction (its scratch may have grown the heap)
      DW0.fill(0);
      parts.forEach((_, j) => { DW0[idx[j]] += dots[j]; });
      return [dw, ...dparts];
    }
    const W = mem.view(w);
    const DY = mem.view(dy);
    const DW = mem.view(dw);
    DW.fill(0);
    parts.forEach((p, j) => {
      const P = mem.view(p);
      const DP = mem.view(dparts[j]);
      const s = W[idx[j]];
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const g = DY[i];
        acc += g * P[i];
        DP[i] = g * s;
      }
      DW[idx[j]] += acc;
    });
    return [dw, ...dparts];
  };
}

/** Kernels that exist only on wasm (they need the SIMD module on the backend's heap). */
const WASM_ONLY: Record<string, (backendName: string) => tf.KernelFunc> = {
  [NAS_CONV_STAGE]: convStage,
  [NAS_CONV_STAGE_GRAD]: convStageGrad,
  [NAS_POOL_BN]: poolBn,
  [NAS_POOL_BN_GRAD]: poolBnGrad,
};

const FACTORIES: Record<string, (backendName: string) => tf.KernelFunc> = {
  [NAS_DW_FILTER_GRAD]: dwFilterGrad,
  [NAS_MAXPOOL3_GRAD]: maxPool3Grad,
  [NAS_AVGPOOL3_GRAD]: avgPool3Grad,
  [NAS_BN_TRAIN]: bnTrain,
  [NAS_BN_GRAD]: bnGrad,
  [NAS_WEIGHTED_SUM]: weightedSum,
  [NAS_WEIGHTED_SUM_GRAD]: weightedSumGrad,
  [NAS_SUM_SQUARES]: sumSquares,
  [NAS_SGD_MOMENTUM]: sgdMomentum,
};

/**
 * Registers the fused kernels for wasm and cpu (idempotent; part of install(), and on first use: they have names of
 * their own and replace nothing, so the fast path works before install()).
 */
export function registerFusedKernels(): void {
  for (const backendName of FUSED_KERNEL_BACKENDS) {
    const table = backendName === 'wasm' ? { ...FACTORIES, ...WASM_ONLY } : FACTORIES;
    for (const [kernelName, make] of Object.entries(table)) {
      if (tf.getKernel(kernelName, backendName) != null) continue;
      tf.registerKernel({ kernelName, backendName, kernelFunc: make(backendName) });
    }
  }
}

/**
 * True when the active backend can run the whole-stage kernels (NasConvStage, NasPoolBn) for these channel counts:
 * wasm with SIMD WebAssembly, channels multiples of 4.
 */
export function stageKernelsAvailable(...channels: number[]): boolean {
  if (tf.getBackend() !== 'wasm' || !accelOptions().fused.simd || !accelOptions().fused.stages) return false;
  if (!channels.every((c) => c % 4 === 0)) return false;
  registerFusedKernels();
  return simdKernelsFor(wasmHeap(tf.backend())) != null;
}

/** True when the active backend has the fused kernels (registers them on first use). */
export function fusedKernelsAvailable(): boolean {
  const name = tf.getBackend();
  if (!(FUSED_KERNEL_BACKENDS as readonly string[]).includes(name)) return false;
  registerFusedKernels();
  return true;
}
