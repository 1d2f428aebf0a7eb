/** What the acceleration layer runs on a backend: for reports and benchmarks. */
import { kernelPoolThreads } from './pool/engine-pool';
import { isSharedMemory } from './wasm/assembler';
import { wasmHeap } from './wasm/backend-like';
import { simdKernelsFor } from './wasm/fused-module';

export interface AccelStatus {
  /** Whether the engine's SIMD kernels run on this backend's wasm heap. */
  readonly simd: boolean;
  /** The heap: shared (threaded build), not shared, or not exported (not wasm, or before it started). */
  readonly heap: 'shared' | 'not shared' | 'not exported';
  /** Threads the engine's pooled kernels run on (1 without a kernel pool). */
  readonly poolThreads: number;
}

export function accelStatus(backend: unknown): AccelStatus {
  const memory = wasmHeap(backend);
  return {
    simd: simdKernelsFor(memory) != null,
    heap: memory == null ? 'not exported' : isSharedMemory(memory) ? 'shared' : 'not shared',
    poolThreads: kernelPoolThreads(backend),
  };
}
