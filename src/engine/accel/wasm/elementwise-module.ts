/**
 * WebAssembly-SIMD element-wise kernels, assembled with assembler.ts and instantiated on the wasm backend's own memory
 * (and, on a shared heap, on the kernel pool's threads as module 'elementwise': calls on disjoint ranges split a big op):
 *  - binary ops with one operand broadcast over a middle block of axes (a bias or a BN scale over channels: [C]
 *    against [N, H, W, C]; a mean's gradient: [N, 1, 1, C] against [N, H, W, C]):
 *      bc<op>(f, b, out, outer, mid, innerBytes): out[o, m, i] = f[o, m, i] op b[o, i]   (op: Add, Sub, Mul, Div)
 *      bc<op>L(...):                              out[o, m, i] = b[o, i] op f[o, m, i]   (the non-commutative ones)
 *    with innerBytes a multiple of 16. tfjs 4.22's wasm kernels take a scalar per-element index path for broadcasting
 *    (~4x slower than the same op on equal shapes, measured: bias add over [64, 24, 24, 32] 0.9 ms vs relu 0.23 ms);
 *  - reluGrad(dy, x, dx, n): dx = x > 0 ? dy : 0 in one pass (n a multiple of 4);
 *  - biasRelu and reluGradBiasSum: a conv's bias + ReLU epilogue and its gradient (kernels/wasm-conv-bias-relu.ts).
 */
import { I, I32, V128, isSharedMemory, loop, moduleBytes, wasmApi, type Code, type Fn } from './assembler';
import type { KernelFn } from '../pool/kernel-pool';

const g = I.get;
const fdiv: Code = [0xfd, 0xe7, 0x01];

export const BROADCAST_OPS = { Add: I.fadd, Sub: I.fsub, Mul: I.fmul, Div: fdiv } as const;
export type BroadcastOp = keyof typeof BROADCAST_OPS;

function bc(op: BroadcastOp, left: boolean): Fn {
  const [f, b, out, outer, mid, ib, o, m, i, pb] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const fv: Code = [...g(f), ...g(i), ...I.add, ...I.vload()];
  const bv: Code = [...g(pb), ...g(i), ...I.add, ...I.vload()];
  const body: Code = loop(o, I.i32(0), g(outer), I.i32(1), [
    ...g(b), ...g(o), ...g(ib), ...I.mul, ...I.add, ...I.set(pb),
    ...loop(m, I.i32(0), g(mid), I.i32(1), [
      ...loop(i, I.i32(0), g(ib), I.i32(16), [
        ...g(out), ...g(i), ...I.add, ...(left ? [...bv, ...fv] : [...fv, ...bv]), ...BROADCAST_OPS[op], ...I.vstore(),
      ]),
      ...g(f), ...g(ib), ...I.add, ...I.set(f),
      ...g(out), ...g(ib), ...I.add, ...I.set(out),
    ]),
  ]);
  return { name: `bc${op}${left ? 'L' : ''}`, params: new Array<number>(6).fill(I32), results: [], locals: new Array<number>(4).fill(I32), body };
}

/** reluGrad(dy, x, dx, n): dx = x > 0 ? dy : 0 (the comparison mask ANDed with dy). */
function reluGrad(): Fn {
  const [dy, x, dx, n, i, nb] = [0, 1, 2, 3, 4, 5];
  return {
    name: 'reluGrad', params: [I32, I32, I32, I32], results: [], locals: [I32, I32],
    body: [
      ...g(n), ...I.i32(4), ...I.mul, ...I.set(nb),
      ...loop(i, I.i32(0), g(nb), I.i32(16), [
        ...g(dx), ...g(i), ...I.add,
        ...g(dy), ...g(i), ...I.add, ...I.vload(),
        ...g(x), ...g(i), ...I.add, ...I.vload(), ...I.vzero, ...I.fgt,
        ...I.vand, ...I.vstore(),
      ]),
    ],
  };
}

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
export const ELEMENTWISE_FUNCTIONS: readonly string[] = [
  ...(Object.keys(BROADCAST_OPS) as BroadcastOp[]).flatMap((op) => [`bc${op}`, `bc${op}L`]), 'reluGrad', 'biasRelu', 'reluGradBiasSum',
];

/** The module's bytes (shared: importing a shared memory, as the kernel pool's helpers do). */
export function elementwiseModuleBytes(shared: boolean): Uint8Array {
  const fns = [...(Object.keys(BROADCAST_OPS) as BroadcastOp[]).flatMap((op) => [bc(op, false), bc(op, true)]), reluGrad(), biasRelu(), reluGradBiasSum()];
  if (fns.map((f) => f.name).join() !== ELEMENTWISE_FUNCTIONS.join()) throw new Error('elementwise module: function order');
  return moduleBytes(fns, shared);
}

export type ElementwiseSimd = Readonly<Record<string, KernelFn>>;

const cache = new WeakMap<object, ElementwiseSimd | null>();

/** The kernels bound to `memory` (a WebAssembly.Memory); null without SIMD WebAssembly. Names: bcAdd, bcSubL, ... */
export function elementwiseSimdFor(memory: object | undefined): ElementwiseSimd | null {
  if (memory == null) return null;
  if (cache.has(memory)) return cache.get(memory) ?? null;
  const api = wasmApi();
  let out: ElementwiseSimd | null = null;
  if (api) {
    try {
      out = new api.Instance(new api.Module(elementwiseModuleBytes(isSharedMemory(memory))), { env: { memory } }).exports as unknown as ElementwiseSimd;
    } catch {
      out = null;
    }
  }
  cache.set(memory, out);
  return out;
}
