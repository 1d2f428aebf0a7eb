/**
 * The parts of tfjs's wasm backend object (untyped to us) that our own kernels use: output allocation on the wasm
 * heap, heap views, and the heap memory itself (`wasm.asm.memory`; the worker puts the shared memory there when
 * the threaded build runs). One declaration for every kernel file that reaches into the backend.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): void;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm?: { asm?: { memory?: object } };
}

/** The byte offset of a tensor's data on the wasm heap; `who` names the kernel in the error. */
export function heapOffset(b: WasmBackendLike, info: tf.TensorInfo, who: string): number {
  const d = b.dataIdMap.get(info.dataId);
  if (d == null) throw new Error(`${who}: tensor is not on the wasm backend`);
  return d.memoryOffset;
}

/** The wasm heap (a WebAssembly.Memory) of a tfjs backend object; undefined for other backends or before it exists. */
export function wasmHeap(backend: unknown): object | undefined {
  return (backend as Partial<WasmBackendLike> | null | undefined)?.wasm?.asm?.memory;
}
