/**
 * Backend selection for the workers: WebGPU first, then WebGL, WASM, CPU — but not blindly. A software
 * fallback adapter (isFallbackAdapter, SwiftShader, llvmpipe) is passed over, and a GPU backend that the
 * probe workload (a small conv-net training step) finds slower than WASM is passed over too. The user
 * may force any backend that initialises. The report says what was chosen and why the rest were not.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { createProbeWorkload } from '../src/engine/profiler/probe';
import { installTrainingKernels } from '../src/engine/kernels/install';
import type { BackendChoice, BackendName, BackendProbe, BackendReport } from '../src/protocol/backend';
import { BACKEND_ORDER } from '../src/protocol/backend';

// The .wasm binaries are bundled by Vite and served by the app itself (and precached by the service worker).
// tfjs 4.22's threaded WASM build starts its pthread workers from the *stringified* module factory,
// which breaks once a bundler has rewritten that factory: the pthreads fail to start and initialisation
// hangs. Until the threaded build is verified in our bundle (see ARCHITECTURE.md), run single-threaded SIMD.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

interface Availability {
  readonly available: boolean;
  readonly software: boolean;
  readonly detail: string;
}

async function webgpuAvailability(): Promise<Availability> {
  if (!('gpu' in navigator) || !navigator.gpu) return { available: false, software: false, detail: 'this browser exposes no WebGPU (navigator.gpu is missing)' };
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { available: false, software: false, detail: 'navigator.gpu.requestAdapter() returned no adapter' };
  // `info` (Chrome 127+) replaced requestAdapterInfo(); isFallbackAdapter moved onto it in newer versions.
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  const fallback = Boolean(info?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const detail = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' / ') || 'unknown adapter';
  return { available: true, software: fallback || SOFTWARE_RENDERER.test(detail), detail: fallback ? `${detail} (fallback adapter)` : detail };
}

async function initBackend(name: BackendName): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

function webglRenderer(): string {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } }).gpgpu?.gl;
    if (!gl) return 'unknown renderer';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  } catch {
    return 'unknown renderer';
  }
}

/** Median ms of a few probe steps on the current backend (after warm-up, which compiles kernels). */
async function probeCurrent(): Promise<number> {
  const work = createProbeWorkload(0);
  try {
    for (let i = 0; i < 2; i++) await work.step();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await work.step();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[2];
  } finally {
    work.dispose();
  }
}

async function wasmFeatures(): Promise<{ simd: boolean; threads: number }> {
  return { simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), threads: getThreadsCount() };
}

/**
 * Calls `onLost` once if the WebGPU device behind the current backend is lost (driver reset, GPU
 * removed, too many resources): later tfjs calls on that backend fail, so the session must stop and
 * the backend be selected again.
 */
export function watchDeviceLoss(onLost: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  void device?.lost.then((info) => onLost(`The GPU device was lost (${info.reason ?? 'unknown reason'}${info.message ? `: ${info.message}` : ''}).`));
}

export async function selectBackend(choice: BackendChoice): Promise<BackendReport> {
  installTrainingKernels();
  const probes = new Map<BackendName, BackendProbe>();
  const note = (p: BackendProbe) => probes.set(p.name, p);

  // Availability of every backend, cheapest checks first.
  const gpu = await webgpuAvailability().catch((e: unknown): Availability => ({ available: false, software: false, detail: `WebGPU check failed: ${String(e)}` }));
  const glOk = await initBackend('webgl');
  const gl: Availability = glOk
    ? (() => { const r = webglRenderer(); return { available: true, software: SOFTWARE_RENDERER.test(r), detail: r }; })()
    : { available: false, software: false, detail: 'WebGL2 could not be initialised in this worker (no OffscreenCanvas or no GL context)' };
  const wasmOk = await initBackend('wasm');
  const wasmProbe = wasmOk ? await probeCurrent() : undefined;
  const features = wasmOk ? await wasmFeatures() : undefined;

  let chosen: BackendName | null = null;
  if (choice !== 'auto') {
    const avail = choice === 'webgpu' ? gpu.available : choice === 'webgl' ? gl.available : choice === 'wasm' ? wasmOk : true;
    if (avail && (await initBackend(choice))) chosen = choice;
    else throw new Error(`The ${choice} backend is not available on this device: ${choice === 'webgpu' ? gpu.detail : choice === 'webgl' ? gl.detail : 'initialisation failed'}`);
  }

  for (const [name, a] of [['webgpu', gpu], ['webgl', gl]] as const) {
    if (choice !== 'auto') {
      note({ name, available: a.available, reason: name === chosen ? `forced by you${a.software ? ' (software renderer: correct but slow)' : ''}` : 'not chosen: another backend was forced', detail: a.detail });
      continue;
    }
    if (!a.available) { note({ name, available: false, reason: 'unavailable', detail: a.detail }); continue; }
    if (a.software) { note({ name, available: true, reason: 'passed over: software renderer, slower than WASM', detail: a.detail }); continue; }
    if (chosen) { note({ name, available: true, reason: `not needed: ${chosen} was chosen first`, detail: a.detail }); continue; }
    if (!(await initBackend(name))) { note({ name, available: false, reason: 'failed to initialise', detail: a.detail }); continue; }
    const ms = await probeCurrent();
    if (wasmProbe !== undefined && ms >= wasmProbe) {
      note({ name, available: true, reason: `passed over: probe step ${ms.toFixed(1)} ms vs WASM ${wasmProbe.toFixed(1)} ms`, probeMs: ms, detail: a.detail });
    } else {
      chosen = name;
      note({ name, available: true, reason: `chosen: probe step ${ms.toFixed(1)} ms${wasmProbe !== undefined ? ` vs WASM ${wasmProbe.toFixed(1)} ms` : ''}`, probeMs: ms, detail: a.detail });
    }
  }
  if (!chosen && wasmOk) chosen = 'wasm';
  if (!chosen) chosen = 'cpu';
  note({
    name: 'wasm',
    available: wasmOk,
    reason: chosen === 'wasm' ? (choice === 'wasm' ? 'forced by you' : 'chosen: fastest available backend in the probe') : wasmOk ? `not chosen: ${chosen} is ${choice === 'auto' ? 'faster' : 'forced'}` : 'failed to initialise',
    probeMs: wasmProbe,
    detail: features ? `SIMD ${features.simd ? 'on' : 'off'}, ${features.threads} thread(s)${self.crossOriginIsolated ? '' : ' (page is not cross-origin isolated: no threads)'}` : undefined,
  });
  note({ name: 'cpu', available: true, reason: chosen === 'cpu' ? (choice === 'cpu' ? 'forced by you' : 'chosen: nothing faster initialised') : 'not chosen: plain-JS kernels are the slowest' });
  if (!(await initBackend(chosen))) throw new Error(`The ${chosen} backend failed to initialise`);
  await tf.ready();
  return {
    chosen,
    forced: choice !== 'auto',
    probes: BACKEND_ORDER.map((n) => probes.get(n)!),
    wasmFeatures: features,
    crossOriginIsolated: self.crossOriginIsolated,
  };
}
