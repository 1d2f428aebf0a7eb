/**
 * Gradient of Relu as one pass on WASM: dx = x > 0 ? dy : 0 (wasm/elementwise-module.ts reluGrad; split across the
 * kernel pool's threads when big and a pool runs). tfjs's gradient is mul(dy, cast(step(x))): three kernels and two
 * full-size temporaries; on the small CNN step those were ~4% of the step. Other backends, other dtypes and sizes that
 * are not a multiple of 4 keep tfjs's formulation. (One difference: tfjs propagates NaN where x is NaN, the mask gives
 * 0 there.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendLike as WasmLike } from '../wasm/backend-like';
import { LaneList } from '../pool/kernel-pool';
import { ELEMENTWISE_FUNCTIONS, elementwiseSimdFor } from '../wasm/elementwise-module';
import { LANE_BYTES, POOL_MIN_BYTES } from './pooled-lanes';
import { modulePoolFor } from '../pool/registry';
import { asTensor } from './tensor-util';
import { accelOptions } from '../options';

/** (Not 'Nas…': that prefix marks the supernet fast path's fused kernels, which this is not.) */
export const ENGINE_RELU_GRAD = 'EngineReluGrad';


/** The lanes of a big ReLU gradient for the kernel pool: ranges of about LANE_BYTES (n and the ranges multiples of 4). */
export function reluGradLanes(pdy: number, px: number, po: number, n: number): LaneList {
  const id = ELEMENTWISE_FUNCTIONS.indexOf('reluGrad');
  const per = LANE_BYTES / 4;
  const list = new LaneList();
  for (let i = 0; i < n; i += per) list.lane().call(id, pdy + 4 * i, px + 4 * i, po + 4 * i, Math.min(per, n - i));
  return list;
}

/** The wasm kernel: inputs {dy, x} (float32, same shape, size a multiple of 4). */
export const wasmReluGradConfig: tf.KernelConfig = {
  kernelName: ENGINE_RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const dy = asTensor<tf.Rank>(inputs.dy, 'dy');
    const x = asTensor<tf.Rank>(inputs.x, 'x');
    const b = backend as WasmLike;
    const simd = elementwiseSimdFor(b.wasm?.asm?.memory);
    if (simd == null) throw new Error(`${ENGINE_RELU_GRAD}: WebAssembly SIMD is unavailable`);
    if (dy.dtype !== 'float32' || x.dtype !== 'float32' || dy.size !== x.size || x.size % 4 !== 0) {
      throw new Error(`${ENGINE_RELU_GRAD}: needs float32 dy and x of one size, a multiple of 4 (got ${dy.dtype}[${dy.shape}], ${x.dtype}[${x.shape}])`);
    }
    const out = b.makeOutput(x.shape, 'float32');
    const [pdy, px, po] = [dy, x, out].map((t) => heapOffset(b, t, ENGINE_RELU_GRAD));
    const pool = x.size * 4 >= POOL_MIN_BYTES ? modulePoolFor(b.wasm?.asm?.memory, 'elementwise') : null;
    if (pool == null) {
      simd.reluGrad(pdy, px, po, x.size);
    } else {
      pool.run(reluGradLanes(pdy, px, po, x.size));
    }
    return out;
  },
};

function useKernel(x: tf.Tensor, dy: tf.Tensor): boolean {
  if (!accelOptions().reluGrad || tf.getBackend() !== 'wasm' || tf.getKernel(ENGINE_RELU_GRAD, 'wasm') == null) return false;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.size % 4 !== 0) return false;
  const memory = (tf.backend() as unknown as WasmLike).wasm?.asm?.memory;
  return elementwiseSimdFor(memory) != null;
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
