/**
 * WebAssembly SIMD versions of the hottest fused kernels (fused-kernels.ts), for the wasm backend: a small module
 * assembled here byte by byte (no toolchain needed), instantiated on the wasm backend's OWN memory, so the
 * kernels read and write tfjs tensors in place at their heap offsets. Plain JS loops reach ~0.5 GFLOP/s; these
 * vectorise over channels (4 floats per instruction) and run several times faster.
 *
 * Functions (pointers are byte offsets into the heap, `c` is the channel count, a multiple of 4):
 *  - dwgTap(x, dy, out, n, h, w, c, dh, dw, ohLo, ohHi, owLo, owHi): out[ch] += sum over the valid (b, oh, ow) of
 *      x[b, oh+dh, ow+dw, ch] * dy[b, oh, ow, ch]   (one tap of a depthwise conv filter gradient, multiplier 1)
 *  - colSum(x, out, rows, c):          out[ch] = sum_r x[r, ch]
 *  - colSqDev(x, mean, out, rows, c):  out[ch] = sum_r (x[r, ch] - mean[ch])^2
 *  - colSum2(a, b, outA, outAB, rows, c): outA[ch] = sum_r a[r, ch], outAB[ch] = sum_r a[r, ch] * b[r, ch]
 *  - normalize(x, mean, scale, y, rows, c): y = (x - mean) * scale
 *  - bnDx(dy, y, a, b, s, dx, rows, c): dx = s * (dy - a - y * b)
 *  - scale(x, y, s, n) / axpy(x, y, s, n): y = s * x / y += s * x   (n a multiple of 4)
 *  - dotScale(dy, x, dp, s, n) -> f32:     dp = s * dy; returns sum dy * x
 *  - maxPool3Grad(x, dy, dx, n, h, w, c) / avgPool3Grad(dy, dx, n, h, w, c): gradients of 3x3 stride-1 pools with
 *      padding 1 (max: first maximum in row-major window order wins; avg: divided by the valid count), dx zeroed
 * The engine only touches `WebAssembly` through globalThis (it is a JS global, not a DOM or Node API).
 */

// ---- a tiny assembler ------------------------------------------------------------------------------------------
type Code = number[];

function uleb(v: number): number[] {
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

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

const simd = (opcode: number): Code => [0xfd, ...uleb(opcode)];
const I = {
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
  f32div: [0x95],
  f32conv: [0xb2],
  f32one: [0x43, 0x00, 0x00, 0x80, 0x3f],
  feq: simd(0x41),
  vand: simd(0x4e),
  vandnot: simd(0x4f),
  vor: simd(0x50),
  fmax: simd(0xe9),
  f32add: [0x92],
  f32load: (off = 0): Code => [0x2a, 2, ...uleb(off)],
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
function loop(i: number, start: Code, end: Code, step: Code, body: Code): Code {
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

interface Fn { name: string; params: number[]; results: number[]; locals: number[]; body: Code }

function moduleBytes(fns: Fn[], shared: boolean): Uint8Array {
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

// ---- the kernels ---------------------------------------------------------------------------------------------------
function kernels(): Fn[] {
  const g = I.get;
  const fns: Fn[] = [];
  {
    // dwgTap(x0, dy1, out2, n3, h4, w5, c6, dh7, dw8, ohLo9, ohHi10, owLo11, owHi12)
    // locals: c4 13, b 14, oh 15, j 16, px 17, pdy 18, cb 19 (c*4 bytes), cnt 20, acc 21 (v128)
    const [x, dy, out, n, h, w, c, dh, dw, ohLo, ohHi, owLo, owHi] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const [c4, b, oh, j, px, pdy, cb, cnt, acc] = [13, 14, 15, 16, 17, 18, 19, 20, 21];
    const inner = loop(j, I.i32(0), g(cnt), I.i32(1), [
      ...g(acc), ...g(px), ...I.vload(), ...g(pdy), ...I.vload(), ...I.fmul, ...I.fadd, ...I.set(acc),
      ...g(px), ...g(cb), ...I.add, ...I.set(px),
      ...g(pdy), ...g(cb), ...I.add, ...I.set(pdy),
    ]);
    const rows = loop(oh, g(ohLo), g(ohHi), I.i32(1), [
      // px = x + (((b*h + oh + dh)*w + owLo + dw)*c)*4 + c4
      ...g(x), ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(dh), ...I.add, ...g(w), ...I.mul, ...g(owLo), ...I.add, ...g(dw), ...I.add,
      ...g(cb), ...I.mul, ...I.add, ...g(c4), ...I.add, ...I.set(px),
      // pdy = dy + (((b*h + oh)*w + owLo)*c)*4 + c4
      ...g(dy), ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(w), ...I.mul, ...g(owLo), ...I.add,
      ...g(cb), ...I.mul, ...I.add, ...g(c4), ...I.add, ...I.set(pdy),
      ...inner,
    ]);
    const body = [
      ...g(c), ...I.i32(4), ...I.mul, ...I.set(cb),
      ...g(owHi), ...g(owLo), ...I.sub, ...I.set(cnt),
      ...loop(c4, I.i32(0), g(cb), I.i32(16), [
        ...I.vzero, ...I.set(acc),
        ...loop(b, I.i32(0), g(n), I.i32(1), rows),
        ...g(out), ...g(c4), ...I.add,
        ...g(out), ...g(c4), ...I.add, ...I.vload(), ...g(acc), ...I.fadd,
        ...I.vstore(),
      ]),
    ];
    fns.push({ name: 'dwgTap', params: new Array<number>(13).fill(I32), results: [], locals: [I32, I32, I32, I32, I32, I32, I32, I32, V128], body });
  }
  // Column reductions over [rows, c]: c4 outer (one v128 accumulator), rows inner.
  const colLoop = (rowsIdx: number, cIdx: number, c4: number, r: number, cb: number, perC4Init: Code, perRow: Code, perC4End: Code): Code => [
    ...g(cIdx), ...I.i32(4), ...I.mul, ...I.set(cb),
    ...loop(c4, I.i32(0), g(cb), I.i32(16), [...perC4Init, ...loop(r, I.i32(0), g(rowsIdx), I.i32(1), perRow), ...perC4End]),
  ];
  // address of element (r, c4) of a [rows, c] matrix at pointer p
  const at = (p: number, r: number, cb: number, c4: number): Code => [...g(p), ...g(r), ...g(cb), ...I.mul, ...I.add, ...g(c4), ...I.add];
  {
    // colSum(x0, out1, rows2, c3); locals c4 4, r 5, cb 6, acc 7
    fns.push({
      name: 'colSum', params: [I32, I32, I32, I32], results: [], locals: [I32, I32, I32, V128],
      body: colLoop(2, 3, 4, 5, 6, [...I.vzero, ...I.set(7)],
        [...g(7), ...at(0, 5, 6, 4), ...I.vload(), ...I.fadd, ...I.set(7)],
        [...g(1), ...g(4), ...I.add, ...g(7), ...I.vstore()]),
    });
  }
  {
    // colSqDev(x0, mean1, out2, rows3, c4); locals c4 5, r 6, cb 7, acc 8, m 9, d 10
    fns.push({
      name: 'colSqDev', params: [I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32, V128, V128, V128],
      body: colLoop(3, 4, 5, 6, 7, [...I.vzero, ...I.set(8), ...g(1), ...g(5), ...I.add, ...I.vload(), ...I.set(9)],
        [...at(0, 6, 7, 5), ...I.vload(), ...g(9), ...I.fsub, ...I.tee(10), ...g(10), ...I.fmul, ...g(8), ...I.fadd, ...I.set(8)],
        [...g(2), ...g(5), ...I.add, ...g(8), ...I.vstore()]),
    });
  }
  {
    // colSum2(a0, b1, outA2, outAB3, rows4, c5); locals c4 6, r 7, cb 8, accA 9, accAB 10, va 11
    fns.push({
      name: 'colSum2', params: [I32, I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32, V128, V128, V128],
      body: colLoop(4, 5, 6, 7, 8, [...I.vzero, ...I.set(9), ...I.vzero, ...I.set(10)],
        [...at(0, 7, 8, 6), ...I.vload(), ...I.tee(11), ...g(9), ...I.fadd, ...I.set(9),
          ...g(11), ...at(1, 7, 8, 6), ...I.vload(), ...I.fmul, ...g(10), ...I.fadd, ...I.set(10)],
        [...g(2), ...g(6), ...I.add, ...g(9), ...I.vstore(), ...g(3), ...g(6), ...I.add, ...g(10), ...I.vstore()]),
    });
  }
  {
    // normalize(x0, mean1, scale2, y3, rows4, c5): rows outer, c4 inner; locals r 6, c4 7, cb 8, off 9
    const body = [
      ...g(5), ...I.i32(4), ...I.mul, ...I.set(8),
      ...loop(6, I.i32(0), g(4), I.i32(1), [
        ...loop(7, I.i32(0), g(8), I.i32(16), [
          ...g(6), ...g(8), ...I.mul, ...g(7), ...I.add, ...I.set(9),
          ...g(3), ...g(9), ...I.add,
          ...g(0), ...g(9), ...I.add, ...I.vload(), ...g(1), ...g(7), ...I.add, ...I.vload(), ...I.fsub,
          ...g(2), ...g(7), ...I.add, ...I.vload(), ...I.fmul,
          ...I.vstore(),
        ]),
      ]),
    ];
    fns.push({ name: 'normalize', params: [I32, I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32], body });
  }
  {
    // bnDx(dy0, y1, a2, b3, s4, dx5, rows6, c7): dx = s * (dy - a - y * b); locals r 8, c4 9, cb 10, off 11
    const body = [
      ...g(7), ...I.i32(4), ...I.mul, ...I.set(10),
      ...loop(8, I.i32(0), g(6), I.i32(1), [
        ...loop(9, I.i32(0), g(10), I.i32(16), [
          ...g(8), ...g(10), ...I.mul, ...g(9), ...I.add, ...I.set(11),
          ...g(5), ...g(11), ...I.add,
          ...g(0), ...g(11), ...I.add, ...I.vload(), ...g(2), ...g(9), ...I.add, ...I.vload(), ...I.fsub,
          ...g(1), ...g(11), ...I.add, ...I.vload(), ...g(3), ...g(9), ...I.add, ...I.vload(), ...I.fmul, ...I.fsub,
          ...g(4), ...g(9), ...I.add, ...I.vload(), ...I.fmul,
          ...I.vstore(),
        ]),
      ]),
    ];
    fns.push({ name: 'bnDx', params: new Array<number>(8).fill(I32), results: [], locals: [I32, I32, I32, I32], body });
  }
  {
    // scale(x0, y1, s2:f32, n3): y = s*x ; axpy: y += s*x ; locals i 4 (byte offset), vs 5
    const mk = (name: string, accumulate: boolean): Fn => ({
      name, params: [I32, I32, F32, I32], results: [], locals: [I32, V128],
      body: [
        ...g(2), ...I.splat, ...I.set(5),
        ...loop(4, I.i32(0), [...g(3), ...I.i32(4), ...I.mul], I.i32(16), [
          ...g(1), ...g(4), ...I.add,
          ...g(0), ...g(4), ...I.add, ...I.vload(), ...g(5), ...I.fmul,
          ...(accumulate ? [...g(1), ...g(4), ...I.add, ...I.vload(), ...I.fadd] : []),
          ...I.vstore(),
        ]),
      ],
    });
    fns.push(mk('scale', false), mk('axpy', true));
  }
  {
    // dotScale(dy0, x1, dp2, s3:f32, n4) -> f32; locals i 5, vs 6, acc 7, v 8
    fns.push({
      name: 'dotScale', params: [I32, I32, I32, F32, I32], results: [F32], locals: [I32, V128, V128, V128],
      body: [
        ...g(3), ...I.splat, ...I.set(6), ...I.vzero, ...I.set(7),
        ...loop(5, I.i32(0), [...g(4), ...I.i32(4), ...I.mul], I.i32(16), [
          ...g(0), ...g(5), ...I.add, ...I.vload(), ...I.set(8),
          ...g(2), ...g(5), ...I.add, ...g(8), ...g(6), ...I.fmul, ...I.vstore(),
          ...g(7), ...g(8), ...g(1), ...g(5), ...I.add, ...I.vload(), ...I.fmul, ...I.fadd, ...I.set(7),
        ]),
        ...g(7), ...I.lane(0), ...g(7), ...I.lane(1), ...I.f32add, ...g(7), ...I.lane(2), ...I.f32add, ...g(7), ...I.lane(3), ...I.f32add,
      ],
    });
  }
  {
    // 3x3 stride-1 pools with padding 1 over [n, h, w, c]; window rows r0..r1p-1, cols q0..q1p-1 (clipped).
    // maxPool3Grad(x0, dy1, dx2, n3, h4, w5, c6): dx (zeroed by the caller) += dy at the first maximum of each window.
    // locals: b 7, oh 8, ow 9, r 10, q 11, r0 12, r1p 13, q0 14, q1p 15, c4 16, cb 17, po 18, addr 19,
    //         dyv 20, ymax 21, found 22, sel 23
    const [x, dy, dx, n, h, w, c] = [0, 1, 2, 3, 4, 5, 6];
    const [b, oh, ow, r, q, r0, r1p, q0, q1p, c4, cb, po, addr] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const [dyv, ymax, found, sel] = [20, 21, 22, 23];
    const pix = (rr: number, qq: number): Code => [...g(b), ...g(h), ...I.mul, ...g(rr), ...I.add, ...g(w), ...I.mul, ...g(qq), ...I.add, ...g(cb), ...I.mul, ...g(c4), ...I.add];
    const bounds = (v: number, size: number, lo: number, hiP: number): Code => [
      // lo = v >= 1 ? v - 1 : 0 ; hiP = v + 2 <= size ? v + 2 : size
      ...g(v), ...I.i32(1), ...I.sub, ...I.i32(0), ...g(v), ...I.i32(1), ...I.geS, ...I.select, ...I.set(lo),
      ...g(v), ...I.i32(2), ...I.add, ...g(size), ...g(v), ...I.i32(2), ...I.add, ...g(size), ...I.leS, ...I.select, ...I.set(hiP),
    ];
    const window = (body: Code): Code => loop(r, g(r0), g(r1p), I.i32(1), loop(q, g(q0), g(q1p), I.i32(1), body));
    const perPixel = (inner: Code): Code => [
      ...loop(b, I.i32(0), g(n), I.i32(1), loop(oh, I.i32(0), g(h), I.i32(1), [
        ...bounds(oh, h, r0, r1p),
        ...loop(ow, I.i32(0), g(w), I.i32(1), [
          ...bounds(ow, w, q0, q1p),
          ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(w), ...I.mul, ...g(ow), ...I.add, ...g(cb), ...I.mul, ...I.set(po),
          ...inner,
        ]),
      ])),
    ];
    const maxBody = perPixel(loop(c4, I.i32(0), g(cb), I.i32(16), [
      ...g(dy), ...g(po), ...I.add, ...g(c4), ...I.add, ...I.vload(), ...I.set(dyv),
      ...g(x), ...pix(r0, q0), ...I.add, ...I.vload(), ...I.set(ymax),
      ...window([...g(ymax), ...g(x), ...pix(r, q), ...I.add, ...I.vload(), ...I.fmax, ...I.set(ymax)]),
      ...I.vzero, ...I.set(found),
      ...window([
        ...g(x), ...pix(r, q), ...I.add, ...I.vload(), ...g(ymax), ...I.feq, ...g(found), ...I.vandnot, ...I.tee(sel),
        ...g(found), ...I.vor, ...I.set(found),
        ...g(dx), ...pix(r, q), ...I.add, ...I.tee(addr),
        ...g(addr), ...I.vload(), ...g(dyv), ...g(sel), ...I.vand, ...I.fadd, ...I.vstore(),
      ]),
    ]));
    fns.push({
      name: 'maxPool3Grad', params: new Array<number>(7).fill(I32), results: [],
      locals: [...new Array<number>(13).fill(I32), V128, V128, V128, V128],
      body: [...g(c), ...I.i32(4), ...I.mul, ...I.set(cb), ...maxBody],
    });
  }
  {
    // avgPool3Grad(dy0, dx1, n2, h3, w4, c5): dx (zeroed) += dy / count over each window.
    // locals: b 6, oh 7, ow 8, r 9, q 10, r0 11, r1p 12, q0 13, q1p 14, c4 15, cb 16, po 17, addr 18, v 19 (v128), inv 20 (f32)
    const [dy, dx, n, h, w, c] = [0, 1, 2, 3, 4, 5];
    const [b, oh, ow, r, q, r0, r1p, q0, q1p, c4, cb, po, addr, v, inv] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
    const bounds = (vv: number, size: number, lo: number, hiP: number): Code => [
      ...g(vv), ...I.i32(1), ...I.sub, ...I.i32(0), ...g(vv), ...I.i32(1), ...I.geS, ...I.select, ...I.set(lo),
      ...g(vv), ...I.i32(2), ...I.add, ...g(size), ...g(vv), ...I.i32(2), ...I.add, ...g(size), ...I.leS, ...I.select, ...I.set(hiP),
    ];
    const pix = (rr: number, qq: number): Code => [...g(b), ...g(h), ...I.mul, ...g(rr), ...I.add, ...g(w), ...I.mul, ...g(qq), ...I.add, ...g(cb), ...I.mul, ...g(c4), ...I.add];
    const body = [
      ...g(c), ...I.i32(4), ...I.mul, ...I.set(cb),
      ...loop(b, I.i32(0), g(n), I.i32(1), loop(oh, I.i32(0), g(h), I.i32(1), [
        ...bounds(oh, h, r0, r1p),
        ...loop(ow, I.i32(0), g(w), I.i32(1), [
          ...bounds(ow, w, q0, q1p),
          ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(w), ...I.mul, ...g(ow), ...I.add, ...g(cb), ...I.mul, ...I.set(po),
          ...I.f32one, ...g(r1p), ...g(r0), ...I.sub, ...g(q1p), ...g(q0), ...I.sub, ...I.mul, ...I.f32conv, ...I.f32div, ...I.set(inv),
          ...loop(c4, I.i32(0), g(cb), I.i32(16), [
            ...g(dy), ...g(po), ...I.add, ...g(c4), ...I.add, ...I.vload(), ...g(inv), ...I.splat, ...I.fmul, ...I.set(v),
            ...loop(r, g(r0), g(r1p), I.i32(1), loop(q, g(q0), g(q1p), I.i32(1), [
              ...g(dx), ...pix(r, q), ...I.add, ...I.tee(addr), ...g(addr), ...I.vload(), ...g(v), ...I.fadd, ...I.vstore(),
            ])),
          ]),
        ]),
      ])),
    ];
    fns.push({
      name: 'avgPool3Grad', params: new Array<number>(6).fill(I32), results: [],
      locals: [...new Array<number>(13).fill(I32), V128, F32], body,
    });
  }
  return fns;
}

// ---- loading -------------------------------------------------------------------------------------------------------
export interface SimdKernels {
  dwgTap(x: number, dy: number, out: number, n: number, h: number, w: number, c: number, dh: number, dw: number,
    ohLo: number, ohHi: number, owLo: number, owHi: number): void;
  colSum(x: number, out: number, rows: number, c: number): void;
  colSqDev(x: number, mean: number, out: number, rows: number, c: number): void;
  colSum2(a: number, b: number, outA: number, outAB: number, rows: number, c: number): void;
  normalize(x: number, mean: number, scale: number, y: number, rows: number, c: number): void;
  bnDx(dy: number, y: number, a: number, b: number, s: number, dx: number, rows: number, c: number): void;
  scale(x: number, y: number, s: number, n: number): void;
  axpy(x: number, y: number, s: number, n: number): void;
  dotScale(dy: number, x: number, dp: number, s: number, n: number): number;
  maxPool3Grad(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number): void;
  avgPool3Grad(dy: number, dx: number, n: number, h: number, w: number, c: number): void;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
}

const cache = new WeakMap<object, SimdKernels | null>();

/** Our SIMD kernels bound to `memory` (a WebAssembly.Memory), or null when SIMD WebAssembly is unavailable. */
export function simdKernelsFor(memory: object | undefined): SimdKernels | null {
  if (memory == null) return null;
  if (cache.has(memory)) return cache.get(memory) ?? null;
  let result: SimdKernels | null = null;
  try {
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (api) {
      const buffer = (memory as { buffer: unknown }).buffer;
      const shared = typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
      const mod = new api.Module(moduleBytes(kernels(), shared));
      result = new api.Instance(mod, { env: { memory } }).exports as unknown as SimdKernels;
    }
  } catch {
    result = null; // no SIMD support, or memory limits we cannot import: the JS kernels are used instead
  }
  cache.set(memory, result);
  return result;
}

/** A standalone module with its own memory, for tests. */
export function simdKernelsStandalone(pages = 64): { kernels: SimdKernels; heap: () => Float32Array } | null {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return null;
  const memory = new api.Memory({ initial: pages });
  const k = simdKernelsFor(memory);
  return k ? { kernels: k, heap: () => new Float32Array(memory.buffer) } : null;
}
