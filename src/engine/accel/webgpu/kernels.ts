/**
 * The acceleration layer's webgpu kernels: WGSL programs (programs.ts) run through tfjs-backend-webgpu's
 * runWebGPUProgram, registered for the 'webgpu' backend only. On a GPU every tfjs kernel is at least one compute
 * dispatch, and a supernet step launches thousands of tiny ones; these fuse the two chains that dominate:
 *  - NasWeightedSum / NasWeightedSumGrad (the names and contracts of the wasm kernels in fused/kernels.ts, so
 *    fusedWeightedSum runs unchanged): a mixed op's sum_j w[idx_j] * x_j as 1 dispatch instead of K slices, K muls
 *    and an addN; its gradient as K scale dispatches + 1 reduction instead of ~4 per part. WebGPU allows 8 storage
 *    buffers per shader stage by default (tfjs does not raise it), so more parts than fit are chained through an
 *    accumulator input.
 *  - NasGpuBnTrain / NasGpuBnGrad: training-mode batch norm over N, H, W with optional affine scale and shift: stats
 *    (1 reduction) + normalise-and-affine (1) + the two running statistics (1 each, PyTorch momentum, unbiased
 *    variance) forward; 2 dispatches backward (+1 per affine parameter), instead of ~15 primitive kernels each way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { accelOptions } from '../options';
import { asWebGpuBackend, type GpuProgram, type GpuUniform, type WebGpuBackendLike } from './backend-like';
import {
  bnApplyProgram, bnGradStatsProgram, bnGradXProgram, bnRunningProgram, bnStatsProgram, rowProgram, scaleProgram, weightedSumGradWProgram,
  weightedSumProgram, type Term,
} from './programs';

// The same names as fused/kernels.ts (string literals here: that module imports the wasm side).
const NAS_WEIGHTED_SUM = 'NasWeightedSum';
const NAS_WEIGHTED_SUM_GRAD = 'NasWeightedSumGrad';
export const NAS_GPU_BN_TRAIN = 'NasGpuBnTrain';
export const NAS_GPU_BN_GRAD = 'NasGpuBnGrad';
const BACKEND = 'webgpu';

const i32 = (...data: number[]): GpuUniform => ({ type: 'int32', data });
const f32 = (...data: number[]): GpuUniform => ({ type: 'float32', data });

function checkFloat(tensors: tf.TensorInfo[], who: string): void {
  for (const t of tensors) if (t.dtype !== 'float32') throw new Error(`${who}: float32 inputs only, got ${t.dtype}`);
}

function run(b: WebGpuBackendLike, program: GpuProgram, inputs: tf.TensorInfo[], uniforms?: GpuUniform[]): tf.TensorInfo {
  return b.runWebGPUProgram(program, inputs, 'float32', uniforms);
}

/** Parts per program: storage buffers are the output, W, the accumulator (after the first chunk) and the parts. */
function chunks<T>(items: readonly T[], b: WebGpuBackendLike, fixedInputs: number): T[][] {
  const limit = b.device.limits.maxStorageBuffersPerShaderStage;
  const out: T[][] = [];
  let i = 0;
  while (i < items.length) {
    const room = Math.max(1, limit - 1 - fixedInputs - (out.length > 0 ? 1 : 0));
    out.push(items.slice(i, i + room));
    i += room;
  }
  return out;
}

function input(inputs: tf.NamedTensorInfoMap, name: string, who: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${who}: input ${name} is missing`);
  return t;
}

function partsOf(inputs: tf.NamedTensorInfoMap, count: number, who: string): tf.TensorInfo[] {
  return Array.from({ length: count }, (_, j) => input(inputs, `x${j}`, who));
}

/** Runs `make(chunk, acc)` per chunk of terms, threading the accumulator and disposing the intermediate ones. */
function chained(b: WebGpuBackendLike, terms: { part: tf.TensorInfo; wIndex: number }[], fixedInputs: number,
  make: (terms: Term[], parts: tf.TensorInfo[], acc: tf.TensorInfo | null) => tf.TensorInfo): tf.TensorInfo {
  let acc: tf.TensorInfo | null = null;
  for (const chunk of chunks(terms, b, fixedInputs)) {
    const next = make(chunk.map((t, j) => ({ name: `P${j}`, wIndex: t.wIndex })), chunk.map((t) => t.part), acc);
    if (acc) b.disposeData(acc.dataId);
    acc = next;
  }
  if (!acc) throw new Error('weighted sum: no parts');
  return acc;
}

const weightedSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = asWebGpuBackend(backend, NAS_WEIGHTED_SUM);
  const { idx } = attrs as unknown as { idx: number[] };
  const w = input(inputs, 'w', NAS_WEIGHTED_SUM);
  const parts = partsOf(inputs, idx.length, NAS_WEIGHTED_SUM);
  checkFloat([w, ...parts], NAS_WEIGHTED_SUM);
  const terms = parts.map((part, j) => ({ part, wIndex: idx[j] }));
  return chained(b, terms, 1, (ts, ps, acc) =>
    run(b, weightedSumProgram(parts[0].shape.slice(), ts, acc !== null), [w, ...(acc ? [acc] : []), ...ps]));
};

const weightedSumGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = asWebGpuBackend(backend, NAS_WEIGHTED_SUM_GRAD);
  const { idx } = attrs as unknown as { idx: number[] };
  const w = input(inputs, 'w', NAS_WEIGHTED_SUM_GRAD);
  const dy = input(inputs, 'dy', NAS_WEIGHTED_SUM_GRAD);
  const parts = partsOf(inputs, idx.length, NAS_WEIGHTED_SUM_GRAD);
  checkFloat([w, dy, ...parts], NAS_WEIGHTED_SUM_GRAD);
  const count = dy.shape.reduce((a, c) => a * c, 1);
  const terms = parts.map((part, j) => ({ part, wIndex: idx[j] }));
  const dw = chained(b, terms, 1, (ts, ps, acc) =>
    run(b, weightedSumGradWProgram(w.shape[0], ts, acc !== null), [dy, ...(acc ? [acc] : []), ...ps], [i32(count)]));
  const dparts = idx.map((k) => run(b, scaleProgram(dy.shape.slice()), [dy, w], [i32(k)]));
  return [dw, ...dparts];
};

interface BnAttrs { momentum: number; eps: number }

/** Inputs x, runningMean, runningVar[, gamma, beta] -> [y, stats [3, C], new running mean, new running variance]. */
const bnTrain: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = asWebGpuBackend(backend, NAS_GPU_BN_TRAIN);
  const [x, runningMean, runningVar] = ['x', 'runningMean', 'runningVar'].map((n) => input(inputs, n, NAS_GPU_BN_TRAIN));
  const { gamma, beta } = inputs;
  const affineInputs = gamma && beta ? [gamma, beta] : [];
  const affine = affineInputs.length > 0;
  checkFloat([x, runningMean, runningVar, ...affineInputs], NAS_GPU_BN_TRAIN);
  const { momentum, eps } = attrs as unknown as BnAttrs;
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((a, d) => a * d, 1) / c;
  const stats = run(b, bnStatsProgram(c), [x], [i32(c), i32(rows), f32(eps)]);
  const y = run(b, bnApplyProgram(x.shape.slice(), affine), [x, stats, ...affineInputs], [i32(c)]);
  const keep = 1 - momentum;
  const newMean = run(b, bnRunningProgram(c), [runningMean, stats], [i32(c), i32(0), f32(keep), f32(momentum), f32(1)]);
  const unbias = rows > 1 ? rows / (rows - 1) : 1;
  const newVar = run(b, bnRunningProgram(c), [runningVar, stats], [i32(c), i32(2), f32(keep), f32(momentum), f32(unbias)]);
  return [y, stats, newMean, newVar];
};

/** Inputs dy, x, stats[, gamma] -> [dx] or [dx, dgamma, dbeta]. */
const bnGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const b = asWebGpuBackend(backend, NAS_GPU_BN_GRAD);
  const [dy, x, stats] = ['dy', 'x', 'stats'].map((n) => input(inputs, n, NAS_GPU_BN_GRAD));
  const gamma = inputs.gamma;
  checkFloat([dy, x, stats, ...(gamma ? [gamma] : [])], NAS_GPU_BN_GRAD);
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((a, d) => a * d, 1) / c;
  const sums = run(b, bnGradStatsProgram(c), [dy, x, stats], [i32(c), i32(rows)]);
  const dx = run(b, bnGradXProgram(x.shape.slice(), gamma != null), [dy, x, stats, sums, ...(gamma ? [gamma] : [])], [i32(c), i32(rows)]);
  if (!gamma) {
    b.disposeData(sums.dataId);
    return [dx];
  }
  const dgamma = run(b, rowProgram(c), [sums], [i32(c), i32(1)]);
  const dbeta = run(b, rowProgram(c), [sums], [i32(c), i32(0)]);
  b.disposeData(sums.dataId);
  return [dx, dgamma, dbeta];
};

const KERNELS: Record<string, tf.KernelFunc> = {
  [NAS_WEIGHTED_SUM]: weightedSum,
  [NAS_WEIGHTED_SUM_GRAD]: weightedSumGrad,
  [NAS_GPU_BN_TRAIN]: bnTrain,
  [NAS_GPU_BN_GRAD]: bnGrad,
};

/** Registers the webgpu kernels (idempotent; part of install(), and on first use). */
export function registerWebGpuKernels(): void {
  for (const [kernelName, kernelFunc] of Object.entries(KERNELS)) {
    if (tf.getKernel(kernelName, BACKEND) != null) continue;
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
  }
}

/** True when the active backend is webgpu and its fused kernels are switched on (registers them on first use). */
export function webgpuKernelsAvailable(): boolean {
  if (tf.getBackend() !== BACKEND || !accelOptions().fused.webgpu) return false;
  registerWebGpuKernels();
  return true;
}
