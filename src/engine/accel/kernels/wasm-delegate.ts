/** Running the kernel that one of ours replaced (tfjs's), for inputs ours does not cover, on the wasm backend. */
import type * as tf from '@tensorflow/tfjs-core';

export type Fallback = (kernelName: string) => tf.KernelConfig | undefined;

const setUp = new WeakMap<object, Set<string>>();

export function delegate(fallback: Fallback, name: string, params: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const previous = fallback(name);
  if (previous == null) throw new Error(`${name} (wasm, custom): input not supported and no previous kernel`);
  // A wasm kernel binds its WebAssembly function in setupFunc, which the backend only runs for kernels registered
  // when it started; ours may have been registered first.
  const done = setUp.get(params.backend) ?? new Set<string>();
  setUp.set(params.backend, done);
  if (previous.setupFunc && !done.has(name)) {
    previous.setupFunc(params.backend);
    done.add(name);
  }
  return previous.kernelFunc(params);
}
