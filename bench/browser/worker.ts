/**
 * Dedicated worker of the benchmark page: selects a tfjs backend and runs bench/workloads.ts on it, as the app's
 * search worker would (same engine, same training kernels). Not part of the app bundle.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { accelStatus, install, setAccelOptions } from '../../src/engine/accel';
// WASM is set up exactly as in the app's workers (binaries, thread count, threaded-start timeout and fallback).
import { initBackendByName } from '../../workers/backend';
import { createWorkload, profileKernels, type Workload } from '../workloads';
import { createGpuStep, type GpuStepCase } from '../gpu-steps';
import { runGpuChecks } from '../gpu-check';
import { countDispatches } from './dispatch-count';
import type { DispatchCount, InitInfo, WorkerReply, WorkerRequest } from './protocol';

const workloads = new Map<string, Workload>();

async function init(backend: string, wasmThreads: boolean, kernelPool: boolean, xnnpackThreads?: number, winograd = true): Promise<InitInfo> {
  setAccelOptions({ winograd: { enabled: winograd } });
  if (backend === 'wasm') {
    // The benchmark's variants are options of this worker's (first and only) WASM start.
    const a = await initBackendByName('wasm', { threads: wasmThreads, kernelPool, xnnpackThreads });
    if (!a.available) return { backend, ok: false, detail: a.detail, crossOriginIsolated: self.crossOriginIsolated };
    install();
    // Our own WebAssembly-SIMD kernels (src/engine/accel/) run on tfjs's wasm heap; the pooled ones on the kernel pool
    // when threaded WASM started one (workers/backend.ts), the rest on this thread.
    const s = accelStatus(tf.backend());
    return {
      backend, ok: true, crossOriginIsolated: self.crossOriginIsolated,
      wasmThreads: a.wasmFeatures?.threads, wasmSimd: a.wasmFeatures?.simd, kernelPoolThreads: s.poolThreads,
      detail: `${a.detail}; own SIMD kernels ${s.simd ? 'on' : 'OFF'} (heap ${s.heap})`,
    };
  }
  let detail = '';
  if (backend === 'webgpu') {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, unknown> } | null> } }).gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    if (!adapter) return { backend, ok: false, detail: 'no WebGPU adapter', crossOriginIsolated: self.crossOriginIsolated };
    const info = adapter.info ?? {};
    detail = ['vendor', 'architecture', 'device', 'description'].map((k) => info[k]).filter(Boolean).join(' / ')
      + (info.isFallbackAdapter ? ' (fallback adapter: software)' : '');
  }
  const ok = await tf.setBackend(backend).catch(() => false);
  if (!ok) return { backend, ok: false, detail: `tf.setBackend('${backend}') failed`, crossOriginIsolated: self.crossOriginIsolated };
  await tf.ready();
  install();
  if (backend === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } }).gpgpu?.gl;
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    detail = gl ? String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : 'unknown renderer';
  }
  return { backend, ok: true, detail, crossOriginIsolated: self.crossOriginIsolated };
}

async function dispatchesOf(c: GpuStepCase): Promise<DispatchCount> {
  const step = createGpuStep(c);
  try {
    await step.step(); // warm-up: weights uploaded, pipelines compiled
    // One step both counted and profiled (profiling times kernels but dispatches each program exactly once).
    let loss = NaN;
    const { dispatches, result: profile } = await countDispatches(() => profileKernels(async () => { loss = await step.step(); }));
    return { label: step.label, dispatches, kernels: profile.kernels, topKernels: profile.topKernels, loss };
  } finally {
    step.dispose();
  }
}

function get(key: string): Workload {
  const w = workloads.get(key);
  if (!w) throw new Error(`no workload ${key}`);
  return w;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.cmd) {
    case 'init':
      return init(req.backend, req.wasmThreads, req.kernelPool ?? true, req.xnnpackThreads, req.winograd ?? true);
    case 'setup': {
      workloads.get(req.key)?.dispose();
      const w = createWorkload(req.spec);
      workloads.set(req.key, w);
      return { loss: await w.loss() };
    }
    case 'run': {
      const w = get(req.key);
      for (let i = 0; i < req.warmup; i++) await w.step(req.startIndex + i);
      const times: number[] = [];
      const losses: number[] = [];
      const start = performance.now();
      for (let i = 0; i < req.steps; i++) {
        const t0 = performance.now();
        losses.push(await w.step(req.startIndex + req.warmup + i));
        times.push(performance.now() - t0);
        if (performance.now() - start > req.maxSeconds * 1000 && times.length >= 2) break;
      }
      return { times, losses, numTensors: tf.memory().numTensors };
    }
    case 'profile':
      return get(req.key).profileStep(0);
    case 'infer': {
      const w = get(req.key);
      await w.infer();
      const times: number[] = [];
      for (let i = 0; i < req.reps; i++) {
        const t0 = performance.now();
        await w.infer();
        times.push(performance.now() - t0);
      }
      return { times };
    }
    case 'dispatches':
      return dispatchesOf(req.case);
    case 'gpu-check':
      return runGpuChecks();
    case 'dispose':
      workloads.get(req.key)?.dispose();
      workloads.delete(req.key);
      return { numTensors: tf.memory().numTensors };
  }
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  let reply: WorkerReply;
  try {
    reply = { id: req.id, ok: true, value: await handle(req) };
  } catch (err) {
    reply = { id: req.id, ok: false, error: err instanceof Error ? `${err.message}` : String(err) };
  }
  (self as unknown as Worker).postMessage(reply);
};
