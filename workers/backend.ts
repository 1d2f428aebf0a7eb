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
import type { DeviceFingerprint } from '../src/engine/profiler/fingerprint';
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

/** One backend on this device, as the profiler sees it. */
export interface BackendAvailability {
  readonly name: BackendName;
  readonly available: boolean;
  /** A GPU backend on a software renderer or fallback adapter (SwiftShader, llvmpipe...). */
  readonly software: boolean;
  /** Adapter / renderer / WASM features, or why the backend is unavailable. */
  readonly detail: string;
  readonly wasmFeatures?: { readonly simd: boolean; readonly threads: number };
}

/** Describes `name`, which must be the current (initialised) tfjs backend. */
async function describeCurrent(name: BackendName): Promise<BackendAvailability> {
  if (name === 'webgpu') {
    const gpu = await webgpuAvailability().catch((e: unknown): Availability => ({ available: false, software: false, detail: `WebGPU check failed: ${String(e)}` }));
    return { name, ...gpu, available: true };
  }
  if (name === 'webgl') {
    const r = webglRenderer();
    return { name, available: true, software: SOFTWARE_RENDERER.test(r), detail: r };
  }
  if (name === 'wasm') {
    const f = await wasmFeatures();
    return { name, available: true, software: false, detail: `SIMD ${f.simd ? 'on' : 'off'}, ${f.threads} thread(s)`, wasmFeatures: f };
  }
  return { name, available: true, software: false, detail: 'plain JavaScript kernels' };
}

/**
 * Makes `name` the current tfjs backend (with the training kernels installed, as selectBackend does) and says
 * whether it is usable and whether it runs in software. Unlike selectBackend it measures nothing and never
 * falls back to another backend.
 */
export async function initBackendByName(name: BackendName): Promise<BackendAvailability> {
  installTrainingKernels();
  if (name === 'webgpu') {
    const gpu = await webgpuAvailability().catch((e: unknown): Availability => ({ available: false, software: false, detail: `WebGPU check failed: ${String(e)}` }));
    if (!gpu.available) return { name, ...gpu };
    if (!(await initBackend('webgpu'))) return { name, available: false, software: gpu.software, detail: `failed to initialise (${gpu.detail})` };
    await tf.ready();
    return { name, ...gpu };
  }
  if (!(await initBackend(name))) {
    const why = name === 'webgl' ? 'WebGL2 could not be initialised in this worker (no OffscreenCanvas or no GL context)' : 'failed to initialise';
    return { name, available: false, software: false, detail: why };
  }
  await tf.ready();
  return describeCurrent(name);
}

/** The device fingerprint latency tables are keyed by, for an available backend. */
export function fingerprintOf(a: BackendAvailability): DeviceFingerprint {
  return {
    backend: a.name,
    adapter: a.name === 'wasm' ? 'wasm' : a.name === 'cpu' ? 'js' : a.detail,
    software: a.software,
    wasmSimd: a.wasmFeatures?.simd ?? null,
    wasmThreads: a.wasmFeatures?.threads ?? null,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency ?? 1,
    tfjsVersion: tf.version_core,
  };
}

/**
 * This device's fingerprint on the CURRENT backend (e.g. the one selectBackend chose), without switching
 * backends: what the search worker needs to find a latency table built by the profile worker.
 */
export async function deviceFingerprint(name: BackendName): Promise<DeviceFingerprint> {
  if (tf.getBackend() !== name) throw new Error(`deviceFingerprint: ${name} is not the current backend (${tf.getBackend()} is)`);
  return fingerprintOf(await describeCurrent(name));
}
