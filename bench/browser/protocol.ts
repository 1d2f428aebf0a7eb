/** Messages between the benchmark page (main.ts) and its dedicated worker (worker.ts). */
import type { StepProfile, WorkloadSpec } from '../workloads';
import type { GpuStepCase } from '../gpu-steps';

export type BrowserBackend = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

export type WorkerRequest =
  /** kernelPool (default true): with threaded WASM, run the engine's conv kernels on the kernel pool (workers/backend.ts). */
  /**
   * xnnpackThreads: start the threaded build with this many XNNPACK threads (initBackendByName's WASM option xnnpackThreads); winograd: false
   * switches the engine's Winograd convs off (the direct conv kernels then take every conv).
   */
  | { id: number; cmd: 'init'; backend: BrowserBackend; wasmThreads: boolean; kernelPool?: boolean; xnnpackThreads?: number; winograd?: boolean }
  | { id: number; cmd: 'setup'; key: string; spec: WorkloadSpec }
  | { id: number; cmd: 'run'; key: string; warmup: number; steps: number; maxSeconds: number; startIndex: number }
  | { id: number; cmd: 'profile'; key: string }
  | { id: number; cmd: 'infer'; key: string; reps: number }
  | { id: number; cmd: 'dispose'; key: string }
  /** WebGPU dispatches + tfjs kernels of one training step (bench/gpu-steps.ts; dispatch-count.ts). */
  | { id: number; cmd: 'dispatches'; case: GpuStepCase }
  /** The accel layer's WebGPU kernels against the plain ops (bench/gpu-check.ts). */
  | { id: number; cmd: 'gpu-check' };

export interface DispatchCount {
  label: string;
  /** GPUComputePassEncoder.dispatchWorkgroups calls of one step (after one warm-up step). */
  dispatches: number;
  /** tfjs kernels of one step (tf.profile's count; a kernel may dispatch 0, 1 or several programs). */
  kernels: number;
  topKernels: [string, number][];
  loss: number;
}

export interface InitInfo {
  backend: string;
  ok: boolean;
  detail: string;
  crossOriginIsolated: boolean;
  wasmThreads?: number;
  wasmSimd?: boolean;
  /** Threads of the engine's kernel pool (1: none). */
  kernelPoolThreads?: number;
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

export type { StepProfile };
