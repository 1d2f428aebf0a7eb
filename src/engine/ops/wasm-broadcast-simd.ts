/**
 * WebAssembly-SIMD binary ops with one operand broadcast over a middle block of axes (a bias or a BN scale over
 * channels: [C] against [N, H, W, C]; a mean's gradient: [N, 1, 1, C] against [N, H, W, C]), assembled with
 * fused-wasm.ts and instantiated on the wasm backend's own memory:
 *   bc<op>(f, b, out, outer, mid, innerBytes): out[o, m, i] = f[o, m, i] op b[o, i]   (op: Add, Sub, Mul, Div)
 *   bc<op>L(...):                              out[o, m, i] = b[o, i] op f[o, m, i]   (the non-commutative ones)
 * with innerBytes a multiple of 16. tfjs 4.22's wasm kernels take a scalar per-element index path for broadcasting
 * (~4x slower than the same op on equal shapes, measured: bias add over [64, 24, 24, 32] 0.9 ms vs relu 0.23 ms).
 */
import { I, I32, V128, loop, moduleBytes, type Code, type Fn } from './fused-wasm';

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

type BcFn = (f: number, b: number, out: number, outer: number, mid: number, innerBytes: number) => void;
export type BroadcastSimd = Readonly<Record<string, BcFn>>;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const cache = new WeakMap<object, BroadcastSimd | null>();

/** The kernels bound to `memory` (a WebAssembly.Memory); null without SIMD WebAssembly. Names: bcAdd, bcSubL, ... */
export function broadcastSimdFor(memory: object | undefined): BroadcastSimd | null {
  if (memory == null) return null;
  if (cache.has(memory)) return cache.get(memory) ?? null;
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  let out: BroadcastSimd | null = null;
  if (api) {
    const buffer = (memory as { buffer: unknown }).buffer;
    const shared = typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
    const fns = (Object.keys(BROADCAST_OPS) as BroadcastOp[]).flatMap((op) => [bc(op, false), bc(op, true)]);
    try {
      out = new api.Instance(new api.Module(moduleBytes(fns, shared)), { env: { memory } }).exports as unknown as BroadcastSimd;
    } catch {
      out = null;
    }
  }
  cache.set(memory, out);
  return out;
}
