/**
 * What a latency number belongs to: the backend, the adapter or renderer behind it, the WASM build in use, and
 * the browser and machine it ran on. A lookup table is only valid for the fingerprint it was measured on.
 * The engine has no DOM: the worker gathers these (navigator.userAgent, hardwareConcurrency, adapter info)
 * and passes them in.
 */
export interface DeviceFingerprint {
  /** tfjs backend name: webgpu, webgl, wasm or cpu. */
  readonly backend: string;
  /** WebGPU adapter info, WebGL renderer string, or a description of the CPU backend ('wasm', 'js'). */
  readonly adapter: string;
  /** The backend runs on a software renderer / fallback adapter (SwiftShader, llvmpipe...). */
  readonly software: boolean;
  /** WASM backend only: SIMD in use and thread count; null elsewhere. */
  readonly wasmSimd: boolean | null;
  readonly wasmThreads: number | null;
  readonly userAgent: string;
  readonly hardwareConcurrency: number;
  /** @tensorflow/tfjs-core version (kernels change between versions). */
  readonly tfjsVersion: string;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Stable short key: `backend:hash` of every field in a fixed order. */
export function fingerprintKey(fp: DeviceFingerprint): string {
  const canonical = JSON.stringify([fp.backend, fp.adapter, fp.software, fp.wasmSimd, fp.wasmThreads, fp.userAgent, fp.hardwareConcurrency, fp.tfjsVersion]);
  return `${fp.backend}:${fnv1a(canonical)}`;
}

/** Fields in which two fingerprints differ (empty when they are the same device and backend). */
export function fingerprintDiff(a: DeviceFingerprint, b: DeviceFingerprint): string[] {
  const keys: (keyof DeviceFingerprint)[] = ['backend', 'adapter', 'software', 'wasmSimd', 'wasmThreads', 'userAgent', 'hardwareConcurrency', 'tfjsVersion'];
  return keys.filter((k) => a[k] !== b[k]);
}

/** One line for people: "wasm (SIMD, 1 thread) on 16 cores, tfjs 4.22.0". */
export function describeFingerprint(fp: DeviceFingerprint): string {
  const wasm = fp.wasmSimd === null ? '' : ` (${fp.wasmSimd ? 'SIMD' : 'no SIMD'}, ${fp.wasmThreads ?? 1} thread${fp.wasmThreads === 1 ? '' : 's'})`;
  const adapter = fp.adapter && fp.adapter !== fp.backend ? `, ${fp.adapter}` : '';
  return `${fp.backend}${wasm}${adapter}${fp.software ? ' [software]' : ''}, ${fp.hardwareConcurrency} cores, tfjs ${fp.tfjsVersion}`;
}
