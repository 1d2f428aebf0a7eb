/** What the worker found out about the tfjs backends on this device (shown in the UI). */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
export type BackendChoice = BackendName | 'auto';

export interface BackendProbe {
  readonly name: BackendName;
  /** Could the backend be initialised at all? */
  readonly available: boolean;
  /** Chosen, or why it was passed over ("software fallback adapter", "slower than wasm in the probe"...). */
  readonly reason: string;
  /** Median ms of the probe workload (a small conv net training step), when it ran. */
  readonly probeMs?: number;
  /** Adapter / renderer details where the backend reports them. */
  readonly detail?: string;
}

export interface BackendReport {
  readonly chosen: BackendName;
  readonly forced: boolean;
  readonly probes: readonly BackendProbe[];
  /** WASM: SIMD and thread count actually in use. */
  readonly wasmFeatures?: { readonly simd: boolean; readonly threads: number };
  /** Why WASM runs on that many threads (not isolated, one core, threaded start timed out...), once WASM was set up. */
  readonly wasmThreadsReason?: string;
  readonly crossOriginIsolated: boolean;
}

/**
 * What a worker sends when the GPU behind its backend is lost (a WebGPU device, a WebGL context): tfjs in that
 * worker would hand the dead backend out again, so the app replaces the worker before its next call.
 */
export type BackendLostEvent = {
  readonly type: 'backend-lost';
  readonly backend: 'webgpu' | 'webgl';
  readonly message: string;
};
