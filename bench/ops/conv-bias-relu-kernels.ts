/**
 * WASM kernels of the benchmark's conv + bias + ReLU layer (the op is conv-bias-relu.ts: the small CNN's `fast` impl;
 * the app's models are ReLU-conv-BN / conv-BN-ReLU and have no conv bias before a ReLU, so this left the engine):
 *  - EngineConvBiasRelu {x, filter, bias} -> y: the conv (the engine's conv kernels / Winograd, through tfjs's Conv2D),
 *    then y = max(y + bias, 0) IN PLACE in one SIMD pass (conv-bias-relu-module.ts biasRelu). Unfused, the bias add
 *    and the ReLU were two kernels and two full passes with a full-size temporary.
 *  - EngineReluGradBiasSum {dy, y} -> [dz, db]: dz = y > 0 ? dy : 0 and db = Σ dz over every axis but the channels, in
 *    one pass (reluGradBiasSum) over fixed chunks of rows whose partial sums are then added in chunk order (a
 *    two-level sum, as the engine's wasm-reduce.ts does; the same bits on any thread count). Unfused: the ReLU
 *    gradient, then a Sum.
 * Both split across the engine's kernel pool when big: the module is registered with it as 'conv-bias-relu'
 * (registerPoolModule, the accel layer's extension point), so a pool started afterwards holds it. Channels must be a
 * multiple of 4 (the op checks, and composes tfjs ops otherwise). convBiasReluGradConfig is the first kernel's
 * registered gradient. registerConvBiasReluKernels() registers all three and the pool module.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  LANE_BYTES, LaneList, POOL_MIN_BYTES, functionTable, heapOffset, modulePoolFor, registerPoolModule, runLanes, wasmHeap,
  type WasmBackendLike as WasmLike,
} from '../../src/engine/accel';
// Building blocks of the engine's own kernels: the fused module's column sum and the reductions' chunk size.
import { simdKernelsFor } from '../../src/engine/accel/wasm/fused-module';
import { asTensor } from '../../src/engine/accel/kernels/tensor-util';
import { columnSumChunkRows } from '../../src/engine/accel/kernels/wasm-reduce';
import { CONV_BIAS_RELU_FUNCTIONS, convBiasReluModuleBytes, convBiasReluSimdFor, type ConvBiasReluSimd } from './conv-bias-relu-module';

export const ENGINE_CONV_BIAS_RELU = 'EngineConvBiasRelu';
export const ENGINE_RELU_GRAD_BIAS_SUM = 'EngineReluGradBiasSum';

/** The module's name on the kernel pool. */
export const CONV_BIAS_RELU_POOL_MODULE = 'conv-bias-relu';

const BIAS_RELU = CONV_BIAS_RELU_FUNCTIONS.indexOf('biasRelu');
const RELU_GRAD_BIAS_SUM = CONV_BIAS_RELU_FUNCTIONS.indexOf('reluGradBiasSum');

export interface ConvBiasReluAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same';
}

/** Big ops on the pool's threads (module 'conv-bias-relu'), small ones on this thread: the same bits either way. */
function run(b: WasmLike, simd: ConvBiasReluSimd, bytes: number, list: LaneList): void {
  runLanes(bytes >= POOL_MIN_BYTES ? modulePoolFor(wasmHeap(b), CONV_BIAS_RELU_POOL_MODULE) : null, functionTable(simd, CONV_BIAS_RELU_FUNCTIONS), list);
}

/** The lanes of biasRelu over `rows` rows of `c` channels: row ranges of about LANE_BYTES. */
export function biasReluLanes(px: number, pb: number, po: number, rows: number, c: number): LaneList {
  const per = Math.max(1, Math.floor(LANE_BYTES / (c * 4)));
  const list = new LaneList();
  for (let r = 0; r < rows; r += per) {
    const n = Math.min(per, rows - r);
    list.lane().call(BIAS_RELU, px + r * c * 4, pb, po + r * c * 4, n, c * 4);
  }
  return list;
}

/** The lanes of reluGradBiasSum: chunk k (columnSumChunkRows rows) writes its partial sums to row k of `pSums`. */
export function reluGradBiasSumLanes(pdy: number, py: number, pdz: number, pSums: number, rows: number, c: number): LaneList {
  const chunk = columnSumChunkRows(c);
  const chunksPerLane = Math.max(1, Math.floor(LANE_BYTES / (chunk * c * 4)));
  const list = new LaneList();
  for (let k = 0, r = 0; r < rows; k++, r += chunk) {
    if (k % chunksPerLane === 0) list.lane();
    const off = r * c * 4;
    list.call(RELU_GRAD_BIAS_SUM, pdy + off, py + off, pdz + off, pSums + k * c * 4, Math.min(chunk, rows - r), c * 4);
  }
  return list;
}

export const wasmConvBiasReluConfig: tf.KernelConfig = {
  kernelName: ENGINE_CONV_BIAS_RELU,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const x = asTensor(inputs.x, 'x');
    const filter = asTensor(inputs.filter, 'filter');
    const bias = asTensor<tf.Rank.R1>(inputs.bias, 'bias');
    const { strides, pad } = attrs as unknown as ConvBiasReluAttrs;
    const b = backend as WasmLike;
    const simd = convBiasReluSimdFor(wasmHeap(b));
    const c = filter.shape[3];
    if (simd == null || c % 4 !== 0) throw new Error(`${ENGINE_CONV_BIAS_RELU}: needs WebAssembly SIMD and output channels a multiple of 4 (got ${c})`);
    // The conv's output is this kernel's own temporary: the epilogue overwrites it and it becomes the output.
    const y = tf.conv2d(x, filter, strides, pad);
    const rows = y.size / c;
    const [py, pb] = [heapOffset(b, y, ENGINE_CONV_BIAS_RELU), heapOffset(b, bias, ENGINE_CONV_BIAS_RELU)];
    run(b, simd, y.size * 4, biasReluLanes(py, pb, py, rows, c));
    return y;
  },
};

export const wasmReluGradBiasSumConfig: tf.KernelConfig = {
  kernelName: ENGINE_RELU_GRAD_BIAS_SUM,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const dy = asTensor<tf.Rank>(inputs.dy, 'dy');
    const y = asTensor<tf.Rank>(inputs.y, 'y');
    const b = backend as WasmLike;
    const memory = wasmHeap(b);
    const simd = convBiasReluSimdFor(memory);
    const sums = simdKernelsFor(memory);
    const c = y.shape[y.rank - 1];
    if (simd == null || sums == null || c % 4 !== 0 || dy.size !== y.size || dy.dtype !== 'float32' || y.dtype !== 'float32') {
      throw new Error(`${ENGINE_RELU_GRAD_BIAS_SUM}: needs WebAssembly SIMD, float32 dy and y of one shape, channels a multiple of 4 (got ${dy.dtype}[${dy.shape}], ${y.dtype}[${y.shape}])`);
    }
    const rows = y.size / c;
    const chunks = Math.ceil(rows / columnSumChunkRows(c));
    const dz = b.makeOutput(y.shape, 'float32');
    const db = b.makeOutput([c], 'float32');
    const partial = chunks > 1 ? b.makeOutput([chunks, c], 'float32') : db;
    const [pdy, py, pdz, pdb, pp] = [dy, y, dz, db, partial].map((t) => heapOffset(b, t, ENGINE_RELU_GRAD_BIAS_SUM));
    run(b, simd, y.size * 4, reluGradBiasSumLanes(pdy, py, pdz, pp, rows, c));
    if (partial !== db) {
      sums.colSum(pp, pdb, chunks, c);
      b.disposeData(partial.dataId);
    }
    return [dz, db];
  },
};

export const wasmConvBiasReluConfigs: readonly tf.KernelConfig[] = [wasmConvBiasReluConfig, wasmReluGradBiasSumConfig];

/**
 * The layer's gradient: dz and db in one pass, then the engine's conv gradient kernels, each lazy: tfjs asks only for
 * the inputs that need a gradient (a first layer's input gradient is never computed).
 */
export const convBiasReluGradConfig: tf.GradConfig = {
  kernelName: ENGINE_CONV_BIAS_RELU,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const { strides, pad } = attrs as unknown as ConvBiasReluAttrs;
    // Here, not in a part: tfjs runs each part in its own tidy, which would dispose a dz shared between them.
    const [dz, db] = tf.engine().runKernel(ENGINE_RELU_GRAD_BIAS_SUM, { dy: dy as tf.Tensor, y }) as [tf.Tensor4D, tf.Tensor1D];
    const common = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
    return {
      x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      bias: () => db,
    };
  },
};

let poolModuleRegistered = false;

/**
 * Registers the two wasm kernels, the gradient and the pool module (idempotent). The op calls it when it is imported,
 * so a kernel pool that a benchmark worker starts afterwards (workers/backend.ts) holds the module; tfjs keeps
 * kernels and gradients by name, so the order relative to the backends' and tfjs's gradient imports does not matter
 * (the names are our own). The engine's install()/uninstall() do not touch them.
 */
export function registerConvBiasReluKernels(): void {
  for (const config of wasmConvBiasReluConfigs) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current === config) continue;
    if (current != null) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  if (tf.getGradient(ENGINE_CONV_BIAS_RELU) !== convBiasReluGradConfig) tf.registerGradient(convBiasReluGradConfig);
  if (!poolModuleRegistered) {
    registerPoolModule(CONV_BIAS_RELU_POOL_MODULE, { bytes: convBiasReluModuleBytes(true), functions: CONV_BIAS_RELU_FUNCTIONS });
    poolModuleRegistered = true;
  }
}
