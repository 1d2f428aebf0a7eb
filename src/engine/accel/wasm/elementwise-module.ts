/**
 * WebAssembly-SIMD element-wise kernels, assembled with assembler.ts and instantiated on the wasm backend's own memory
 * (and, on a shared heap, on the kernel pool's threads as module 'elementwise': calls on disjoint ranges split a big op):
 *  - binary ops with one operand broadcast over a middle block of axes (a bias or a BN scale over channels: [C]
 *    against [N, H, W, C]; a mean's gradient: [N, 1, 1, C] against [N, H, W, C]):
 *      bc<op>(f, b, out, outer, mid, innerBytes): out[o, m, i] = f[o, m, i] op b[o, i]   (op: Add, Sub, Mul, Div)
 *      bc<op>L(...):                              out[o, m, i] = b[o, i] op f[o, m, i]   (the non-commutative ones)
 *    with innerBytes a multiple of 16. tfjs 4.22's wasm kernels take a scalar per-element index path for broadcasting
 *    (~4x slower than the same op on equal shapes, measured: bias add over [64, 24, 24, 32] 0.9 ms vs relu 0.23 ms);
 *  - reluGrad(dy, x, dx, n): dx = x > 0 ? dy : 0 in one pass (n a multiple of 4).
 */
import { I, I32, isSharedMemory, loop, moduleBytes, wasmApi, type Code, type Fn } from './assembler';
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

/** The module's functions in module order (function ids of a kernel-pool lane list). */
export const ELEMENTWISE_FUNCTIONS: readonly string[] = [
  ...(Object.keys(BROADCAST_OPS) as BroadcastOp[]).flatMap((op) => [`bc${op}`, `bc${op}L`]), 'reluGrad',
];

/** The module's bytes (shared: importing a shared memory, as the kernel pool's helpers do). */
export function elementwiseModuleBytes(shared: boolean): Uint8Array {
  const fns = [...(Object.keys(BROADCAST_OPS) as BroadcastOp[]).flatMap((op) => [bc(op, false), bc(op, true)]), reluGrad()];
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
