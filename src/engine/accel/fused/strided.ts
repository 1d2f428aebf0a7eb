/**
 * Fused ops for the strided (stride-2) edges of DARTS reduction cells (Liu et al., "DARTS", ICLR 2019,
 * operations.py: the first depthwise conv of sep_conv, the dilated depthwise of dil_conv, and the 3x3 pools, all
 * with PyTorch's symmetric padding), for the fast supernet path on the CPU-only backends (wasm, cpu). The plain
 * versions pad, subsample (reshape + slice) and use tfjs's generic depthwise and pooling gradients, which on wasm
 * cost a Pad / Slice pair per step and a slow generic kernel each; here each op has ONE backward kernel (plain
 * loops over the backend's memory, like kernels.ts) and the pools one forward kernel as well:
 *  - fusedStridedDepthwise(x, w, stride, dilation) = darts-ops dilatedDepthwiseConv2d / layers.depthwiseConv2d
 *    (forward from the same primitives; backward NasDwStridedGrad: dx and dw in one pass);
 *  - fusedStridedPool3(x, kind, stride)          = pooling.torchPool2d(x, kind, 3, stride, 1)
 *    (forward from the plain ops, NasPool3StridedGrad backward; max: the first maximum in row-major order wins;
 *    NasPool3Strided, a loop forward, stays registered: it was measured 9-30x slower than tfjs's pool).
 * Values and gradients equal the plain ops' (tests/unit/fused-ops.test.ts). Elsewhere (webgl, webgpu) the plain
 * ops run. Call inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { subsample } from '../../ops/darts-ops';
import { checkFloat, FUSED_KERNEL_BACKENDS, fusedKernelsAvailable, memory } from './kernels';
import { padInput } from '../../ops/layers';
import { torchPool2d } from '../../ops/pooling';
import { accelOptions } from '../options';

export const NAS_DW_STRIDED_GRAD = 'NasDwStridedGrad';
export const NAS_POOL3_STRIDED = 'NasPool3Strided';
export const NAS_POOL3_STRIDED_GRAD = 'NasPool3StridedGrad';

interface DwAttrs { k: number; stride: number; dilation: number; pad: number }
interface PoolAttrs { isMax: boolean; stride: number }

const outSize = (len: number, k: number, stride: number, dilation: number, pad: number) => Math.floor((len + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;

/** dx, dw of y[b, i, j, c] = sum_{s,t} x[b, i*stride + s*dil - pad, j*stride + t*dil - pad, c] * w[s, t, c] (zero padding). */
function dwStridedGrad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, w, dy } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; dy: tf.TensorInfo };
    checkFloat([x, w, dy], NAS_DW_STRIDED_GRAD);
    const { k, stride, dilation, pad } = attrs as unknown as DwAttrs;
    const [n, h, wd, c] = x.shape;
    const [, oh, ow] = dy.shape;
    const mem = memory(backendName, backend);
    const dx = mem.alloc(x.shape.slice());
    const dw = mem.alloc(w.shape.slice());
    const X = mem.view(x);
    const W = mem.view(w);
    const DY = mem.view(dy);
    const DX = mem.view(dx);
    const DW = mem.view(dw);
    DX.fill(0);
    DW.fill(0);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const o = ((b * oh + i) * ow + j) * c;
          for (let s = 0; s < k; s++) {
            const r = i * stride + s * dilation - pad;
            if (r < 0 || r >= h) continue;
            for (let t = 0; t < k; t++) {
              const q = j * stride + t * dilation - pad;
              if (q < 0 || q >= wd) continue;
              const xi = ((b * h + r) * wd + q) * c;
              const wi = (s * k + t) * c;
              for (let ch = 0; ch < c; ch++) {
                const g = DY[o + ch];
                DX[xi + ch] += g * W[wi + ch];
                DW[wi + ch] += g * X[xi + ch];
              }
            }
          }
        }
      }
    }
    return [dx, dw];
  };
}

function pool3Strided(backendName: string, grad: boolean): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy?: tf.TensorInfo };
    checkFloat(grad ? [x, dy!] : [x], grad ? NAS_POOL3_STRIDED_GRAD : NAS_POOL3_STRIDED);
    const { isMax, stride } = attrs as unknown as PoolAttrs;
    const [n, h, w, c] = x.shape;
    const oh = outSize(h, 3, stride, 1, 1);
    const ow = outSize(w, 3, stride, 1, 1);
    const mem = memory(backendName, backend);
    const out = mem.alloc(grad ? x.shape.slice() : [n, oh, ow, c]);
    const X = mem.view(x);
    const DY = grad ? mem.view(dy!) : new Float32Array(0);
    const OUT = mem.view(out);
    OUT.fill(0);
    // Channels innermost (contiguous); for max, the running best and its index per channel.
    const best = new Float32Array(c);
    const arg = new Int32Array(c);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        const r0 = Math.max(0, i * stride - 1);
        const r1 = Math.min(h - 1, i * stride + 1);
        for (let j = 0; j < ow; j++) {
          const q0 = Math.max(0, j * stride - 1);
          const q1 = Math.min(w - 1, j * stride + 1);
          const o = ((b * oh + i) * ow + j) * c;
          const first = ((b * h + r0) * w + q0) * c;
          if (isMax) {
            for (let ch = 0; ch < c; ch++) { best[ch] = X[first + ch]; arg[ch] = first + ch; }
            for (let r = r0; r <= r1; r++) {
              for (let q = q0; q <= q1; q++) {
                const base = ((b * h + r) * w + q) * c;
                // Strictly greater: the first maximum in row-major order wins.
                for (let ch = 0; ch < c; ch++) if (X[base + ch] > best[ch]) { best[ch] = X[base + ch]; arg[ch] = base + ch; }
              }
            }
            if (grad) for (let ch = 0; ch < c; ch++) OUT[arg[ch]] += DY[o + ch];
            else for (let ch = 0; ch < c; ch++) OUT[o + ch] = best[ch];
          } else {
            const inv = 1 / ((r1 - r0 + 1) * (q1 - q0 + 1));
            for (let r = r0; r <= r1; r++) {
              for (let q = q0; q <= q1; q++) {
                const base = ((b * h + r) * w + q) * c;
                if (grad) for (let ch = 0; ch < c; ch++) OUT[base + ch] += DY[o + ch] * inv;
                else for (let ch = 0; ch < c; ch++) OUT[o + ch] += X[base + ch];
              }
            }
            if (!grad) for (let ch = 0; ch < c; ch++) OUT[o + ch] *= inv;
          }
        }
      }
    }
    return out;
  };
}

let registered = false;

/** Registers the strided kernels for wasm and cpu (idempotent; part of install(), and on first use). */
export function registerStridedKernels(): void {
  if (registered) return;
  for (const backendName of FUSED_KERNEL_BACKENDS) {
    const table: [string, tf.KernelFunc][] = [
      [NAS_DW_STRIDED_GRAD, dwStridedGrad(backendName)],
      [NAS_POOL3_STRIDED, pool3Strided(backendName, false)],
      [NAS_POOL3_STRIDED_GRAD, pool3Strided(backendName, true)],
    ];
    for (const [kernelName, kernelFunc] of table) {
      if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
  registered = true;
}

/** True when the active backend has the strided kernels (switched on, wasm or cpu); registers them on first use. */
function stridedKernelsAvailable(): boolean {
  if (!accelOptions().fused.strided || !fusedKernelsAvailable()) return false;
  registerStridedKernels();
  return true;
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor | tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];

/** The plain strided depthwise conv (darts-ops dilatedDepthwiseConv2d's arithmetic). */
function plainDepthwise(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, dilation: number, pad: number): tf.Tensor4D {
  const padded = padInput(x, pad);
  if (stride === 1 || dilation === 1) return tf.depthwiseConv2d(padded, w, stride, 'valid', 'NHWC', dilation);
  if (dilation % stride === 0) return tf.depthwiseConv2d(subsample(padded, stride), w, 1, 'valid', 'NHWC', dilation / stride);
  return subsample(tf.depthwiseConv2d(padded, w, 1, 'valid', 'NHWC', dilation), stride);
}

/** Depthwise k x k conv (multiplier 1) at any stride and dilation with PyTorch padding ((k-1)*dilation/2). */
export function fusedStridedDepthwise(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, dilation = 1): tf.Tensor4D {
  const [k, , c, m] = w.shape;
  if (k % 2 !== 1 || m !== 1 || c !== x.shape[3]) throw new Error(`fusedStridedDepthwise: odd filter [k, k, ${x.shape[3]}, 1] expected, got [${w.shape}]`);
  const pad = ((k - 1) * dilation) >> 1;
  if (!stridedKernelsAvailable()) return plainDepthwise(x, w, stride, dilation, pad);
  const attrs: DwAttrs = { k, stride, dilation, pad };
  const f = tf.customGrad((xi, wi, save) => {
    (save as tf.GradSaveFunc)([xi as tf.Tensor, wi as tf.Tensor]);
    return {
      value: plainDepthwise(xi as tf.Tensor4D, wi as tf.Tensor4D, stride, dilation, pad),
      gradFunc: (dy, saved) => run(NAS_DW_STRIDED_GRAD, { x: saved[0], w: saved[1], dy: dy as tf.Tensor }, attrs) as tf.Tensor[],
    };
  });
  return f(x, w) as tf.Tensor4D;
}

/** 3x3 pool with padding 1 at `stride` (PyTorch MaxPool2d / AvgPool2d(count_include_pad=False)). */
export function fusedStridedPool3(x: tf.Tensor4D, kind: 'max' | 'avg', stride: number): tf.Tensor4D {
  if (!stridedKernelsAvailable()) return torchPool2d(x, kind, 3, stride, 1);
  const attrs: PoolAttrs = { isMax: kind === 'max', stride };
  const f = tf.customGrad((xi, save) => {
    (save as tf.GradSaveFunc)([xi as tf.Tensor]);
    return {
      // The forward from the plain ops (pad + tfjs's pool, XNNPACK on wasm): measured 9-30x faster than the
      // NasPool3Strided loops (Node wasm, batch 64, 7x7x64 to 28x28x16), same values up to float rounding.
      value: torchPool2d(xi as tf.Tensor4D, kind, 3, stride, 1),
      gradFunc: (dy, saved) => run(NAS_POOL3_STRIDED_GRAD, { x: saved[0], dy: dy as tf.Tensor }, attrs) as tf.Tensor,
    };
  });
  return f(x) as tf.Tensor4D;
}
