/**
 * Gradient of Relu as one pass on WASM: dx = x > 0 ? dy : 0 (a copy of dy masked in place by fused-wasm.ts
 * reluMask). tfjs's gradient is mul(dy, cast(step(x))): three kernels and two full-size temporaries; on the small
 * CNN step those were ~4% of the step. Other backends, other dtypes and sizes that are not a multiple of 4 keep
 * tfjs's formulation. (One difference: tfjs propagates NaN where x is NaN, the mask gives 0 there.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike as WasmLike } from '../ops/wasm-backend-like';
import { simdKernelsFor } from '../ops/fused-wasm';
import { asTensor } from './tensor-util';

/** (Not 'Nas…': that prefix marks the supernet fast path's fused kernels, which this is not.) */
export const ENGINE_RELU_GRAD = 'EngineReluGrad';

/** Switch for benchmarks and tests: enabled=false uses tfjs's formulation everywhere. */
export const reluGradOptions = { enabled: true };


/** The wasm kernel: inputs {dy, x} (float32, same shape, size a multiple of 4). */
export const wasmReluGradConfig: tf.KernelConfig = {
  kernelName: ENGINE_RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const dy = asTensor<tf.Rank>(inputs.dy, 'dy');
    const x = asTensor<tf.Rank>(inputs.x, 'x');
    const b = backend as WasmLike;
    const simd = simdKernelsFor(b.wasm?.asm?.memory);
    if (simd == null) throw new Error(`${ENGINE_RELU_GRAD}: WebAssembly SIMD is unavailable`);
    if (dy.dtype !== 'float32' || x.dtype !== 'float32' || dy.size !== x.size || x.size % 4 !== 0) {
      throw new Error(`${ENGINE_RELU_GRAD}: needs float32 dy and x of one size, a multiple of 4 (got ${dy.dtype}[${dy.shape}], ${x.dtype}[${x.shape}])`);
    }
    const out = b.makeOutput(x.shape, 'float32');
    b.typedArrayFromHeap(out).set(b.typedArrayFromHeap(dy));
    const px = b.dataIdMap.get(x.dataId)?.memoryOffset;
    const po = b.dataIdMap.get(out.dataId)?.memoryOffset;
    if (px == null || po == null) throw new Error(`${ENGINE_RELU_GRAD}: tensor is not on the wasm backend`);
    simd.reluMask(po, px, x.size);
    return out;
  },
};

function useKernel(x: tf.Tensor, dy: tf.Tensor): boolean {
  if (!reluGradOptions.enabled || tf.getBackend() !== 'wasm' || tf.getKernel(ENGINE_RELU_GRAD, 'wasm') == null) return false;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.size % 4 !== 0) return false;
  const memory = (tf.backend() as unknown as WasmLike).wasm?.asm?.memory;
  return simdKernelsFor(memory) != null;
}

export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    return {
      x: () => (useKernel(x, g)
        ? tf.engine().runKernel(ENGINE_RELU_GRAD, { dy: g, x }) as tf.Tensor
        : tf.mul(g, tf.cast(tf.step(x), 'float32'))),
    };
  },
};
