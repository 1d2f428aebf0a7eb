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
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { createProbeWorkload } from '../src/engine/profiler/probe';
import { install as installAccel, startKernelPool as startAccelKernelPool, type HelperPort } from '../src/engine/accel';
import type { BackendChoice, BackendName, BackendProbe, BackendReport } from '../src/protocol/backend';
import type { DeviceFingerprint } from '../src/engine/profiler/fingerprint';
import { BACKEND_ORDER } from '../src/protocol/backend';
import { withTimeout } from './timeout';

// The .wasm binaries are bundled by Vite and served by the app itself (and precached by the service worker).
// Threads: tfjs's threaded SIMD build needs SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP/COEP, served by
// vite.config.ts in dev and preview, and kept by the service worker's precache). Its pthread workers run the Emscripten
// factory from its source text; vite.config.ts's tfjsWasmThreads plugin keeps that text runnable after minification
// (ARCHITECTURE.md, "WASM threads"). If threads still do not start, initialisation falls back to one thread.
// initWasm sets WASM_HAS_MULTITHREAD_SUPPORT before every WASM start, after asking tfjs's own feature test.

/** More XNNPACK threads than this buy little for the small networks trained here, and each app worker has its own pool. */
const MAX_WASM_THREADS = 4;
/** How long the threaded WASM build may take to start its pthread workers before we fall back to one thread. */
const WASM_THREADS_TIMEOUT_MS = 30_000;
/** How long the engine's kernel pool may take to start its helper threads before its kernels stay on one thread. */
const KERNEL_POOL_TIMEOUT_MS = 15_000;

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

/**
 * How long navigator.gpu.requestAdapter() may take. A wedged GPU process can leave it unanswered for ever, and every
 * backend choice (WASM forced included) asks it for the report: without a limit the whole worker would wait.
 */
const GPU_ADAPTER_TIMEOUT_MS = 20_000;

async function webgpuAvailability(): Promise<Availability> {
  if (!('gpu' in navigator) || !navigator.gpu) return { available: false, software: false, detail: 'this browser exposes no WebGPU (navigator.gpu is missing)' };
  const adapter = await withTimeout(navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }), GPU_ADAPTER_TIMEOUT_MS);
  if (adapter === 'timeout') return { available: false, software: false, detail: `navigator.gpu.requestAdapter() did not answer within ${GPU_ADAPTER_TIMEOUT_MS / 1000} s` };
  if (!adapter) return { available: false, software: false, detail: 'navigator.gpu.requestAdapter() returned no adapter' };
  // `info` (Chrome 127+) replaced requestAdapterInfo(); isFallbackAdapter moved onto it in newer versions.
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  const fallback = Boolean(info?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const detail = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' / ') || 'unknown adapter';
  return { available: true, software: fallback || SOFTWARE_RENDERER.test(detail), detail: fallback ? `${detail} (fallback adapter)` : detail };
}

async function initBackend(name: BackendName, wasm: WasmStartOptions = {}): Promise<boolean> {
  if (name === 'wasm') return initWasm(wasm);
  return setBackendSafely(name);
}

async function setBackendSafely(name: BackendName): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * The WASM thread count this worker asks for, and why: half the logical cores (SMT siblings share one core's SIMD
 * units, and the UI thread and the app's other workers need the rest), but at least 2 (so a dual-core device gains
 * from isolation) and at most MAX_WASM_THREADS.
 */
export function plannedWasmThreads(isolated: boolean, cores: number, allowed = true): { threads: number; reason: string } {
  if (!allowed) return { threads: 1, reason: 'threads switched off for this worker (WASM option threads: false), so WASM runs on 1 thread' };
  if (!isolated) return { threads: 1, reason: 'page is not cross-origin isolated (no SharedArrayBuffer), so WASM runs on 1 thread' };
  if (cores < 2) return { threads: 1, reason: 'this device reports 1 logical core, so WASM runs on 1 thread' };
  const threads = Math.min(MAX_WASM_THREADS, Math.max(2, Math.ceil(cores / 2)));
  return { threads, reason: `cross-origin isolated: ${threads} WASM threads (${cores} logical cores: half of them, 2 to ${MAX_WASM_THREADS})` };
}

/**
 * tfjs-backend-wasm caps XNNPACK's thread pool at navigator.hardwareConcurrency / 2, read by the module while it
 * starts; to get `threads` it is shown twice that many cores during the start, then the real value again.
 */
function showCoresWhileStarting(threads: number): () => void {
  const own = Object.getOwnPropertyDescriptor(navigator, 'hardwareConcurrency');
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  return () => {
    if (own) Object.defineProperty(navigator, 'hardwareConcurrency', own);
    else delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  };
}

/**
 * How a worker starts WASM: the app's workers take the defaults; the benchmark's worker (bench/browser/worker.ts)
 * passes its variants to initBackendByName. The backend starts once per worker, so only the first WASM
 * initialisation reads them.
 */
export interface WasmStartOptions {
  /** Threads when the page is cross-origin isolated (default true); false keeps WASM on one thread (the benchmark's single-threaded twin). */
  readonly threads?: boolean;
  /**
   * The engine's conv kernels on a thread pool when WASM runs threaded (default true); false keeps them on the
   * worker's thread (the benchmark's "tfjs threads without the pool" variant).
   */
  readonly kernelPool?: boolean;
  /**
   * XNNPACK threads of the threaded build (default: XNNPACK_THREADS_WITH_POOL next to the kernel pool, else the
   * planned count); e.g. 1: tfjs's kernels on one thread, the engine's conv kernels on the pool's planned count.
   */
  readonly xnnpackThreads?: number;
}

/**
 * The threaded build IMPORTS its shared memory instead of exporting it, so `wasm.asm.memory`, where the engine's own
 * WebAssembly-SIMD kernels (src/engine/accel/) find the heap, is missing and they would
 * fall back to plain JS. The exports object is frozen: a copy with the memory added takes its place (Emscripten's
 * wrappers read functions from it lazily, and get the same functions).
 */
function exposeSharedHeap(): void {
  const w = (tf.backend() as unknown as { wasm?: { asm?: Record<string, unknown>; wasmMemory?: object } }).wasm;
  if (w?.asm && w.asm.memory == null && w.wasmMemory != null) w.asm = { ...w.asm, memory: w.wasmMemory };
}

/** Threads of the engine's kernel pool once it runs (1 before, or without one). */
let kernelPoolThreads = 1;

/**
 * XNNPACK (tfjs's own wasm kernels) gets ONE thread when the engine's kernel pool is allowed: the threaded build is
 * started for its shared heap, and the pool splits the engine's kernels, which do most of the work in these training
 * steps. Measured in Chromium on 2 cores (bench/browser/threads-ab.ts, bench/RESULTS.md): with 2
 * XNNPACK threads next to the pool the small-CNN step took 0.78-0.80x the one-thread time and DARTS cell steps
 * 1.14-1.17x (XNNPACK's spinning threads compete for the cores); with 1 XNNPACK thread 0.72-0.77x and 0.99-1.02x.
 * Devices with more cores are unmeasured.
 */
const XNNPACK_THREADS_WITH_POOL = 1;

/** A kernel-pool helper as a Blob-URL worker (its source is a plain string, so bundling cannot break it). */
function spawnBlobHelper(urls: string[]): (source: string) => HelperPort {
  return (source) => {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    urls.push(url);
    const w = new Worker(url, { name: 'engine-kernel-pool' });
    return {
      postMessage: (m) => w.postMessage(m),
      onMessage: (cb) => { w.onmessage = (e: MessageEvent) => cb(e.data); },
      onError: (cb) => { w.onerror = (e) => { e.preventDefault(); cb(e.message || 'the helper script failed to load'); }; },
      terminate: () => w.terminate(),
    };
  };
}

/**
 * With threaded WASM (a shared heap), starts the engine's kernel pool of `threads` threads (this one included) on the
 * heap (src/engine/accel/pool/); returns the text for the backend report. Any failure leaves the kernels on this
 * thread and says why.
 */
async function startKernelPool(threads: number, allowed: boolean): Promise<string> {
  if (!allowed) return "the engine's conv kernels on 1 thread (kernel pool switched off for this worker)";
  const urls: string[] = [];
  try {
    const pool = await startAccelKernelPool({
      backend: tf.backend(), threads, spawn: spawnBlobHelper(urls), timeoutMs: KERNEL_POOL_TIMEOUT_MS,
      sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    });
    if (!pool) return "the engine's conv kernels on 1 thread";
    kernelPoolThreads = pool.threads;
    return `the engine's conv kernels on ${pool.threads} threads`;
  } catch (e) {
    return `the engine's conv kernels on 1 thread (${e instanceof Error ? e.message : String(e)})`;
  } finally {
    for (const u of urls) URL.revokeObjectURL(u);
  }
}

/** Why the WASM backend runs on the thread count it does; set by the first WASM initialisation in this worker. */
let wasmThreadsReason: string | undefined;
let wasmInit: Promise<boolean> | null = null;

/**
 * Initialises the WASM backend once per worker: threaded when the page is cross-origin isolated and has cores to
 * spare, else single-threaded. A threaded start that fails or does not finish within WASM_THREADS_TIMEOUT_MS falls
 * back to one thread (a hung start is abandoned: tfjs ignores a backend promise superseded by a later one). `options`
 * count only on the first call.
 */
function initWasm(options: WasmStartOptions): Promise<boolean> {
  if (wasmInit) return wasmInit.then((ok) => (ok ? setBackendSafely('wasm') : false));
  const { threads: threadsAllowed = true, kernelPool = true, xnnpackThreads: xnnpackOverride } = options;
  wasmInit = (async () => {
    let plan = plannedWasmThreads(self.crossOriginIsolated, navigator.hardwareConcurrency ?? 1, threadsAllowed);
    // tfjs's feature test: SharedArrayBuffer can be posted and WebAssembly validates atomics.
    if (plan.threads >= 2 && !(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) {
      plan = { threads: 1, reason: "this browser's WebAssembly has no threads (atomics / shared memory), so WASM runs on 1 thread" };
    }
    if (plan.threads >= 2) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      const xnnpackThreads = xnnpackOverride ?? (kernelPool ? XNNPACK_THREADS_WITH_POOL : plan.threads);
      setThreadsCount(xnnpackThreads);
      const restoreCores = showCoresWhileStarting(xnnpackThreads);
      // A pthread worker that fails to load re-throws in this worker (Emscripten's worker.onerror): caught here, it
      // ends the wait at once instead of reaching the page as an uncaught worker error.
      let pthreadError: string | undefined;
      let failFast: (() => void) | undefined;
      const onError = (e: ErrorEvent) => {
        e.preventDefault();
        // Emscripten re-throws the pthread's own ErrorEvent; its message names the real failure.
        pthreadError ??= (e.error instanceof ErrorEvent ? e.error.message : undefined) ?? (e.message || 'unknown error');
        failFast?.();
      };
      self.addEventListener('error', onError);
      const outcome = await withTimeout(Promise.race([
        setBackendSafely('wasm').then((ok) => (ok ? 'ok' as const : 'failed' as const)),
        new Promise<'failed'>((resolve) => { failFast = () => resolve('failed'); }),
      ]), WASM_THREADS_TIMEOUT_MS);
      restoreCores();
      // Late errors of the abandoned pthreads are still swallowed for a while, then the listener goes.
      setTimeout(() => self.removeEventListener('error', onError), outcome === 'ok' ? 0 : WASM_THREADS_TIMEOUT_MS);
      if (outcome === 'ok') exposeSharedHeap();
      if (outcome === 'ok' && (getThreadsCount() >= 2 || getThreadsCount() === xnnpackThreads)) {
        const xnnpackNote = xnnpackThreads === plan.threads ? ''
          : xnnpackOverride == null ? `; tfjs's own kernels on ${getThreadsCount()} thread (faster next to the pool, measured on 2 cores)`
            : ` (XNNPACK overridden to ${getThreadsCount()})`;
        wasmThreadsReason = `${plan.reason}${xnnpackNote}; ${await startKernelPool(plan.threads, kernelPool)}`;
        return true;
      }
      wasmThreadsReason = outcome === 'timeout'
        ? `threaded WASM did not start within ${WASM_THREADS_TIMEOUT_MS / 1000} s, so it fell back to 1 thread`
        : outcome === 'failed'
          ? `threaded WASM failed to initialise${pthreadError ? ` (${pthreadError})` : ''}, so it fell back to 1 thread`
          : `threaded WASM started with ${getThreadsCount()} thread(s) instead of ${plan.threads}`;
      if (outcome === 'ok') return true;
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      setThreadsCount(1);
      return setBackendSafely('wasm');
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmThreadsReason = plan.reason;
    return setBackendSafely('wasm');
  })();
  return wasmInit;
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
  // The most threads WASM work runs on: the engine's kernel pool, or XNNPACK's.
  return { simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), threads: Math.max(getThreadsCount(), kernelPoolThreads) };
}

function wasmDetail(f: { simd: boolean; threads: number }): string {
  return `SIMD ${f.simd ? 'on' : 'off'}, ${f.threads} thread(s)${wasmThreadsReason ? `: ${wasmThreadsReason}` : ''}`;
}

/** A GPU backend this worker can no longer use: which one, and what the browser said. */
export interface BackendLoss {
  readonly backend: 'webgpu' | 'webgl';
  /** One sentence for the run record: "The webgpu backend was lost (the GPU device was destroyed: ...)." */
  readonly message: string;
}

/**
 * Calls `onLost` once if the GPU behind the current tfjs backend goes away: the WebGPU device (its `lost` promise:
 * driver reset, GPU removed, device destroyed) or the WebGL context (`webglcontextlost` on tfjs's canvas, or a
 * context already lost). tfjs keeps handing out that dead backend in this worker, so the job must stop and the
 * app start a fresh worker. Nothing to watch on WASM or CPU. Returns a function that stops watching.
 */
export function watchBackendLoss(onLost: (loss: BackendLoss) => void): () => void {
  let live = true;
  const lost = (loss: BackendLoss) => {
    if (!live) return;
    live = false;
    onLost(loss);
  };
  const name = tf.getBackend();
  if (name === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    void device?.lost.then((info) => lost({
      backend: 'webgpu',
      message: `The webgpu backend was lost (the GPU device was ${info.reason === 'destroyed' ? 'destroyed' : 'lost'}${info.message ? `: ${info.message}` : ''}).`,
    }));
    return () => { live = false; };
  }
  if (name === 'webgl') {
    // tfjs's context, on its OffscreenCanvas in a worker (an EventTarget: webglcontextlost is fired there).
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: { readonly canvas?: EventTarget; isContextLost(): boolean } } }).gpgpu?.gl;
    const canvas = gl?.canvas;
    if (!gl || !canvas) return () => { live = false; };
    const loss: BackendLoss = { backend: 'webgl', message: 'The webgl backend was lost (the browser took the WebGL context away: webglcontextlost).' };
    const onEvent = () => lost(loss);
    canvas.addEventListener('webglcontextlost', onEvent);
    if (gl.isContextLost()) queueMicrotask(onEvent);
    return () => {
      live = false;
      canvas.removeEventListener('webglcontextlost', onEvent);
    };
  }
  return () => { live = false; };
}

export async function selectBackend(choice: BackendChoice): Promise<BackendReport> {
  installAccel();
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
    detail: features ? `SIMD ${features.simd ? 'on' : 'off'}, ${features.threads} thread(s)` : undefined,
  });
  note({ name: 'cpu', available: true, reason: chosen === 'cpu' ? (choice === 'cpu' ? 'forced by you' : 'chosen: nothing faster initialised') : 'not chosen: plain-JS kernels are the slowest' });
  if (!(await initBackend(chosen))) throw new Error(`The ${chosen} backend failed to initialise`);
  await tf.ready();
  return {
    chosen,
    forced: choice !== 'auto',
    probes: BACKEND_ORDER.map((n) => probes.get(n)!),
    wasmFeatures: features,
    wasmThreadsReason,
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
    return { name, available: true, software: false, detail: wasmDetail(f), wasmFeatures: f };
  }
  return { name, available: true, software: false, detail: 'plain JavaScript kernels' };
}

/**
 * Makes `name` the current tfjs backend (with the training kernels installed, as selectBackend does) and says
 * whether it is usable and whether it runs in software. Unlike selectBackend it measures nothing and never
 * falls back to another backend. `wasm`: how WASM starts if this is the worker's first WASM initialisation
 * (the benchmark's variants; the app's workers leave it out).
 */
export async function initBackendByName(name: BackendName, wasm: WasmStartOptions = {}): Promise<BackendAvailability> {
  installAccel();
  if (name === 'webgpu') {
    const gpu = await webgpuAvailability().catch((e: unknown): Availability => ({ available: false, software: false, detail: `WebGPU check failed: ${String(e)}` }));
    if (!gpu.available) return { name, ...gpu };
    if (!(await initBackend('webgpu'))) return { name, available: false, software: gpu.software, detail: `failed to initialise (${gpu.detail})` };
    await tf.ready();
    return { name, ...gpu };
  }
  if (!(await initBackend(name, wasm))) {
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
