/**
 * A tiny WebAssembly assembler (no toolchain needed): the opcodes the engine's SIMD kernels use, structured loops, and
 * the byte layout of a module that imports one memory (`env.memory`, shared or not) and exports its functions in
 * order. Every SIMD module of this folder (fused, conv, winograd, elementwise) is built from it at run time, so the
 * kernel pool's helper threads can instantiate the very same bytes on the same shared memory.
 * Encoding per the WebAssembly core specification (binary format, LEB128 integers) and the SIMD / relaxed-SIMD
 * proposals' opcodes.
 */
export type Code = number[];

export function uleb(v: number): number[] {
  const out: number[] = [];
  let x = v >>> 0;
  do {
    let b = x & 0x7f;
    x >>>= 7;
    if (x !== 0) b |= 0x80;
    out.push(b);
  } while (x !== 0);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  let x = v | 0;
  for (;;) {
    const b = x & 0x7f;
    x >>= 7;
    if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

const simd = (opcode: number): Code => [0xfd, ...uleb(opcode)];
export const I = {
  get: (i: number): Code => [0x20, ...uleb(i)],
  set: (i: number): Code => [0x21, ...uleb(i)],
  tee: (i: number): Code => [0x22, ...uleb(i)],
  i32: (v: number): Code => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  geS: [0x4e],
  leS: [0x4c],
  select: [0x1b],
  vselect: [0x1c, 0x01, V128],
  f32div: [0x95],
  f32conv: [0xb2],
  f32one: [0x43, 0x00, 0x00, 0x80, 0x3f],
  feq: simd(0x41),
  fgt: simd(0x44),
  ltU: [0x49],
  i32f32load: (off = 0): Code => [0x2a, 2, ...uleb(off)],
  vand: simd(0x4e),
  vandnot: simd(0x4f),
  vor: simd(0x50),
  fmax: simd(0xe9),
  f32add: [0x92],
  f32load: (off = 0): Code => [0x2a, 2, ...uleb(off)],
  f32store: (off = 0): Code => [0x38, 2, ...uleb(off)],
  f32reinterpret: [0xbe],
  vload: (off = 0): Code => [...simd(0x00), 0, ...uleb(off)],
  vstore: (off = 0): Code => [...simd(0x0b), 0, ...uleb(off)],
  splat: simd(0x13),
  lane: (l: number): Code => [...simd(0x1f), l],
  fadd: simd(0xe4),
  fsub: simd(0xe5),
  fmul: simd(0xe6),
  vzero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
};

/** for (i = start; i < end; i += step) body — `end` is evaluated every iteration. */
export function loop(i: number, start: Code, end: Code, step: Code, body: Code): Code {
  return [
    ...start, ...I.set(i),
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...I.get(i), ...end, ...I.geS, 0x0d, 1, // br_if 1 (exit)
    ...body,
    ...I.get(i), ...step, ...I.add, ...I.set(i),
    0x0c, 0, // br 0
    0x0b, 0x0b,
  ];
}

/** if (cond) body — `cond` leaves an i32 on the stack. */
export function ifThen(cond: Code, body: Code): Code {
  return [...cond, 0x04, 0x40, ...body, 0x0b];
}

export interface Fn { name: string; params: number[]; results: number[]; locals: number[]; body: Code }

export function moduleBytes(fns: Fn[], shared: boolean): Uint8Array {
  const section = (id: number, payload: number[]) => [id, ...uleb(payload.length), ...payload];
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const str = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const types = vec(fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]));
  const limits = shared ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const imports = vec([[...str('env'), ...str('memory'), 0x02, ...limits]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]));
  const code = vec(fns.map((f) => {
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  }));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code),
  ]);
}

/** The part of the WebAssembly JS API the engine uses (a JS global, not a DOM or Node API). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBuffer };
}

/** globalThis.WebAssembly, or undefined where the engine has none. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/** Whether `memory` (a WebAssembly.Memory) is shared: its buffer is a SharedArrayBuffer. */
export function isSharedMemory(memory: object): boolean {
  const buffer = (memory as { buffer?: unknown }).buffer;
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}
