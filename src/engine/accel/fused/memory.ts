/**
 * One view of a CPU-side backend's memory for the fused kernels (wasm and cpu): allocate outputs, take Float32Array
 * views, free scratch; on wasm also the fused SIMD module on the heap (wasm/fused-module.ts), its lane runner
 * (lanes.ts: on the kernel pool when one holding 'fused' is attached) and heap pointers. On wasm, views are taken after
 * every output is allocated, since an allocation may grow and detach the heap; on cpu they are the backend's value
 * arrays. Inputs must be float32.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { accelOptions } from '../options';
import { modulePoolFor } from '../pool/registry';
import { heapOffset, type WasmBackendLike as WasmLike } from '../wasm/backend-like';
import { simdKernelsFor, type SimdKernels } from '../wasm/fused-module';
import { fusedRun, type FusedRun } from './lanes';

export const FUSED_KERNEL_BACKENDS = ['wasm', 'cpu'] as const;

/** The parts of the cpu backend object (untyped, to us) that the kernels use. */
interface CpuLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

export type Mem = {
  /** Allocates outputs; call every alloc before the first view. */
  alloc(shape: number[]): tf.TensorInfo;
  view(info: tf.TensorInfo): Float32Array;
  /** Releases a scratch allocation. */
  free(info: tf.TensorInfo): void;
  /** wasm only: SIMD kernels on the backend's heap (wasm/fused-module.ts), and a tensor's byte offset there. */
  simd: SimdKernels | null;
  /**
   * wasm only: the same kernels as lane lists, on the kernel pool when one holding 'fused' is attached (lanes.ts).
   * Its reductions allocate scratch, which may grow the heap: take views only after them.
   */
  fused: FusedRun | null;
  ptr(info: tf.TensorInfo): number;
};

export function memory(backendName: string, backend: unknown): Mem {
  if (backendName === 'wasm') {
    const b = backend as WasmLike;
    const heap = b.wasm?.asm?.memory;
    const simd = accelOptions().fused.simd ? simdKernelsFor(heap) : null;
    const ptr = (info: tf.TensorInfo) => heapOffset(b, info, 'fused kernel');
    const withScratch = <T>(floats: number, fn: (p: number) => T): T => {
      const t = b.makeOutput([floats], 'float32');
      try {
        return fn(ptr(t));
      } finally {
        b.disposeData(t.dataId);
      }
    };
    return {
      alloc: (shape) => b.makeOutput(shape, 'float32'),
      view: (info) => b.typedArrayFromHeap(info),
      free: (info) => b.disposeData(info.dataId),
      simd,
      fused: simd && heap ? fusedRun(simd, modulePoolFor(heap, 'fused'), withScratch, () => new Float32Array((heap as { buffer: ArrayBufferLike }).buffer)) : null,
      ptr,
    };
  }
  const b = backend as CpuLike & { disposeData(dataId: object): void };
  const fresh = new Map<object, Float32Array>();
  return {
    simd: null,
    fused: null,
    ptr: () => { throw new Error('fused kernel: no heap pointers on cpu'); },
    free: (info) => b.disposeData(info.dataId),
    alloc: (shape) => {
      const values = new Float32Array(shape.reduce((a, c) => a * c, 1));
      const info = b.makeTensorInfo(shape, 'float32', values);
      fresh.set(info.dataId, values);
      return info;
    },
    view: (info) => {
      const own = fresh.get(info.dataId);
      if (own) return own;
      const values = b.data.get(info.dataId)?.values;
      if (!(values instanceof Float32Array)) throw new Error('fused kernel: cpu tensor data is not a Float32Array');
      return values;
    },
  };
}

export function checkFloat(infos: readonly tf.TensorInfo[], kernel: string): void {
  for (const t of infos) if (t.dtype !== 'float32') throw new Error(`${kernel}: float32 inputs only, got ${t.dtype}`);
}
