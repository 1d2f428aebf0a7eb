/** Messages between the benchmark page (main.ts) and its dedicated worker (worker.ts). */
import type { StepProfile, WorkloadSpec } from '../workloads';

export type BrowserBackend = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

export type WorkerRequest =
  | { id: number; cmd: 'init'; backend: BrowserBackend; wasmThreads: boolean }
  | { id: number; cmd: 'setup'; key: string; spec: WorkloadSpec }
  | { id: number; cmd: 'run'; key: string; warmup: number; steps: number; maxSeconds: number; startIndex: number }
  | { id: number; cmd: 'profile'; key: string }
  | { id: number; cmd: 'infer'; key: string; reps: number }
  | { id: number; cmd: 'dispose'; key: string };

export interface InitInfo {
  backend: string;
  ok: boolean;
  detail: string;
  crossOriginIsolated: boolean;
  wasmThreads?: number;
  wasmSimd?: boolean;
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

export type { StepProfile };
