/**
 * Winograd minimal filtering F(m x m, 3x3) for m = 2 and 4 as WebAssembly-SIMD kernels (Lavin & Gray 2016, "Fast
 * Algorithms for Convolutional Neural Networks"), assembled with assembler.ts and instantiated on the wasm backend's
 * own memory.
 *
 * A 3x3 stride-1 conv computes each m x m output tile from an α x α input patch d (α = m + 2) as Y = Aᵀ [U ⊙ V] A with
 * V = Bᵀ d B (input transform) and U = G g Gᵀ (filter transform), where ⊙ is, per transform position ξ (α² of them),
 * a [tiles x cin] . [cin x cout] GEMM: α² x cin x cout multiplies per tile instead of 9 m² x cin x cout (F(2x2): 2.25x
 * fewer, F(4x4): 4x fewer, with larger transforms and rounding error). The filter gradient is the adjoint:
 * dU[ξ] = Σ_tiles V[ξ]ᵀ dM[ξ] with dM = A dY Aᵀ, and dg = Gᵀ dU G. The matrices are TILINGS below.
 *
 * Kernels (pointers are byte offsets into the heap; all vectorised over channels, 4 per v128, so the channel count is a
 * multiple of 4; transform planes are laid out [ξ][tile][channel], `plane` = tiles x channels x 4 bytes apart). Per
 * tiling, with prefix P = 'wg' (F(2x2)) or 'wg4' (F(4x4)):
 *  - P In(src, v, th, tw, rs, cb, plane):  V = Bᵀ d B for th x tw tiles (row stride rs bytes, cb = channels x 4 bytes a
 *      pixel); tile (ty, tx) reads rows m ty .. m ty + α - 1, the same columns
 *  - P Out(m, dst, th, tw, rs, cb, plane): dst m x m tiles = Aᵀ m A (overwrites dst; row stride rs)
 *  - P Adj(dy, dm, th, tw, rs, cb, plane): dM = A dY Aᵀ for the m x m tiles of dy (the adjoint of Out)
 *  - P Corr16 / P Corr4(src, u, dst, th, tw, rs, drs, nr, nv, v, m): one image's forward (or input-gradient)
 *      correlation, a row of tiles at a time (In of the row, the α² GEMMs, Out), so the row's V and M blocks
 *      ([α²][tw][nr], [α²][tw][nv]) stay in cache: transforming a whole image at once was memory-bound at 16 channels
 *  - P Fgrad16 / P Fgrad4(x, dy, du, th, tw, xrs, dyrs, cin, cout, v, m): du[ξ] += V[ξ]ᵀ (A dY Aᵀ)[ξ] over one image, a
 *      row of tiles at a time, with conv-module.ts's filter-gradient kernel (fgrad) compiled into this module
 * Shared: wgGemm16 / wgGemm4(a, b, c, rows, nr, nv): c = a . b for row-major a [rows][nr], b [nr][nv], c [rows][nv]
 * (overwrites c; nv a multiple of 16 or 4); wgZero(dst, bytes) and wgCopy(src, dst, rows, rowBytes, srs, drs) for the
 * zero-bordered scratch images, so a whole conv is a list of wasm calls (one lane per chunk of images, pool/kernel-pool.ts).
 *  - P Filt(w, u, nr, nv): U = G g Gᵀ for a filter [3][3][nr][nv]; P FiltGrad(du, out, cin, cout): dg = Gᵀ dU G;
 *      wgAccum(dst, src, bytes): dst += src (the filter gradient's per-chunk partial sums). In JS these transforms took
 *      0.2-2.3 ms a call at 16-64 channels, as long as a small conv itself.
 * filterToWinograd / winogradToFilterGrad at the end are the same transforms in float64 JS (tests' reference).
 */
import { I, I32, V128, isSharedMemory, loop, moduleBytes, wasmApi, type Code, type Fn, type WasmApi } from './assembler';
import { accelOptions } from '../options';
import type { KernelFn } from '../pool/kernel-pool';
import { fgrad } from './conv-module';

const g = I.get;
const vneg: Code = [0xfd, 0xe1, 0x01];
/** v128.load32_splat at a static byte offset. */
const splatLoad = (off: number): Code => [0xfd, 0x09, 2, off];
/** v128.const with x in all four lanes. */
function vconst(x: number): Code {
  return [0xfd, 0x0c, ...new Uint8Array(Float32Array.of(x, x, x, x).buffer)];
}

/** acc += s * d: relaxed-SIMD f32x4.relaxed_madd with `fma` (fused where the CPU has FMA), else mul + add. */
function mac(fma: boolean, acc: number, s: number, d: number): Code {
  return fma
    ? [...g(s), ...g(d), ...g(acc), 0xfd, 0x85, 0x02, ...I.set(acc)]
    : [...g(acc), ...g(s), ...g(d), ...I.fmul, ...I.fadd, ...I.set(acc)];
}

/** A Winograd tiling F(m x m, 3x3): α = m + 2 and its three matrices (Lavin & Gray 2016). */
export interface Tiling {
  readonly m: number;
  readonly alpha: number;
  readonly BT: readonly (readonly number[])[];
  readonly G: readonly (readonly number[])[];
  readonly AT: readonly (readonly number[])[];
  readonly prefix: 'wg' | 'wg4';
}

export const F2: Tiling = {
  m: 2, alpha: 4, prefix: 'wg',
  BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
};

export const F4: Tiling = {
  m: 4, alpha: 6, prefix: 'wg4',
  BT: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
  G: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
  AT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
};

export const TILINGS: readonly Tiling[] = [F2, F4];

/** Code leaving Σ_j coefs[j] * term(j) (v128) on the stack: ±1 as add / sub, other constants multiplied in. */
function lin(coefs: readonly number[], term: (j: number) => Code): Code {
  let code: Code | null = null;
  coefs.forEach((c, j) => {
    if (c === 0) return;
    const t = Math.abs(c) === 1 ? term(j) : [...term(j), ...vconst(Math.abs(c)), ...I.fmul];
    code = code == null ? (c < 0 ? [...t, ...vneg] : t) : [...code, ...t, ...(c < 0 ? I.fsub : I.fadd)];
  });
  return code ?? I.vzero;
}

/** The three loops over tiles and 4-channel groups shared by the transforms. */
const tileLoops = (ty: number, tx: number, c4: number, th: number, tw: number, cb: number, body: Code): Code =>
  loop(ty, I.i32(0), g(th), I.i32(1), loop(tx, I.i32(0), g(tw), I.i32(1), loop(c4, I.i32(0), g(cb), I.i32(16), body)));

/** dst = base + (ty*m)*rs + (tx*m)*cb + c4 (an image tile's first pixel), or the plane slot ptr + (ty*tw + tx)*cb + c4. */
const tileAt = (base: number, ty: number, tx: number, c4: number, rs: number, cb: number, m: number, into: number): Code => [
  ...g(base), ...g(ty), ...I.i32(m), ...I.mul, ...g(rs), ...I.mul, ...I.add,
  ...g(tx), ...I.i32(m), ...I.mul, ...g(cb), ...I.mul, ...I.add, ...g(c4), ...I.add, ...I.set(into),
];
const slotAt = (base: number, ty: number, tx: number, c4: number, tw: number, cb: number, into: number): Code => [
  ...g(base), ...g(ty), ...g(tw), ...I.mul, ...g(tx), ...I.add, ...g(cb), ...I.mul, ...I.add, ...g(c4), ...I.add, ...I.set(into),
];

/** V = Bᵀ d B per tile and 4-channel group. */
function transformIn(t: Tiling): Fn {
  const A = t.alpha;
  const [src, v, th, tw, rs, cb, plane] = [0, 1, 2, 3, 4, 5, 6];
  const [ty, tx, c4, base, p, q] = [7, 8, 9, 10, 11, 12];
  const a = Array.from({ length: A }, (_, i) => 13 + i);
  const u = (r: number, j: number) => 13 + A + r * A + j;
  const row = (r: number): Code => [
    ...g(base), ...(r > 0 ? [...g(rs), ...I.i32(r), ...I.mul, ...I.add] : []), ...I.set(p),
    ...a.flatMap((ai, c) => [...g(p), ...I.vload(), ...I.set(ai), ...(c < A - 1 ? [...g(p), ...g(cb), ...I.add, ...I.set(p)] : [])]),
    // u[r] = d[r] B
    ...Array.from({ length: A }, (_, j) => [...lin(t.BT[j], (c) => g(a[c])), ...I.set(u(r, j))]).flat(),
  ];
  const stores: Code = Array.from({ length: A * A }, (_, k) => {
    const [i, j] = [Math.floor(k / A), k % A];
    return [...g(q), ...lin(t.BT[i], (r) => g(u(r, j))), ...I.vstore(), ...(k < A * A - 1 ? [...g(q), ...g(plane), ...I.add, ...I.set(q)] : [])];
  }).flat();
  const body = tileLoops(ty, tx, c4, th, tw, cb, [
    ...tileAt(src, ty, tx, c4, rs, cb, t.m, base), ...slotAt(v, ty, tx, c4, tw, cb, q),
    ...Array.from({ length: A }, (_, r) => row(r)).flat(), ...stores,
  ]);
  return { name: `${t.prefix}In`, params: new Array<number>(7).fill(I32), results: [], locals: [...new Array<number>(6).fill(I32), ...new Array<number>(A + A * A).fill(V128)], body };
}

/** dst tile = Aᵀ m A per tile and 4-channel group. */
function transformOut(t: Tiling): Fn {
  const [A, m] = [t.alpha, t.m];
  const [mm, dst, th, tw, rs, cb, plane] = [0, 1, 2, 3, 4, 5, 6];
  const [ty, tx, c4, q, p] = [7, 8, 9, 10, 11];
  const M = (i: number, j: number) => 12 + i * A + j;
  const S = (k: number, j: number) => 12 + A * A + k * A + j;
  const loads: Code = Array.from({ length: A * A }, (_, k) => [
    ...g(q), ...I.vload(), ...I.set(12 + k), ...(k < A * A - 1 ? [...g(q), ...g(plane), ...I.add, ...I.set(q)] : []),
  ]).flat();
  // s = Aᵀ M (m x α), then y = s A (m x m)
  const sRows: Code = Array.from({ length: m * A }, (_, e) => {
    const [k, j] = [Math.floor(e / A), e % A];
    return [...lin(t.AT[k], (i) => g(M(i, j))), ...I.set(S(k, j))];
  }).flat();
  const stores: Code = Array.from({ length: m }, (_, k) => [
    ...Array.from({ length: m }, (_, l) => [
      ...g(p), ...(l > 0 ? [...I.i32(l), ...g(cb), ...I.mul, ...I.add] : []), ...lin(t.AT[l], (j) => g(S(k, j))), ...I.vstore(),
    ]).flat(),
    ...(k < m - 1 ? [...g(p), ...g(rs), ...I.add, ...I.set(p)] : []),
  ]).flat();
  const body = tileLoops(ty, tx, c4, th, tw, cb, [
    ...slotAt(mm, ty, tx, c4, tw, cb, q), ...loads, ...sRows, ...tileAt(dst, ty, tx, c4, rs, cb, m, p), ...stores,
  ]);
  return { name: `${t.prefix}Out`, params: new Array<number>(7).fill(I32), results: [], locals: [...new Array<number>(5).fill(I32), ...new Array<number>(A * A + m * A).fill(V128)], body };
}

/** dM = A dY Aᵀ per m x m tile of dy and 4-channel group. */
function transformAdj(t: Tiling): Fn {
  const [A, m] = [t.alpha, t.m];
  const [dy, dm, th, tw, rs, cb, plane] = [0, 1, 2, 3, 4, 5, 6];
  const [ty, tx, c4, p, q] = [7, 8, 9, 10, 11];
  const Y = (k: number, l: number) => 12 + k * m + l;
  const H = (i: number, l: number) => 12 + m * m + i * m + l;
  const col = (i: number) => t.AT.map((r) => r[i]); // column i of Aᵀ = row i of A
  const loads: Code = Array.from({ length: m }, (_, k) => [
    ...Array.from({ length: m }, (_, l) => [...g(p), ...(l > 0 ? [...I.i32(l), ...g(cb), ...I.mul, ...I.add] : []), ...I.vload(), ...I.set(Y(k, l))]).flat(),
    ...(k < m - 1 ? [...g(p), ...g(rs), ...I.add, ...I.set(p)] : []),
  ]).flat();
  // h = A dY (α x m), then dM = h Aᵀ (α x α)
  const hRows: Code = Array.from({ length: A * m }, (_, e) => {
    const [i, l] = [Math.floor(e / m), e % m];
    return [...lin(col(i), (k) => g(Y(k, l))), ...I.set(H(i, l))];
  }).flat();
  const stores: Code = Array.from({ length: A * A }, (_, k) => {
    const [i, j] = [Math.floor(k / A), k % A];
    return [...g(q), ...lin(col(j), (l) => g(H(i, l))), ...I.vstore(), ...(k < A * A - 1 ? [...g(q), ...g(plane), ...I.add, ...I.set(q)] : [])];
  }).flat();
  const body = tileLoops(ty, tx, c4, th, tw, cb, [
    ...tileAt(dy, ty, tx, c4, rs, cb, m, p), ...loads, ...slotAt(dm, ty, tx, c4, tw, cb, q), ...hRows, ...stores,
  ]);
  return { name: `${t.prefix}Adj`, params: new Array<number>(7).fill(I32), results: [], locals: [...new Array<number>(5).fill(I32), ...new Array<number>(m * m + A * m).fill(V128)], body };
}

/**
 * c = a . b (see the header): `np` rows x q v128 column blocks of accumulators (q = 4: nv % 16 == 0, q = 1: nv % 4 == 0),
 * the reduction loop not unrolled. Measured (Node 20, conv2 of the small CNN): 2 rows ~32 GFLOP/s (45 with FMA), 3 or 4
 * rows and a 2x-4x unrolled reduction 15-26 GFLOP/s (V8 then spills accumulators), so 2 rows, no unrolling.
 */
function wgGemm(q: number, fma: boolean): Fn {
  const NP = 2;
  const [a, b, c, rows, nr, nv] = [0, 1, 2, 3, 4, 5];
  const [p, vb, r, nvb, nrb, pb, pc] = [6, 7, 8, 9, 10, 11, 12];
  const pa = Array.from({ length: NP }, (_, i) => 13 + i);
  const v0 = 13 + NP;
  const acc = Array.from({ length: NP * q }, (_, i) => v0 + i);
  const sv = Array.from({ length: NP }, (_, i) => v0 + NP * q + i);
  const d = v0 + NP * q + NP;
  const tile = (np: number): Code => {
    const ac = (pp: number, qq: number) => acc[pp * q + qq];
    return loop(vb, I.i32(0), g(nvb), I.i32(16 * q), [
      ...Array.from({ length: np * q }, (_, i) => [...I.vzero, ...I.set(acc[i])]).flat(),
      // pa[i] = a + (p + i)*nr*4; pb = b + vb
      ...g(a), ...g(p), ...g(nrb), ...I.mul, ...I.add, ...I.set(pa[0]),
      ...Array.from({ length: np - 1 }, (_, i) => [...g(pa[i]), ...g(nrb), ...I.add, ...I.set(pa[i + 1])]).flat(),
      ...g(b), ...g(vb), ...I.add, ...I.set(pb),
      ...loop(r, I.i32(0), g(nr), I.i32(1), [
        ...Array.from({ length: np }, (_, i) => [...g(pa[i]), ...splatLoad(0), ...I.set(sv[i])]).flat(),
        ...Array.from({ length: q }, (_, qq) => [
          ...g(pb), ...I.vload(16 * qq), ...I.set(d),
          ...Array.from({ length: np }, (_, i) => mac(fma, ac(i, qq), sv[i], d)).flat(),
        ]).flat(),
        ...g(pb), ...g(nvb), ...I.add, ...I.set(pb),
        ...Array.from({ length: np }, (_, i) => [...g(pa[i]), ...I.i32(4), ...I.add, ...I.set(pa[i])]).flat(),
      ]),
      ...g(c), ...g(p), ...g(nvb), ...I.mul, ...I.add, ...g(vb), ...I.add, ...I.set(pc),
      ...Array.from({ length: np }, (_, pp) => [
        ...Array.from({ length: q }, (_, qq) => [...g(pc), ...g(ac(pp, qq)), ...I.vstore(16 * qq)]).flat(),
        ...(pp < np - 1 ? [...g(pc), ...g(nvb), ...I.add, ...I.set(pc)] : []),
      ]).flat(),
    ]);
  };
  const body: Code = [
    ...g(nv), ...I.i32(4), ...I.mul, ...I.set(nvb),
    ...g(nr), ...I.i32(4), ...I.mul, ...I.set(nrb),
    ...loop(p, I.i32(0), [...g(rows), ...I.i32(NP - 1), ...I.sub], I.i32(NP), tile(NP)),
    // the last rows % NP rows, one at a time
    ...loop(p, g(p), g(rows), I.i32(1), tile(1)),
  ];
  return {
    name: `wgGemm${4 * q}`, params: new Array<number>(6).fill(I32), results: [],
    locals: [...new Array<number>(7 + NP).fill(I32), ...new Array<number>(NP * q + NP + 1).fill(V128)], body,
  };
}

/** wgZero(dst, bytes): zeroes `bytes` (a multiple of 16) bytes at dst. */
function wgZero(): Fn {
  const [dst, bytes, i] = [0, 1, 2];
  return {
    name: 'wgZero', params: [I32, I32], results: [], locals: [I32],
    body: loop(i, I.i32(0), g(bytes), I.i32(16), [...g(dst), ...g(i), ...I.add, ...I.vzero, ...I.vstore()]),
  };
}

/** wgCopy(src, dst, rows, rowBytes, srs, drs): copies `rows` rows of rowBytes (a multiple of 16) bytes; row strides srs / drs. */
function wgCopy(): Fn {
  const [src, dst, rows, rowBytes, srs, drs, r, i] = [0, 1, 2, 3, 4, 5, 6, 7];
  return {
    name: 'wgCopy', params: new Array<number>(6).fill(I32), results: [], locals: [I32, I32],
    body: loop(r, I.i32(0), g(rows), I.i32(1), [
      ...loop(i, I.i32(0), g(rowBytes), I.i32(16), [...g(dst), ...g(i), ...I.add, ...g(src), ...g(i), ...I.add, ...I.vload(), ...I.vstore()]),
      ...g(src), ...g(srs), ...I.add, ...I.set(src),
      ...g(dst), ...g(drs), ...I.add, ...I.set(dst),
    ]),
  };
}

/** P Filt(w, u, nr, nv): U = G g Gᵀ for w [3][3][nr][nv] into u [α²][nr][nv], vectorised over nv (a multiple of 4). */
function transformFilter(t: Tiling): Fn {
  const A = t.alpha;
  const [w, u, nr, nv, r, v4, nvb, p] = [0, 1, 2, 3, 4, 5, 6, 7];
  const gIdx = (a: number, b: number) => 8 + a * 3 + b;
  const tIdx = (i: number, b: number) => 17 + i * 3 + b;
  const Gcol = (a: number) => [0, 1, 2].map((x) => t.G[a][x]); // row a of G
  const loads: Code = Array.from({ length: 9 }, (_, k) => [
    ...g(w), ...I.i32(k), ...g(nr), ...I.mul, ...g(r), ...I.add, ...g(nvb), ...I.mul, ...I.add, ...g(v4), ...I.add,
    ...I.vload(), ...I.set(gIdx(Math.floor(k / 3), k % 3)),
  ]).flat();
  // t = G g (α x 3), then U = t Gᵀ (α x α)
  const tRows: Code = Array.from({ length: A * 3 }, (_, e) => {
    const [i, b] = [Math.floor(e / 3), e % 3];
    return [...lin(Gcol(i), (a) => g(gIdx(a, b))), ...I.set(tIdx(i, b))];
  }).flat();
  const stores: Code = Array.from({ length: A * A }, (_, k) => {
    const [i, j] = [Math.floor(k / A), k % A];
    return [
      ...g(u), ...I.i32(k), ...g(nr), ...I.mul, ...g(r), ...I.add, ...g(nvb), ...I.mul, ...I.add, ...g(v4), ...I.add, ...I.set(p),
      ...g(p), ...lin(Gcol(j), (b) => g(tIdx(i, b))), ...I.vstore(),
    ];
  }).flat();
  const body: Code = [
    ...g(nv), ...I.i32(4), ...I.mul, ...I.set(nvb),
    ...loop(r, I.i32(0), g(nr), I.i32(1), loop(v4, I.i32(0), g(nvb), I.i32(16), [...loads, ...tRows, ...stores])),
  ];
  return { name: `${t.prefix}Filt`, params: [I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, ...new Array<number>(9 + 3 * A).fill(V128)], body };
}

/** P FiltGrad(du, out, cin, cout): dg = Gᵀ dU G for du [α²][cin][cout] into out [3][3][cin][cout], vectorised over cout. */
function transformFilterGrad(t: Tiling): Fn {
  const A = t.alpha;
  const [du, out, cin, cout, ci, c4, cb, p] = [0, 1, 2, 3, 4, 5, 6, 7];
  const dIdx = (i: number, j: number) => 8 + i * A + j;
  const hIdx = (a: number, j: number) => 8 + A * A + a * A + j;
  const Gt = (a: number) => t.G.map((row) => row[a]); // column a of G = row a of Gᵀ
  const loads: Code = Array.from({ length: A * A }, (_, k) => [
    ...g(du), ...I.i32(k), ...g(cin), ...I.mul, ...g(ci), ...I.add, ...g(cb), ...I.mul, ...I.add, ...g(c4), ...I.add,
    ...I.vload(), ...I.set(dIdx(Math.floor(k / A), k % A)),
  ]).flat();
  // h = Gᵀ dU (3 x α), then dg = h G (3 x 3)
  const hRows: Code = Array.from({ length: 3 * A }, (_, e) => {
    const [a, j] = [Math.floor(e / A), e % A];
    return [...lin(Gt(a), (i) => g(dIdx(i, j))), ...I.set(hIdx(a, j))];
  }).flat();
  const stores: Code = Array.from({ length: 9 }, (_, k) => {
    const [a, b] = [Math.floor(k / 3), k % 3];
    return [
      ...g(out), ...I.i32(k), ...g(cin), ...I.mul, ...g(ci), ...I.add, ...g(cb), ...I.mul, ...I.add, ...g(c4), ...I.add, ...I.set(p),
      ...g(p), ...lin(Gt(b), (j) => g(hIdx(a, j))), ...I.vstore(),
    ];
  }).flat();
  const body: Code = [
    ...g(cout), ...I.i32(4), ...I.mul, ...I.set(cb),
    ...loop(ci, I.i32(0), g(cin), I.i32(1), loop(c4, I.i32(0), g(cb), I.i32(16), [...loads, ...hRows, ...stores])),
  ];
  return { name: `${t.prefix}FiltGrad`, params: [I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, ...new Array<number>(A * A + 3 * A).fill(V128)], body };
}

/** wgAccum(dst, src, bytes): dst += src over `bytes` (a multiple of 16) bytes. */
function wgAccum(): Fn {
  const [dst, src, bytes, i] = [0, 1, 2, 3];
  return {
    name: 'wgAccum', params: [I32, I32, I32], results: [], locals: [I32],
    body: loop(i, I.i32(0), g(bytes), I.i32(16), [
      ...g(dst), ...g(i), ...I.add,
      ...g(dst), ...g(i), ...I.add, ...I.vload(), ...g(src), ...g(i), ...I.add, ...I.vload(), ...I.fadd, ...I.vstore(),
    ]),
  };
}

/** `call f` for function index f of this module (no imported functions, so indices are positions in the module). */
const call = (f: number): Code => [0x10, ...(f < 128 ? [f] : [f & 0x7f | 0x80, f >> 7])];

/** The shared functions, then per tiling: In, Out, Adj, Corr16, Corr4, Fgrad16, Fgrad4 (module order = function index). */
const SHARED = ['wgGemm16', 'wgGemm4', 'wgZero', 'wgCopy', 'fgrad16', 'fgrad4', 'wgAccum'] as const;
const PER_TILING = ['In', 'Out', 'Adj', 'Corr16', 'Corr4', 'Fgrad16', 'Fgrad4', 'Filt', 'FiltGrad'] as const;
const indexOf = (name: string): number => WINOGRAD_FUNCTIONS.indexOf(name as WinogradFunction);

/** P Corr: one image's correlation, a row of tiles at a time (see the header). */
function corrRows(t: Tiling, q: number): Fn {
  const [src, u, dst, th, tw, rs, drs, nr, nv, v, m] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [ty, xi, vPlane, mPlane] = [11, 12, 13, 14];
  const planes = t.alpha * t.alpha;
  const body: Code = [
    ...g(tw), ...g(nr), ...I.mul, ...I.i32(4), ...I.mul, ...I.set(vPlane),
    ...g(tw), ...g(nv), ...I.mul, ...I.i32(4), ...I.mul, ...I.set(mPlane),
    ...loop(ty, I.i32(0), g(th), I.i32(1), [
      ...g(src), ...g(ty), ...I.i32(t.m), ...I.mul, ...g(rs), ...I.mul, ...I.add,
      ...g(v), ...I.i32(1), ...g(tw), ...g(rs), ...g(nr), ...I.i32(4), ...I.mul, ...g(vPlane), ...call(indexOf(`${t.prefix}In`)),
      ...loop(xi, I.i32(0), I.i32(planes), I.i32(1), [
        ...g(v), ...g(xi), ...g(vPlane), ...I.mul, ...I.add,
        ...g(u), ...g(xi), ...g(nr), ...I.mul, ...g(nv), ...I.mul, ...I.i32(4), ...I.mul, ...I.add,
        ...g(m), ...g(xi), ...g(mPlane), ...I.mul, ...I.add,
        ...g(tw), ...g(nr), ...g(nv), ...call(indexOf(q === 4 ? 'wgGemm16' : 'wgGemm4')),
      ]),
      ...g(m),
      ...g(dst), ...g(ty), ...I.i32(t.m), ...I.mul, ...g(drs), ...I.mul, ...I.add,
      ...I.i32(1), ...g(tw), ...g(drs), ...g(nv), ...I.i32(4), ...I.mul, ...g(mPlane), ...call(indexOf(`${t.prefix}Out`)),
    ]),
  ];
  return { name: `${t.prefix}Corr${4 * q}`, params: new Array<number>(11).fill(I32), results: [], locals: new Array<number>(4).fill(I32), body };
}

/** P Fgrad: one image's du += V[ξ]ᵀ (A dY Aᵀ)[ξ], a row of tiles at a time (see the header). */
function fgradRows(t: Tiling, q: number): Fn {
  const [x, dy, du, th, tw, xrs, dyrs, cin, cout, v, m] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [ty, xi, vPlane, mPlane] = [11, 12, 13, 14];
  const planes = t.alpha * t.alpha;
  const body: Code = [
    ...g(tw), ...g(cin), ...I.mul, ...I.i32(4), ...I.mul, ...I.set(vPlane),
    ...g(tw), ...g(cout), ...I.mul, ...I.i32(4), ...I.mul, ...I.set(mPlane),
    ...loop(ty, I.i32(0), g(th), I.i32(1), [
      ...g(x), ...g(ty), ...I.i32(t.m), ...I.mul, ...g(xrs), ...I.mul, ...I.add,
      ...g(v), ...I.i32(1), ...g(tw), ...g(xrs), ...g(cin), ...I.i32(4), ...I.mul, ...g(vPlane), ...call(indexOf(`${t.prefix}In`)),
      ...g(dy), ...g(ty), ...I.i32(t.m), ...I.mul, ...g(dyrs), ...I.mul, ...I.add,
      ...g(m), ...I.i32(1), ...g(tw), ...g(dyrs), ...g(cout), ...I.i32(4), ...I.mul, ...g(mPlane), ...call(indexOf(`${t.prefix}Adj`)),
      ...loop(xi, I.i32(0), I.i32(planes), I.i32(1), [
        ...g(v), ...g(xi), ...g(vPlane), ...I.mul, ...I.add,
        ...g(m), ...g(xi), ...g(mPlane), ...I.mul, ...I.add,
        ...g(du), ...g(xi), ...g(cin), ...I.mul, ...g(cout), ...I.mul, ...I.i32(4), ...I.mul, ...I.add,
        // fgrad(x, dy, out, rows, cnt, xps, xrs, dyrs, cin, cout): one row of tw positions
        ...I.i32(1), ...g(tw), ...g(cin), ...I.i32(4), ...I.mul, ...I.i32(0), ...I.i32(0), ...g(cin), ...g(cout),
        ...call(indexOf(q === 4 ? 'fgrad16' : 'fgrad4')),
      ]),
    ]),
  ];
  return { name: `${t.prefix}Fgrad${4 * q}`, params: new Array<number>(11).fill(I32), results: [], locals: new Array<number>(4).fill(I32), body };
}

/** Every function of the module, in module order (function ids of a kernel-pool lane list, pool/kernel-pool.ts). */
export const WINOGRAD_FUNCTIONS = [...SHARED, ...TILINGS.flatMap((t) => PER_TILING.map((f) => `${t.prefix}${f}`))] as readonly string[];
export type WinogradFunction = string;

export interface WinogradSimd {
  readonly fns: Readonly<Record<string, KernelFn>>;
  /** Whether the GEMMs use relaxed-SIMD FMA (results then differ from mul + add in the last bits). */
  readonly fma: boolean;
}

/** The module's bytes (shared: importing a shared memory), e.g. for helper threads that instantiate the same code. */
export function winogradModuleBytes(shared: boolean, fma: boolean): Uint8Array {
  const fns: Fn[] = [wgGemm(4, fma), wgGemm(1, fma), wgZero(), wgCopy(), fgrad(4, fma), fgrad(1, fma), wgAccum()];
  for (const t of TILINGS) {
    fns.push(transformIn(t), transformOut(t), transformAdj(t), corrRows(t, 4), corrRows(t, 1), fgradRows(t, 4), fgradRows(t, 1),
      transformFilter(t), transformFilterGrad(t));
  }
  const names = fns.map((f) => f.name);
  if (names.join() !== WINOGRAD_FUNCTIONS.join()) throw new Error(`winograd module: function order ${names.join()} != ${WINOGRAD_FUNCTIONS.join()}`);
  return moduleBytes(fns, shared);
}

const cache = new WeakMap<object, Map<boolean, WinogradSimd | null>>();

function instantiate(api: WasmApi, memory: object, fma: boolean): WinogradSimd | null {
  const shared = isSharedMemory(memory);
  let exports: Record<string, unknown>;
  try {
    exports = new api.Instance(new api.Module(winogradModuleBytes(shared, fma)), { env: { memory } }).exports;
  } catch {
    return null; // no (relaxed) SIMD support
  }
  return { fns: Object.fromEntries(WINOGRAD_FUNCTIONS.map((n) => [n, exports[n] as KernelFn])), fma };
}

/**
 * The Winograd kernels bound to `memory` (a WebAssembly.Memory): with relaxed-SIMD FMA where the engine has it (and
 * accelOptions().fma), else plain SIMD; null when SIMD WebAssembly is unavailable.
 */
export function winogradSimdFor(memory: object | undefined): WinogradSimd | null {
  if (memory == null) return null;
  const api = wasmApi();
  if (!api) return null;
  const perMode = cache.get(memory) ?? new Map<boolean, WinogradSimd | null>();
  cache.set(memory, perMode);
  const get = (fma: boolean): WinogradSimd | null => {
    if (!perMode.has(fma)) perMode.set(fma, instantiate(api, memory, fma));
    return perMode.get(fma) ?? null;
  };
  return (accelOptions().fma ? get(true) : null) ?? get(false);
}

/**
 * U[ξ][r][v] = (G g Gᵀ)[ξ] for a 3x3 filter read through `at(kh, kw, r, v)` (r: the GEMM's reduction channel, v: its
 * output channel), written to `out` as [α²][nr][nv].
 */
export function filterToWinograd(t: Tiling, at: (kh: number, kw: number, r: number, v: number) => number, nr: number, nv: number, out: Float32Array): void {
  const { alpha: A, G } = t;
  const gg = new Float64Array(A * 3); // G g: α x 3
  for (let r = 0; r < nr; r++) {
    for (let v = 0; v < nv; v++) {
      for (let i = 0; i < A; i++) {
        for (let b = 0; b < 3; b++) gg[i * 3 + b] = G[i][0] * at(0, b, r, v) + G[i][1] * at(1, b, r, v) + G[i][2] * at(2, b, r, v);
      }
      for (let i = 0; i < A; i++) {
        for (let j = 0; j < A; j++) out[((i * A + j) * nr + r) * nv + v] = gg[i * 3] * G[j][0] + gg[i * 3 + 1] * G[j][1] + gg[i * 3 + 2] * G[j][2];
      }
    }
  }
}

/** dg = Gᵀ dU G: the filter gradient [3][3][cin][cout] from dU laid out [α²][cin][cout]. */
export function winogradToFilterGrad(t: Tiling, dU: Float32Array, cin: number, cout: number, out: Float32Array): void {
  const { alpha: A, G } = t;
  const tile = cin * cout;
  const gd = new Float64Array(3 * A); // Gᵀ dU: 3 x α
  for (let e = 0; e < tile; e++) {
    for (let a = 0; a < 3; a++) {
      for (let j = 0; j < A; j++) {
        let acc = 0;
        for (let i = 0; i < A; i++) acc += G[i][a] * dU[(i * A + j) * tile + e];
        gd[a * A + j] = acc;
      }
    }
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let acc = 0;
        for (let j = 0; j < A; j++) acc += gd[a * A + j] * G[j][b];
        out[(a * 3 + b) * tile + e] = acc;
      }
    }
  }
}
