/**
 * WebAssembly SIMD kernels for conv2d and its two gradients (NHWC), assembled with the tiny assembler of
 * assembler.ts and instantiated on the wasm backend's own memory (pointers are byte offsets into its heap).
 * Each call handles one filter tap (kh, kw) of one image over a rectangle of output positions: `rows` output rows
 * of `cnt` positions; x / dx positions step `xps` bytes within a row and `xrs` bytes between rows (stride and
 * dilation are folded into these by the caller), dy is contiguous in a row ([.., cout]) with `dyrs` bytes between rows.
 *
 *  - fgrad16 / fgrad4(x, dy, out, rows, cnt, xps, xrs, dyrs, cin, cout): filter gradient of one tap,
 *      out[ci, co] += sum over the positions of x[p, ci] * dy[p, co]; register-blocked 2 input channels x 16 (or 4)
 *      output channels (8 or 2 v128 accumulators), cout a multiple of 16 (or 4). Any cin.
 *  - tapGemm16 / tapGemm4(src, m, dst, rows, cnt, sps, srs, dps, drs, nr, nv): one tap as a scatter GEMM,
 *      dst[p, v] += sum_{r < nr} src[p, r] * m[r, v] (src positions step sps/srs bytes, dst positions dps/drs); nv
 *      a multiple of 16 (or 4), register-blocked 2 positions x 16 (or 4) channels. The input gradient is dst = dx, src = dy, m = the tap's filter transposed to
 *      [cout, cin]; the forward conv is dst = y, src = x, m = the tap's filter as stored ([cin, cout]).
 * Im2col-free: the GEMM reads x and dy in place (the GEMM view of a conv gradient, as in Chellapilla et al. 2006,
 * "High Performance Convolutional Neural Networks for Document Processing", without materialising the columns).
 */
import { I, I32, V128, ifThen, isSharedMemory, loop, moduleBytes, wasmApi, type Code, type Fn, type WasmApi } from './assembler';
import { accelOptions } from '../options';
import type { KernelFn, PoolModule } from '../pool/kernel-pool';

const g = I.get;
/** v128.load32_splat: one float broadcast to 4 lanes (memarg align 2). */
const splatLoad = (off = 0): Code => [0xfd, 0x09, 2, off];
const ltU: Code = [0x49];

/**
 * acc += s * d (all v128 locals): f32x4.mul + f32x4.add, or with `fma` the relaxed-SIMD f32x4.relaxed_madd
 * (s * d + acc, fused where the CPU has FMA: Chrome 114+; Node 20 only with --experimental-wasm-relaxed-simd).
 */
function mac(fma: boolean, acc: number, s: number, d: number): Code {
  return fma
    ? [...g(s), ...g(d), ...g(acc), 0xfd, 0x85, 0x02, ...I.set(acc)]
    : [...g(acc), ...g(s), ...g(d), ...I.fmul, ...I.fadd, ...I.set(acc)];
}

/** Filter gradient of one tap; Q v128 per output-channel block (4: cout % 16 == 0, 1: cout % 4 == 0). */
export function fgrad(q: number, fma: boolean): Fn {
  const [x, dy, out, rows, cnt, xps, xrs, dyrs, cin, cout] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [ci, co, r, j, px, pd, coutb, po, pxr, pdr, po1] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const acc = Array.from({ length: 2 * q }, (_, i) => 21 + i);
  const [s0, s1, d] = [21 + 2 * q, 22 + 2 * q, 23 + 2 * q];
  const tile = (t: number): Code => {
    const a = (tt: number, qq: number) => acc[tt * q + qq];
    const rowPtr = (tt: number) => (tt === 0 ? po : po1);
    const inner: Code = [
      ...(t === 2 ? [...g(px), ...splatLoad(0), ...I.set(s0), ...g(px), ...splatLoad(4), ...I.set(s1)] : [...g(px), ...splatLoad(0), ...I.set(s0)]),
      ...Array.from({ length: q }, (_, qq) => [
        ...g(pd), ...I.vload(16 * qq), ...I.set(d),
        ...mac(fma, a(0, qq), s0, d),
        ...(t === 2 ? mac(fma, a(1, qq), s1, d) : []),
      ]).flat(),
      ...g(px), ...g(xps), ...I.add, ...I.set(px),
      ...g(pd), ...g(coutb), ...I.add, ...I.set(pd),
    ];
    return [
      ...g(out), ...g(ci), ...g(coutb), ...I.mul, ...I.add, ...g(co), ...I.add, ...I.set(po),
      ...g(po), ...g(coutb), ...I.add, ...I.set(po1),
      ...Array.from({ length: t }, (_, tt) => Array.from({ length: q }, (_, qq) => [...g(rowPtr(tt)), ...I.vload(16 * qq), ...I.set(a(tt, qq))]).flat()).flat(),
      ...g(x), ...g(ci), ...I.i32(4), ...I.mul, ...I.add, ...I.set(pxr),
      ...g(dy), ...g(co), ...I.add, ...I.set(pdr),
      ...loop(r, I.i32(0), g(rows), I.i32(1), [
        ...g(pxr), ...I.set(px), ...g(pdr), ...I.set(pd),
        ...loop(j, I.i32(0), g(cnt), I.i32(1), inner),
        ...g(pxr), ...g(xrs), ...I.add, ...I.set(pxr),
        ...g(pdr), ...g(dyrs), ...I.add, ...I.set(pdr),
      ]),
      ...Array.from({ length: t }, (_, tt) => Array.from({ length: q }, (_, qq) => [...g(rowPtr(tt)), ...g(a(tt, qq)), ...I.vstore(16 * qq)]).flat()).flat(),
    ];
  };
  const body: Code = [
    ...g(cout), ...I.i32(4), ...I.mul, ...I.set(coutb),
    ...loop(co, I.i32(0), g(coutb), I.i32(16 * q), [
      ...loop(ci, I.i32(0), [...g(cin), ...I.i32(1), ...I.sub], I.i32(2), tile(2)),
      ...ifThen([...g(ci), ...g(cin), ...ltU], tile(1)),
    ]),
  ];
  return {
    name: `fgrad${4 * q}`, params: new Array<number>(10).fill(I32), results: [],
    locals: [...new Array<number>(11).fill(I32), ...new Array<number>(2 * q + 3).fill(V128)], body,
  };
}

/**
 * One tap as a scatter GEMM (input gradient and forward conv); Q v128 per block of the vector axis:
 * dst[p, v] += sum_r src[p, r] * m[r, v] over the call's positions p, two positions at a time (each m load
 * feeds both), then the odd one.
 */
function tapGemm(q: number, fma: boolean): Fn {
  const [src, m, dst, rows, cnt, sps, srs, dps, drs, nr, nv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [vb, pc, r, j, ps, pd, nvb, pm, psr, pdr, pe, pc1, pd1] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
  const acc = Array.from({ length: 2 * q }, (_, i) => 24 + i);
  const [s0, s1, d] = [24 + 2 * q, 25 + 2 * q, 26 + 2 * q];
  /** The vb loop for `np` (1 or 2) positions starting at ps / pd. */
  const tile = (np: number): Code => {
    const a = (pp: number, qq: number) => acc[pp * q + qq];
    const dstPtr = (pp: number) => (pp === 0 ? pd : pd1);
    return [
      ...g(ps), ...g(nr), ...I.i32(4), ...I.mul, ...I.add, ...I.set(pe),
      ...g(pd), ...g(dps), ...I.add, ...I.set(pd1),
      ...loop(vb, I.i32(0), g(nvb), I.i32(16 * q), [
        ...Array.from({ length: np }, (_, pp) => Array.from({ length: q }, (_, qq) =>
          [...g(dstPtr(pp)), ...g(vb), ...I.add, ...I.vload(16 * qq), ...I.set(a(pp, qq))]).flat()).flat(),
        ...g(m), ...g(vb), ...I.add, ...I.set(pm),
        ...g(ps), ...g(sps), ...I.add, ...I.set(pc1),
        ...loop(pc, g(ps), g(pe), I.i32(4), [
          ...g(pc), ...splatLoad(0), ...I.set(s0),
          ...(np === 2 ? [...g(pc1), ...splatLoad(0), ...I.set(s1)] : []),
          ...Array.from({ length: q }, (_, qq) => [
            ...g(pm), ...I.vload(16 * qq), ...I.set(d),
            ...mac(fma, a(0, qq), s0, d),
            ...(np === 2 ? mac(fma, a(1, qq), s1, d) : []),
          ]).flat(),
          ...g(pm), ...g(nvb), ...I.add, ...I.set(pm),
          ...(np === 2 ? [...g(pc1), ...I.i32(4), ...I.add, ...I.set(pc1)] : []),
        ]),
        ...Array.from({ length: np }, (_, pp) => Array.from({ length: q }, (_, qq) =>
          [...g(dstPtr(pp)), ...g(vb), ...I.add, ...g(a(pp, qq)), ...I.vstore(16 * qq)]).flat()).flat(),
      ]),
    ];
  };
  const body: Code = [
    ...g(nv), ...I.i32(4), ...I.mul, ...I.set(nvb),
    ...g(src), ...I.set(psr), ...g(dst), ...I.set(pdr),
    ...loop(r, I.i32(0), g(rows), I.i32(1), [
      ...g(psr), ...I.set(ps), ...g(pdr), ...I.set(pd),
      ...loop(j, I.i32(0), [...g(cnt), ...I.i32(1), ...I.sub], I.i32(2), [
        ...tile(2),
        ...g(ps), ...g(sps), ...I.add, ...g(sps), ...I.add, ...I.set(ps),
        ...g(pd), ...g(dps), ...I.add, ...g(dps), ...I.add, ...I.set(pd),
      ]),
      ...ifThen([...g(j), ...g(cnt), ...ltU], tile(1)),
      ...g(psr), ...g(srs), ...I.add, ...I.set(psr),
      ...g(pdr), ...g(drs), ...I.add, ...I.set(pdr),
    ]),
  ];
  return {
    name: `tapGemm${4 * q}`, params: new Array<number>(11).fill(I32), results: [],
    locals: [...new Array<number>(13).fill(I32), ...new Array<number>(2 * q + 3).fill(V128)], body,
  };
}

type FilterTap = (x: number, dy: number, out: number, rows: number, cnt: number, xps: number, xrs: number, dyrs: number, cin: number, cout: number) => void;
type GemmTap = (src: number, m: number, dst: number, rows: number, cnt: number, sps: number, srs: number, dps: number, drs: number, nr: number, nv: number) => void;

export interface ConvGradSimd {
  fgrad16: FilterTap; fgrad4: FilterTap; tapGemm16: GemmTap; tapGemm4: GemmTap;
  /** Whether these use relaxed-SIMD FMA (results then differ from mul + add in the last bits). */
  fma: boolean;
  /** The four kernels in CONV_FN order: the function table of a lane list run on this thread (pool/kernel-pool.ts). */
  table: KernelFn[];
}

/** The kernels' function ids in a lane list (pool/kernel-pool.ts), and their export names, in module order. */
export const CONV_FN = { fgrad16: 0, fgrad4: 1, tapGemm16: 2, tapGemm4: 3 } as const;
export const CONV_NAMES = ['fgrad16', 'fgrad4', 'tapGemm16', 'tapGemm4'] as const;

/**
 * The exact module the kernels are instantiated from (imports `env.memory`, shared or not; exports CONV_NAMES in
 * CONV_FN order): a kernel pool's helpers instantiate these same bytes on the same shared memory.
 */
export function convSimdModule(fma: boolean, shared: boolean): PoolModule {
  return { bytes: moduleBytes([fgrad(4, fma), fgrad(1, fma), tapGemm(4, fma), tapGemm(1, fma)], shared), functions: CONV_NAMES };
}

const cache = new WeakMap<object, Map<boolean, ConvGradSimd | null>>();

function instantiate(api: WasmApi, memory: object, fma: boolean): ConvGradSimd | null {
  const { bytes } = convSimdModule(fma, isSharedMemory(memory));
  try {
    const mod = new api.Module(bytes);
    const e = new api.Instance(mod, { env: { memory } }).exports as unknown as Omit<ConvGradSimd, 'fma' | 'table'>;
    return {
      fgrad16: e.fgrad16, fgrad4: e.fgrad4, tapGemm16: e.tapGemm16, tapGemm4: e.tapGemm4, fma,
      table: [e.fgrad16, e.fgrad4, e.tapGemm16, e.tapGemm4] as KernelFn[],
    };
  } catch {
    return null; // no (relaxed) SIMD support
  }
}

/**
 * The conv kernels bound to `memory` (a WebAssembly.Memory): with relaxed-SIMD FMA where the engine has it (and
 * accelOptions().fma), else plain SIMD; null when SIMD WebAssembly is unavailable (callers then fall back).
 */
export function convGradSimdFor(memory: object | undefined): ConvGradSimd | null {
  if (memory == null) return null;
  const api = wasmApi();
  if (!api) return null;
  const perMode = cache.get(memory) ?? new Map<boolean, ConvGradSimd | null>();
  cache.set(memory, perMode);
  const get = (fma: boolean): ConvGradSimd | null => {
    if (!perMode.has(fma)) perMode.set(fma, instantiate(api, memory, fma));
    return perMode.get(fma) ?? null;
  };
  return (accelOptions().fma ? get(true) : null) ?? get(false);
}

/**
 * A standalone instance with its own memory, for tests and benchmarks; `shared` makes it a shared memory (maximum =
 * `pages`), as the threaded wasm build's heap is, so a kernel pool can run on it.
 */
export function convGradSimdStandalone(pages = 64, shared = false): { kernels: ConvGradSimd; heap: () => Float32Array; memory: { buffer: ArrayBufferLike } } | null {
  const api = wasmApi();
  if (!api) return null;
  const memory = new api.Memory(shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages });
  const k = convGradSimdFor(memory);
  return k ? { kernels: k, heap: () => new Float32Array(memory.buffer), memory } : null;
}
