/**
 * Gradients of Sum and Mean over one contiguous block of axes (global average pooling: mean over [H, W]; a loss
 * summed over a batch) as one broadcasting pass. tfjs's gradient is div(mul(reshape(dy), ones(x.shape)), size): it
 * builds a full-size tensor of ones in JavaScript, uploads it, then runs two full-size kernels. On the small CNN
 * training step (GAP over [64, 24, 24, 32]) that was ~10 ms of a ~35 ms step on WASM (tfjs's wasm Tile, the obvious
 * replacement, is slower still: ~100 ms). Here the kernel 'EngineReduceGrad' writes each output row once
 * (dy / size, the same float32 division tfjs does, so the result is bit for bit tfjs's) and doubles it along the
 * reduced block with copyWithin. WASM and CPU run the kernel; WebGL / WebGPU broadcast on the GPU (Tile); axes that
 * are not one block, and non-float32 tensors, keep tfjs's formula.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike as WasmLike } from '../wasm/backend-like';
import { reduceBlock } from './wasm-reduce';
import { asTensor } from './tensor-util';
import { accelOptions } from '../options';

export const ENGINE_REDUCE_GRAD = 'EngineReduceGrad';

interface ReduceGradAttrs {
  /** The reduced tensor's shape (the output's). */
  shape: number[];
  /** x viewed as [outer, rows, inner], rows the reduced block; dy holds outer * inner values. */
  outer: number;
  rows: number;
  inner: number;
  /** Divide by this (the mean's reduce size), or 1 for a sum. */
  divisor: number;
}

/**
 * out[o, r, i] = dy[o, i] / divisor for every r: each row written once, then doubled along the block (a native
 * memmove per doubling), or filled when a row is one value.
 */
export function broadcastRows(dy: Float32Array, out: Float32Array, a: Pick<ReduceGradAttrs, 'outer' | 'rows' | 'inner' | 'divisor'>): void {
  const { outer, rows, inner, divisor } = a;
  const block = rows * inner;
  for (let o = 0; o < outer; o++) {
    const start = o * block;
    if (inner === 1) {
      out.fill(divisor === 1 ? dy[o] : dy[o] / divisor, start, start + block);
      continue;
    }
    for (let i = 0; i < inner; i++) out[start + i] = divisor === 1 ? dy[o * inner + i] : dy[o * inner + i] / divisor;
    for (let len = inner; len < block; len *= 2) out.copyWithin(start + len, start, start + Math.min(len, block - len));
  }
}

function attrsOf(params: { attrs?: tf.NamedAttrMap }): ReduceGradAttrs {
  return params.attrs as unknown as ReduceGradAttrs;
}

export const wasmReduceGradConfig: tf.KernelConfig = {
  kernelName: ENGINE_REDUCE_GRAD,
  backendName: 'wasm',
  kernelFunc: (params) => {
    const dy = asTensor<tf.Rank>(params.inputs.dy, 'dy');
    const a = attrsOf(params);
    const b = params.backend as WasmLike;
    const out = b.makeOutput(a.shape, 'float32');
    // Views after the allocation: it may have grown (and replaced) the heap's buffer.
    broadcastRows(b.typedArrayFromHeap(dy), b.typedArrayFromHeap(out), a);
    return out;
  },
};

export const cpuReduceGradConfig: tf.KernelConfig = {
  kernelName: ENGINE_REDUCE_GRAD,
  backendName: 'cpu',
  kernelFunc: (params) => {
    const dy = asTensor<tf.Rank>(params.inputs.dy, 'dy');
    const a = attrsOf(params);
    const values = new Float32Array(a.shape.reduce((p, s) => p * s, 1));
    broadcastRows(dy.dataSync() as Float32Array, values, a);
    return tf.tensor(values, a.shape, 'float32');
  },
};

/** tfjs's own formula (tfjs-core's Sum / Mean gradients). */
function tfjsFormula(dy: tf.Tensor, x: tf.Tensor, expanded: number[], divisor: number): tf.Tensor {
  const spread = tf.mul(tf.reshape(dy, expanded), tf.ones(x.shape, 'float32'));
  return divisor === 1 ? spread : tf.div(spread, divisor);
}

function reduceGrad(kernelName: string, mean: boolean): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const g = dy as tf.Tensor;
      const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
      const expanded = x.shape.map((s, d) => (axes.includes(d) ? 1 : s));
      const block = reduceBlock(x.shape, axes);
      const divisor = mean ? axes.reduce((p, d) => p * x.shape[d], 1) : 1;
      return {
        x: () => {
          const backend = tf.getBackend();
          if (!accelOptions().reduceGrad || block == null || x.dtype !== 'float32' || g.dtype !== 'float32') return tfjsFormula(g, x, expanded, divisor);
          if ((backend === 'wasm' || backend === 'cpu') && tf.getKernel(ENGINE_REDUCE_GRAD, backend) != null) {
            const [outer, rows, inner] = block;
            const a: ReduceGradAttrs = { shape: [...x.shape], outer, rows, inner, divisor };
            return tf.engine().runKernel(ENGINE_REDUCE_GRAD, { dy: g }, a as unknown as tf.NamedAttrMap) as tf.Tensor;
          }
          if (backend === 'webgl' || backend === 'webgpu') {
            const row = tf.reshape(g, expanded);
            return tf.broadcastTo(divisor === 1 ? row : tf.div(row, divisor), x.shape);
          }
          return tfjsFormula(g, x, expanded, divisor);
        },
      };
    },
  };
}

/** Gradients of Sum and Mean (registered for every backend; see the file comment). */
export const reduceGradConfigs: readonly tf.GradConfig[] = [reduceGrad(tf.Sum, false), reduceGrad(tf.Mean, true)];

/** The kernel on the backends that run it. */
export const reduceGradKernelConfigs: readonly tf.KernelConfig[] = [wasmReduceGradConfig, cpuReduceGradConfig];

