/**
 * Identity for the WASM backend without a copy: the output shares the input's heap memory (reference-counted, as
 * tfjs's wasm Reshape already does). tfjs's wasm Identity copies the whole tensor, and the engine clones (Identity)
 * every tensor it saves for the backward pass, so a small CNN training step copied ~20 tensors (the activations:
 * several MB each). Sharing is safe because kernels never write into their inputs (outputs are always fresh
 * allocations; the engine's and our kernels alike). Strings keep tfjs's kernel.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { delegate, type Fallback } from './wasm-delegate';
import { accelOptions } from '../options';

export function wasmIdentityConfig(fallback: Fallback): tf.KernelConfig {
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (params) => {
      const x = params.inputs.x as tf.TensorInfo;
      if (!accelOptions().copyFreeIdentity || x.dtype === 'string') return delegate(fallback, 'Identity', params);
      (params.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
    },
  };
}
