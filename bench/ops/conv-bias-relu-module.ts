/**
 * The WebAssembly-SIMD module of the benchmark's conv + bias + ReLU layer (conv-bias-relu-kernels.ts), built with the
 * engine's assembler (src/engine/accel/wasm/assembler.ts) and instantiated on the wasm backend's own memory; on a shared
 * heap the kernel pool holds it too, as module 'conv-bias-relu' (registered by conv-bias-relu-kernels.ts):
 *  - biasRelu(x, b, out, rows, cb): the conv's bias + ReLU epilogue;
 *  - reluGradBiasSum(dy, y, dz, sums, rows, cb): its gradient, the ReLU's and the bias's in one pass.
 * Moved out of the engine's element-wise module (the app's models have no conv bias before a ReLU); the function
 * bodies are unchanged, so the results are the same bits.
 */
import { I, I32, V128, isSharedMemory, loop, moduleBytes, wasmApi, type Fn } from '../../src/engine/accel/wasm/assembler';
import type { KernelFn } from '../../src/engine/accel';

const g = I.get;

/** biasRelu(x, b, out, rows, cb): out[r, i] = max(x[r, i] + b[i], 0) over rows of cb bytes (a multiple of 16); out may be x. */
function biasRelu(): Fn {
  const [x, b, out, rows, cb, r, i] = [0, 1, 2, 3, 4, 5, 6];
  return {
    name: 'biasRelu', params: new Array<number>(5).fill(I32), results: [], locals: [I32, I32],
    body: loop(r, I.i32(0), g(rows), I.i32(1), [
      ...loop(i, I.i32(0), g(cb), I.i32(16), [
        ...g(out), ...g(i), ...I.add,
        ...g(x), ...g(i), ...I.add, ...I.vload(), ...g(b), ...g(i), ...I.add, ...I.vload(), ...I.fadd,
        ...I.vzero, ...I.fmax, ...I.vstore(),
      ]),
      ...g(x), ...g(cb), ...I.add, ...I.set(x),
      ...g(out), ...g(cb), ...I.add, ...I.set(out),
    ]),
  };
}

/**
 * reluGradBiasSum(dy, y, dz, sums, rows, cb): dz = y > 0 ? dy : 0 over rows of cb bytes, and sums[i] = Σ_r dz[r, i]
 * (overwritten): the gradient through a ReLU and of the bias before it, in one pass (y is the ReLU's output).
 */
function reluGradBiasSum(): Fn {
  const [dy, y, dz, sums, rows, cb, r, i, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  return {
    name: 'reluGradBiasSum', params: new Array<number>(6).fill(I32), results: [], locals: [I32, I32, V128],
    body: [
      ...loop(i, I.i32(0), g(cb), I.i32(16), [...g(sums), ...g(i), ...I.add, ...I.vzero, ...I.vstore()]),
      ...loop(r, I.i32(0), g(rows), I.i32(1), [
        ...loop(i, I.i32(0), g(cb), I.i32(16), [
          ...g(dy), ...g(i), ...I.add, ...I.vload(),
          ...g(y), ...g(i), ...I.add, ...I.vload(), ...I.vzero, ...I.fgt, ...I.vand, ...I.set(v),
          ...g(dz), ...g(i), ...I.add, ...g(v), ...I.vstore(),
          ...g(sums), ...g(i), ...I.add, ...g(sums), ...g(i), ...I.add, ...I.vload(), ...g(v), ...I.fadd, ...I.vstore(),
        ]),
        ...g(dy), ...g(cb), ...I.add, ...I.set(dy),
        ...g(y), ...g(cb), ...I.add, ...I.set(y),
        ...g(dz), ...g(cb), ...I.add, ...I.set(dz),
      ]),
    ],
  };
}

/** The module's functions in module order (function ids of a kernel-pool lane list). */
export const CONV_BIAS_RELU_FUNCTIONS: readonly string[] = ['biasRelu', 'reluGradBiasSum'];

/** The module's bytes (shared: importing a shared memory, as the kernel pool's helpers do). */
export function convBiasReluModuleBytes(shared: boolean): Uint8Array {
  const fns = [biasRelu(), reluGradBiasSum()];
  if (fns.map((f) => f.name).join() !== CONV_BIAS_RELU_FUNCTIONS.join()) throw new Error('conv + bias + ReLU module: function order');
  return moduleBytes(fns, shared);
}

export type ConvBiasReluSimd = Readonly<Record<string, KernelFn>>;

const cache = new WeakMap<object, ConvBiasReluSimd | null>();

/** The kernels bound to `memory` (a WebAssembly.Memory); null without SIMD WebAssembly. */
export function convBiasReluSimdFor(memory: object | undefined): ConvBiasReluSimd | null {
  if (memory == null) return null;
  if (cache.has(memory)) return cache.get(memory) ?? null;
  const api = wasmApi();
  let out: ConvBiasReluSimd | null = null;
  if (api) {
    try {
      out = new api.Instance(new api.Module(convBiasReluModuleBytes(isSharedMemory(memory))), { env: { memory } }).exports as unknown as ConvBiasReluSimd;
    } catch {
      out = null;
    }
  }
  cache.set(memory, out);
  return out;
}
