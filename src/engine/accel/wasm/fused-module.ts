/**
 * WebAssembly SIMD versions of the hottest fused kernels (../fused/kernels.ts), for the wasm backend: a small module
 * assembled byte by byte (assembler.ts), instantiated on the wasm backend's OWN memory, so the
 * kernels read and write tfjs tensors in place at their heap offsets. Plain JS loops reach ~0.5 GFLOP/s; these
 * vectorise over channels (4 floats per instruction) and run several times faster.
 *
 * Functions (pointers are byte offsets into the heap, `c` is the channel count, a multiple of 4):
 *  - dwgTap(x, dy, out, n, h, w, c, dh, dw, ohLo, ohHi, owLo, owHi, reluIn): out[ch] += sum over the valid
 *      (b, oh, ow) of act(x[b, oh+dh, ow+dw, ch]) * dy[b, oh, ow, ch] (one tap of a depthwise filter gradient;
 *      act = relu when reluIn, else identity)
 *  - dwConv(x, wt, y, n, h, w, c, k, dil, pad, reluIn): depthwise k x k conv, stride 1, multiplier 1, zero padding
 *      `pad`, of act(x) (its input gradient is the same conv of dy with the flipped filter)
 *  - gemm(x, wt, y, rows, cin, cout): y = x . wt; gemmTA(x, dz, dw, rows, cin, cout): dw = x^T . dz (1x1 convs)
 *  - reluMask(dx, x, n): dx = x > 0 ? dx : 0
 *  - pool3(x, y, n, h, w, c, isMax): 3x3 stride-1 pool, padding 1 (max, or average over the valid inputs)
 *  - dwConv16 / gemm16 / gemmTA16 / dwgTap16: the same for channel (dwConv, dwgTap) or output (gemm, gemmTA) counts
 *      that are multiples of 16, with four accumulators per loop step (~2x faster at 16 channels)
 *  - colSum(x, out, rows, c):          out[ch] = sum_r x[r, ch]
 *  - colSqDev(x, mean, out, rows, c):  out[ch] = sum_r (x[r, ch] - mean[ch])^2
 *  - colSum2(a, b, outA, outAB, rows, c): outA[ch] = sum_r a[r, ch], outAB[ch] = sum_r a[r, ch] * b[r, ch]
 *  - normalize(x, mean, scale, y, rows, c): y = (x - mean) * scale
 *  - bnDx(dy, y, a, b, s, dx, rows, c): dx = s * (dy - a - y * b)
 *  - scale(x, y, s, n) / axpy(x, y, s, n): y = s * x / y += s * x   (n a multiple of 4)
 *  - dotScale(dy, x, dp, s, n) -> f32:     dp = s * dy; returns sum dy * x
 *  - dwgTapB / dwgTap16B(x, dy, out, n, h, w, c, dh, dw, reluIn): dwgTap(16) over the tap's whole valid range
 *  - scaleB / axpyB / dotScaleB(..., out): the same with s as its f32 bit pattern and dotScale's sum stored at out
 *      (the forms a kernel-pool lane can call: i32 arguments, no result)
 *  - maxPool3Grad(x, ymax, dy, dx, found, n, h, w, c) / avgPool3Grad(dy, dx, n, h, w, c): gradients of 3x3
 *      stride-1 pools with padding 1 (max: the first window position, row-major, equal to the pool output ymax
 *      takes the gradient; found is a scratch of c floats; avg: divided by the valid count), dx zeroed
 * The engine only touches `WebAssembly` through globalThis (it is a JS global, not a DOM or Node API).
 */

import { F32, I, I32, V128, ifThen, isSharedMemory, loop, moduleBytes, uleb, wasmApi, type Code, type Fn } from './assembler';

// ---- the kernels ---------------------------------------------------------------------------------------------------
function kernels(): Fn[] {
  const g = I.get;
  const fns: Fn[] = [];
  {
    // dwgTap(x0, dy1, out2, n3, h4, w5, c6, dh7, dw8, ohLo9, ohHi10, owLo11, owHi12, reluIn13)
    // locals: c4 14, b 15, oh 16, j 17, px 18, pdy 19, cb 20 (c*4 bytes), cnt 21, acc 22 (v128)
    const [x, dy, out, n, h, w, c, dh, dw, ohLo, ohHi, owLo, owHi, reluIn] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
    const [c4, b, oh, j, px, pdy, cb, cnt, acc] = [14, 15, 16, 17, 18, 19, 20, 21, 22];
    const xval = (relu: boolean): Code => (relu ? [...g(px), ...I.vload(), ...I.vzero, ...I.fmax] : [...g(px), ...I.vload()]);
    const inner = (relu: boolean) => loop(j, I.i32(0), g(cnt), I.i32(1), [
      ...g(acc), ...xval(relu), ...g(pdy), ...I.vload(), ...I.fmul, ...I.fadd, ...I.set(acc),
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
      ...ifThen(g(reluIn), inner(true)),
      ...ifThen([...g(reluIn), 0x45], inner(false)),
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
    fns.push({ name: 'dwgTap', params: new Array<number>(14).fill(I32), results: [], locals: [I32, I32, I32, I32, I32, I32, I32, I32, V128], body });
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
    // scaleB / axpyB: the same with s passed as its i32 bit pattern (a kernel-pool lane call carries i32 arguments only)
    const mkB = (name: string, accumulate: boolean): Fn => {
      const f = mk(name, accumulate);
      return { ...f, params: [I32, I32, I32, I32], body: [...g(2), ...I.f32reinterpret, ...f.body.slice(g(2).length)] };
    };
    fns.push(mkB('scaleB', false), mkB('axpyB', true));
  }
  {
    // dotScale(dy0, x1, dp2, s3:f32, n4) -> f32; locals i 5, vs 6, acc 7, v 8
    // dotScaleB(dy0, x1, dp2, sBits3:i32, n4, out5): the same, s as its bit pattern, the sum stored as f32 at out;
    // locals i 6, vs 7, acc 8, v 9 (the body is dotScale's with every local index shifted by one)
    const dotBody = (sv: Code, i: number, vs: number, acc: number, v: number): Code => [
      ...sv, ...I.splat, ...I.set(vs), ...I.vzero, ...I.set(acc),
      ...loop(i, I.i32(0), [...g(4), ...I.i32(4), ...I.mul], I.i32(16), [
        ...g(0), ...g(i), ...I.add, ...I.vload(), ...I.set(v),
        ...g(2), ...g(i), ...I.add, ...g(v), ...g(vs), ...I.fmul, ...I.vstore(),
        ...g(acc), ...g(v), ...g(1), ...g(i), ...I.add, ...I.vload(), ...I.fmul, ...I.fadd, ...I.set(acc),
      ]),
      ...g(acc), ...I.lane(0), ...g(acc), ...I.lane(1), ...I.f32add, ...g(acc), ...I.lane(2), ...I.f32add, ...g(acc), ...I.lane(3), ...I.f32add,
    ];
    fns.push({
      name: 'dotScaleB', params: [I32, I32, I32, I32, I32, I32], results: [], locals: [I32, V128, V128, V128],
      body: [...g(5), ...dotBody([...g(3), ...I.f32reinterpret], 6, 7, 8, 9), ...I.f32store()],
    });
    fns.push({ name: 'dotScale', params: [I32, I32, I32, F32, I32], results: [F32], locals: [I32, V128, V128, V128], body: dotBody(g(3), 5, 6, 7, 8) });
  }
  {
    // dwConv(x0, wt1, y2, n3, h4, w5, c6, k7, dil8, pad9, reluIn10): y[b,oh,ow,:] = sum over the valid taps of
    //   wt[ki,kj,:] * act(x[b, oh+ki*dil-pad, ow+kj*dil-pad, :])  (depthwise, stride 1, multiplier 1; act = relu or id)
    // locals: b 11, oh 12, ow 13, ki 14, kj 15, ih 16, iw 17, c4 18, cb 19, po 20, pi 21, pw 22, acc 23 (v128)
    const [x, wt, y, n, h, w, c, k, dil, pad, reluIn] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const [b, oh, ow, ki, kj, ih, iw, c4, cb, po, pi, pw, acc] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
    const tap = (relu: boolean): Code => [
      ...g(acc), ...g(pi), ...g(c4), ...I.add, ...I.vload(), ...(relu ? [...I.vzero, ...I.fmax] : []),
      ...g(pw), ...g(c4), ...I.add, ...I.vload(), ...I.fmul, ...I.fadd, ...I.set(acc),
    ];
    const taps = (relu: boolean): Code => loop(ki, I.i32(0), g(k), I.i32(1), [
      ...g(oh), ...g(ki), ...g(dil), ...I.mul, ...I.add, ...g(pad), ...I.sub, ...I.set(ih),
      ...ifThen([...g(ih), ...g(h), ...I.ltU], loop(kj, I.i32(0), g(k), I.i32(1), [
        ...g(ow), ...g(kj), ...g(dil), ...I.mul, ...I.add, ...g(pad), ...I.sub, ...I.set(iw),
        ...ifThen([...g(iw), ...g(w), ...I.ltU], [
          ...g(x), ...g(b), ...g(h), ...I.mul, ...g(ih), ...I.add, ...g(w), ...I.mul, ...g(iw), ...I.add, ...g(cb), ...I.mul, ...I.add, ...I.set(pi),
          ...g(wt), ...g(ki), ...g(k), ...I.mul, ...g(kj), ...I.add, ...g(cb), ...I.mul, ...I.add, ...I.set(pw),
          ...tap(relu),
        ]),
      ])),
    ]);
    const body = [
      ...g(c), ...I.i32(4), ...I.mul, ...I.set(cb),
      ...loop(b, I.i32(0), g(n), I.i32(1), loop(oh, I.i32(0), g(h), I.i32(1), loop(ow, I.i32(0), g(w), I.i32(1), [
        ...g(y), ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(w), ...I.mul, ...g(ow), ...I.add, ...g(cb), ...I.mul, ...I.add, ...I.set(po),
        ...loop(c4, I.i32(0), g(cb), I.i32(16), [
          ...I.vzero, ...I.set(acc),
          ...ifThen(g(reluIn), taps(true)),
          ...ifThen([...g(reluIn), 0x45], taps(false)),
          ...g(po), ...g(c4), ...I.add, ...g(acc), ...I.vstore(),
        ]),
      ]))),
    ];
    fns.push({ name: 'dwConv', params: new Array<number>(11).fill(I32), results: [], locals: [...new Array<number>(12).fill(I32), V128], body });
  }
  {
    // gemm(x0, wt1, y2, rows3, cin4, cout5): y[r, :] = x[r, :] . wt[cin, cout]   (cout a multiple of 4)
    // locals: r 6, co4 7, ci 8, acc 9 (v128), px 10, pwc 11, cob 12 (cout*4)
    const body = [
      ...g(5), ...I.i32(4), ...I.mul, ...I.set(12),
      ...loop(6, I.i32(0), g(3), I.i32(1), [
        ...g(0), ...g(6), ...g(4), ...I.mul, ...I.i32(4), ...I.mul, ...I.add, ...I.set(10),
        ...loop(7, I.i32(0), g(12), I.i32(16), [
          ...I.vzero, ...I.set(9),
          ...g(1), ...g(7), ...I.add, ...I.set(11),
          ...loop(8, I.i32(0), g(4), I.i32(1), [
            ...g(9), ...g(10), ...g(8), ...I.i32(4), ...I.mul, ...I.add, ...I.i32f32load(), ...I.splat,
            ...g(11), ...I.vload(), ...I.fmul, ...I.fadd, ...I.set(9),
            ...g(11), ...g(12), ...I.add, ...I.set(11),
          ]),
          ...g(2), ...g(6), ...g(12), ...I.mul, ...I.add, ...g(7), ...I.add, ...g(9), ...I.vstore(),
        ]),
      ]),
    ];
    fns.push({ name: 'gemm', params: new Array<number>(6).fill(I32), results: [], locals: [I32, I32, I32, V128, I32, I32, I32], body });
  }
  {
    // gemmTA(x0, dz1, dw2, rows3, cin4, cout5): dw[ci, :] = sum_r x[r, ci] * dz[r, :]   (overwrites dw)
    // locals: ci 6, co4 7, r 8, acc 9 (v128), px 10, pz 11, cob 12, cib 13
    const body = [
      ...g(5), ...I.i32(4), ...I.mul, ...I.set(12),
      ...g(4), ...I.i32(4), ...I.mul, ...I.set(13),
      ...loop(6, I.i32(0), g(4), I.i32(1), loop(7, I.i32(0), g(12), I.i32(16), [
        ...I.vzero, ...I.set(9),
        ...g(0), ...g(6), ...I.i32(4), ...I.mul, ...I.add, ...I.set(10),
        ...g(1), ...g(7), ...I.add, ...I.set(11),
        ...loop(8, I.i32(0), g(3), I.i32(1), [
          ...g(9), ...g(10), ...I.i32f32load(), ...I.splat, ...g(11), ...I.vload(), ...I.fmul, ...I.fadd, ...I.set(9),
          ...g(10), ...g(13), ...I.add, ...I.set(10),
          ...g(11), ...g(12), ...I.add, ...I.set(11),
        ]),
        ...g(2), ...g(6), ...g(12), ...I.mul, ...I.add, ...g(7), ...I.add, ...g(9), ...I.vstore(),
      ])),
    ];
    fns.push({ name: 'gemmTA', params: new Array<number>(6).fill(I32), results: [], locals: [I32, I32, I32, V128, I32, I32, I32, I32], body });
  }
  {
    // reluMask(dx0, x1, n2): dx = x > 0 ? dx : 0   (n a multiple of 4); locals i 3
    fns.push({
      name: 'reluMask', params: [I32, I32, I32], results: [], locals: [I32],
      body: loop(3, I.i32(0), [...g(2), ...I.i32(4), ...I.mul], I.i32(16), [
        ...g(0), ...g(3), ...I.add,
        ...g(0), ...g(3), ...I.add, ...I.vload(), ...g(1), ...g(3), ...I.add, ...I.vload(), ...I.vzero, ...I.fgt, ...I.vand,
        ...I.vstore(),
      ]),
    });
  }
  {
    // The 3x3 stride-1 pools (padding 1) over [n, h, w, c]: per output pixel, the clipped window rows r0..r1p-1 and
    // cols q0..q1p-1; the channel loop is innermost, so each window position costs one address computation.
    // pool3(x0, y1, n2, h3, w4, c5, isMax6): y = max over the window, or the mean over its valid inputs.
    // maxPool3Grad(x0, ymax1, dy2, dx3, found4, n5, h6, w7, c8): dx (zeroed) += dy at the FIRST (row-major) window
    //   position equal to ymax (the pool output); found = scratch of c floats.
    // avgPool3Grad(dy0, dx1, n2, h3, w4, c5): dx (zeroed) += dy / count over each window.
    const poolFn = (name: string, params: number, kind: 'fwd' | 'maxGrad' | 'avgGrad'): Fn => {
      const [x, y, dy, dx, found, n, h, w, c, isMax] = kind === 'fwd' ? [0, 1, -1, -1, -1, 2, 3, 4, 5, 6]
        : kind === 'maxGrad' ? [0, 1, 2, 3, 4, 5, 6, 7, 8, -1] : [-1, -1, 0, 1, -1, 2, 3, 4, 5, -1];
      const L = params;
      const [b, oh, ow, r, q, r0, r1p, q0, q1p, c4, cb, po, pi, addr] = Array.from({ length: 14 }, (_, i) => L + i);
      const [v, m, inv] = [L + 14, L + 15, L + 16];
      const bounds = (vv: number, size: number, lo: number, hiP: number): Code => [
        ...g(vv), ...I.i32(1), ...I.sub, ...I.i32(0), ...g(vv), ...I.i32(1), ...I.geS, ...I.select, ...I.set(lo),
        ...g(vv), ...I.i32(2), ...I.add, ...g(size), ...g(vv), ...I.i32(2), ...I.add, ...g(size), ...I.leS, ...I.select, ...I.set(hiP),
      ];
      const pixAt = (base: number, rr: number, qq: number): Code => [...g(base), ...g(b), ...g(h), ...I.mul, ...g(rr), ...I.add, ...g(w), ...I.mul, ...g(qq), ...I.add, ...g(cb), ...I.mul, ...I.add];
      const chans = (body: Code): Code => loop(c4, I.i32(0), g(cb), I.i32(16), body);
      const window = (base: number, body: Code): Code => loop(r, g(r0), g(r1p), I.i32(1), loop(q, g(q0), g(q1p), I.i32(1), [...pixAt(base, r, q), ...I.set(pi), ...body]));
      let perPixel: Code;
      if (kind === 'fwd') {
        perPixel = [
          // y = isMax ? x[r0, q0] : 0, then combine over the window; the mean is scaled by 1 / count
          ...pixAt(x, r0, q0), ...I.set(pi),
          ...chans([...g(po), ...g(c4), ...I.add, ...g(pi), ...g(c4), ...I.add, ...I.vload(), ...I.vzero, ...g(isMax), ...I.vselect, ...I.vstore()]),
          ...window(x, chans([
            ...g(po), ...g(c4), ...I.add, ...I.tee(addr), ...g(addr), ...I.vload(), ...I.set(v),
            ...g(v), ...g(pi), ...g(c4), ...I.add, ...I.vload(), ...I.fmax,
            ...g(v), ...g(pi), ...g(c4), ...I.add, ...I.vload(), ...I.fadd,
            ...g(isMax), ...I.vselect, ...I.vstore(),
          ])),
          ...ifThen([...g(isMax), 0x45], chans([...g(po), ...g(c4), ...I.add, ...I.tee(addr), ...g(addr), ...I.vload(), ...g(inv), ...I.splat, ...I.fmul, ...I.vstore()])),
        ];
      } else if (kind === 'maxGrad') {
        perPixel = [
          ...chans([...g(found), ...g(c4), ...I.add, ...I.vzero, ...I.vstore()]),
          ...window(x, chans([
            // m = (x == ymax) & ~found; found |= m; dx += dy & m
            ...g(y), ...g(po), ...I.add, ...g(c4), ...I.add, ...I.vload(), ...I.set(v),
            ...g(pi), ...g(c4), ...I.add, ...I.vload(), ...g(v), ...I.feq,
            ...g(found), ...g(c4), ...I.add, ...I.vload(), ...I.vandnot, ...I.set(m),
            ...g(found), ...g(c4), ...I.add, ...I.tee(addr), ...g(addr), ...I.vload(), ...g(m), ...I.vor, ...I.vstore(),
            ...g(dx), ...g(pi), ...g(c4), ...I.add, ...g(x), ...I.sub, ...I.add, ...I.tee(addr),
            ...g(addr), ...I.vload(), ...g(dy), ...g(po), ...I.add, ...g(c4), ...I.add, ...I.vload(), ...g(m), ...I.vand, ...I.fadd, ...I.vstore(),
          ])),
        ];
      } else {
        perPixel = window(dx, chans([
          ...g(pi), ...g(c4), ...I.add, ...I.tee(addr), ...g(addr), ...I.vload(),
          ...g(dy), ...g(po), ...I.add, ...g(c4), ...I.add, ...I.vload(), ...g(inv), ...I.splat, ...I.fmul, ...I.fadd, ...I.vstore(),
        ]));
      }
      // po: byte offset of the output pixel (into y for fwd; relative, added to dy / ymax for the gradients)
      const setPo = kind === 'fwd'
        ? [...g(y), ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(w), ...I.mul, ...g(ow), ...I.add, ...g(cb), ...I.mul, ...I.add, ...I.set(po)]
        : [...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(w), ...I.mul, ...g(ow), ...I.add, ...g(cb), ...I.mul, ...I.set(po)];
      const body = [
        ...g(c), ...I.i32(4), ...I.mul, ...I.set(cb),
        ...loop(b, I.i32(0), g(n), I.i32(1), loop(oh, I.i32(0), g(h), I.i32(1), [
          ...bounds(oh, h, r0, r1p),
          ...loop(ow, I.i32(0), g(w), I.i32(1), [
            ...bounds(ow, w, q0, q1p),
            ...setPo,
            ...I.f32one, ...g(r1p), ...g(r0), ...I.sub, ...g(q1p), ...g(q0), ...I.sub, ...I.mul, ...I.f32conv, ...I.f32div, ...I.set(inv),
            ...perPixel,
          ]),
        ])),
      ];
      return { name, params: new Array<number>(params).fill(I32), results: [], locals: [...new Array<number>(14).fill(I32), V128, V128, F32], body };
    };
    fns.push(poolFn('pool3', 7, 'fwd'));
    fns.push(poolFn('avgPool3Grad', 6, 'avgGrad'));
    fns.push(poolFn('maxPool3Grad', 9, 'maxGrad'));
  }
  // ---- 16-channel-block variants (channels a multiple of 16): four v128 accumulators in locals, so each
  // address computation, bounds test, splat and loop step serves 16 channels instead of 4.
  {
    // dwConv16: same signature as dwConv. The valid tap ranges are computed once per output row / column
    // (kiLo..kiHi-1, kjLo..kjHi-1), so the tap loops carry no bounds tests and step their addresses.
    // locals: b 11, oh 12, ow 13, ki 14, kj 15, kiLo 16, kiHi 17, kjLo 18, kjHi 19, c16 20, cb 21, po 22, pi 23, pw 24, dcb 25,
    //         a0..a3 26..29 (v128)
    const [x, wt, y, n, h, w, c, k, dil, pad, reluIn] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const [b, oh, ow, ki, kj, kiLo, kiHi, kjLo, kjHi, c16, cb, po, pi, pw, dcb] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
    const A = [26, 27, 28, 29];
    const divU = [0x6e];
    // lo = pos >= pad ? 0 : (pad - pos + dil - 1) / dil ; hi = min(k, (size - 1 - pos + pad) / dil + 1)
    const range = (pos: number, size: number, lo: number, hi: number): Code => [
      ...I.i32(0), ...g(pad), ...g(pos), ...I.sub, ...g(dil), ...I.add, ...I.i32(1), ...I.sub, ...g(dil), ...divU,
      ...g(pos), ...g(pad), ...I.geS, ...I.select, ...I.set(lo),
      ...g(size), ...I.i32(1), ...I.sub, ...g(pos), ...I.sub, ...g(pad), ...I.add, ...g(dil), ...divU, ...I.i32(1), ...I.add, ...I.tee(hi),
      ...g(k), ...g(hi), ...g(k), ...I.leS, ...I.select, ...I.set(hi),
    ];
    const tap = (relu: boolean): Code => A.flatMap((a, j) => [
      ...g(a), ...g(pi), ...I.vload(16 * j), ...(relu ? [...I.vzero, ...I.fmax] : []), ...g(pw), ...I.vload(16 * j), ...I.fmul, ...I.fadd, ...I.set(a),
    ]);
    const taps = (relu: boolean): Code => loop(ki, g(kiLo), g(kiHi), I.i32(1), [
      // pi = x + ((b*h + oh + ki*dil - pad)*w + ow + kjLo*dil - pad)*cb + c16 ; pw = wt + (ki*k + kjLo)*cb + c16
      ...g(x), ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(ki), ...g(dil), ...I.mul, ...I.add, ...g(pad), ...I.sub,
      ...g(w), ...I.mul, ...g(ow), ...I.add, ...g(kjLo), ...g(dil), ...I.mul, ...I.add, ...g(pad), ...I.sub,
      ...g(cb), ...I.mul, ...I.add, ...g(c16), ...I.add, ...I.set(pi),
      ...g(wt), ...g(ki), ...g(k), ...I.mul, ...g(kjLo), ...I.add, ...g(cb), ...I.mul, ...I.add, ...g(c16), ...I.add, ...I.set(pw),
      ...loop(kj, g(kjLo), g(kjHi), I.i32(1), [
        ...tap(relu),
        ...g(pi), ...g(dcb), ...I.add, ...I.set(pi),
        ...g(pw), ...g(cb), ...I.add, ...I.set(pw),
      ]),
    ]);
    const body = [
      ...g(c), ...I.i32(4), ...I.mul, ...I.set(cb),
      ...g(dil), ...g(cb), ...I.mul, ...I.set(dcb),
      ...loop(b, I.i32(0), g(n), I.i32(1), loop(oh, I.i32(0), g(h), I.i32(1), [
        ...range(oh, h, kiLo, kiHi),
        ...loop(ow, I.i32(0), g(w), I.i32(1), [
          ...range(ow, w, kjLo, kjHi),
          ...g(y), ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(w), ...I.mul, ...g(ow), ...I.add, ...g(cb), ...I.mul, ...I.add, ...I.set(po),
          ...loop(c16, I.i32(0), g(cb), I.i32(64), [
            ...A.flatMap((a) => [...I.vzero, ...I.set(a)]),
            ...ifThen(g(reluIn), taps(true)),
            ...ifThen([...g(reluIn), 0x45], taps(false)),
            ...A.flatMap((a, j) => [...g(po), ...g(c16), ...I.add, ...g(a), ...I.vstore(16 * j)]),
          ]),
        ]),
      ])),
    ];
    fns.push({ name: 'dwConv16', params: new Array<number>(11).fill(I32), results: [], locals: [...new Array<number>(15).fill(I32), V128, V128, V128, V128], body });
  }
  {
    // gemm16(x0, wt1, y2, rows3, cin4, cout5) for cout % 16 == 0. locals: r 6, co 7, ci 8, px 9, pwc 10, cob 11, xs 12, a 13..16
    const A = [13, 14, 15, 16];
    const body = [
      ...g(5), ...I.i32(4), ...I.mul, ...I.set(11),
      ...loop(6, I.i32(0), g(3), I.i32(1), [
        ...g(0), ...g(6), ...g(4), ...I.mul, ...I.i32(4), ...I.mul, ...I.add, ...I.set(9),
        ...loop(7, I.i32(0), g(11), I.i32(64), [
          ...A.flatMap((a) => [...I.vzero, ...I.set(a)]),
          ...g(1), ...g(7), ...I.add, ...I.set(10),
          ...loop(8, I.i32(0), g(4), I.i32(1), [
            ...g(9), ...g(8), ...I.i32(4), ...I.mul, ...I.add, ...I.i32f32load(), ...I.splat, ...I.set(12),
            ...A.flatMap((a, j) => [...g(a), ...g(12), ...g(10), ...I.vload(16 * j), ...I.fmul, ...I.fadd, ...I.set(a)]),
            ...g(10), ...g(11), ...I.add, ...I.set(10),
          ]),
          ...A.flatMap((a, j) => [...g(2), ...g(6), ...g(11), ...I.mul, ...I.add, ...g(7), ...I.add, ...g(a), ...I.vstore(16 * j)]),
        ]),
      ]),
    ];
    fns.push({ name: 'gemm16', params: new Array<number>(6).fill(I32), results: [], locals: [I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128], body });
  }
  {
    // gemmTA16(x0, dz1, dw2, rows3, cin4, cout5) for cout % 16 == 0. locals: ci 6, co 7, r 8, px 9, pz 10, cob 11, cib 12, xs 13, a 14..17
    const A = [14, 15, 16, 17];
    const body = [
      ...g(5), ...I.i32(4), ...I.mul, ...I.set(11),
      ...g(4), ...I.i32(4), ...I.mul, ...I.set(12),
      ...loop(6, I.i32(0), g(4), I.i32(1), loop(7, I.i32(0), g(11), I.i32(64), [
        ...A.flatMap((a) => [...I.vzero, ...I.set(a)]),
        ...g(0), ...g(6), ...I.i32(4), ...I.mul, ...I.add, ...I.set(9),
        ...g(1), ...g(7), ...I.add, ...I.set(10),
        ...loop(8, I.i32(0), g(3), I.i32(1), [
          ...g(9), ...I.i32f32load(), ...I.splat, ...I.set(13),
          ...A.flatMap((a, j) => [...g(a), ...g(13), ...g(10), ...I.vload(16 * j), ...I.fmul, ...I.fadd, ...I.set(a)]),
          ...g(9), ...g(12), ...I.add, ...I.set(9),
          ...g(10), ...g(11), ...I.add, ...I.set(10),
        ]),
        ...A.flatMap((a, j) => [...g(2), ...g(6), ...g(11), ...I.mul, ...I.add, ...g(7), ...I.add, ...g(a), ...I.vstore(16 * j)]),
      ])),
    ];
    fns.push({ name: 'gemmTA16', params: new Array<number>(6).fill(I32), results: [], locals: [I32, I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128], body });
  }
  {
    // dwgTap16: same signature as dwgTap, c % 16 == 0. locals: c16 14, b 15, oh 16, j 17, px 18, pdy 19, cb 20, cnt 21, a 22..25
    const [x, dy, out, n, h, w, c, dh, dw, ohLo, ohHi, owLo, owHi, reluIn] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
    const [c16, b, oh, j, px, pdy, cb, cnt] = [14, 15, 16, 17, 18, 19, 20, 21];
    const A = [22, 23, 24, 25];
    const inner = (relu: boolean) => loop(j, I.i32(0), g(cnt), I.i32(1), [
      ...A.flatMap((a, q) => [...g(a), ...g(px), ...I.vload(16 * q), ...(relu ? [...I.vzero, ...I.fmax] : []), ...g(pdy), ...I.vload(16 * q), ...I.fmul, ...I.fadd, ...I.set(a)]),
      ...g(px), ...g(cb), ...I.add, ...I.set(px),
      ...g(pdy), ...g(cb), ...I.add, ...I.set(pdy),
    ]);
    const rows = loop(oh, g(ohLo), g(ohHi), I.i32(1), [
      ...g(x), ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(dh), ...I.add, ...g(w), ...I.mul, ...g(owLo), ...I.add, ...g(dw), ...I.add,
      ...g(cb), ...I.mul, ...I.add, ...g(c16), ...I.add, ...I.set(px),
      ...g(dy), ...g(b), ...g(h), ...I.mul, ...g(oh), ...I.add, ...g(w), ...I.mul, ...g(owLo), ...I.add,
      ...g(cb), ...I.mul, ...I.add, ...g(c16), ...I.add, ...I.set(pdy),
      ...ifThen(g(reluIn), inner(true)),
      ...ifThen([...g(reluIn), 0x45], inner(false)),
    ]);
    const body = [
      ...g(c), ...I.i32(4), ...I.mul, ...I.set(cb),
      ...g(owHi), ...g(owLo), ...I.sub, ...I.set(cnt),
      ...loop(c16, I.i32(0), g(cb), I.i32(64), [
        ...A.flatMap((a) => [...I.vzero, ...I.set(a)]),
        ...loop(b, I.i32(0), g(n), I.i32(1), rows),
        ...A.flatMap((a, q) => [...g(out), ...g(c16), ...I.add, ...g(out), ...g(c16), ...I.add, ...I.vload(16 * q), ...g(a), ...I.fadd, ...I.vstore(16 * q)]),
      ]),
    ];
    fns.push({ name: 'dwgTap16', params: new Array<number>(14).fill(I32), results: [], locals: [...new Array<number>(8).fill(I32), V128, V128, V128, V128], body });
  }
  {
    // dwgTapB / dwgTap16B(x0, dy1, out2, n3, h4, w5, c6, dh7, dw8, reluIn9): dwgTap(16) over the whole valid range
    // (ohLo = max(0, -dh), ohHi = min(h, h - dh), the same for ow) — 10 arguments, so a kernel-pool lane can call it
    const wrap = (name: string, target: string): Fn => {
      const idx = fns.findIndex((f) => f.name === target);
      const lo = (d: number): Code => [...I.i32(0), ...I.i32(0), ...g(d), ...I.sub, ...g(d), ...I.i32(0), ...I.geS, ...I.select];
      const hi = (size: number, d: number): Code => [...g(size), ...g(d), ...I.sub, ...g(size), ...g(d), ...I.i32(0), ...I.geS, ...I.select];
      return {
        name, params: new Array<number>(10).fill(I32), results: [], locals: [],
        body: [...[0, 1, 2, 3, 4, 5, 6, 7, 8].flatMap((i) => g(i)), ...lo(7), ...hi(4, 7), ...lo(8), ...hi(5, 8), ...g(9), 0x10, ...uleb(idx)],
      };
    };
    fns.push(wrap('dwgTapB', 'dwgTap'), wrap('dwgTap16B', 'dwgTap16'));
  }
  return fns;
}

// ---- loading -------------------------------------------------------------------------------------------------------
/**
 * The module's functions in module order (the function ids of a kernel-pool lane list, module 'fused'). Only the
 * i32-only ones can be lane calls (a lane call passes i32 arguments and drops results): not scale, axpy, dotScale —
 * their lane forms are scaleB, axpyB, dotScaleB.
 */
export const FUSED_FUNCTIONS: readonly string[] = kernels().map((f) => f.name);

/** The module's bytes; shared: importing a shared memory, as the kernel pool's helpers do. */
export function fusedModuleBytes(shared: boolean): Uint8Array {
  return moduleBytes(kernels(), shared);
}

export interface SimdKernels {
  dwgTap(x: number, dy: number, out: number, n: number, h: number, w: number, c: number, dh: number, dw: number,
    ohLo: number, ohHi: number, owLo: number, owHi: number, reluIn: number): void;
  dwConv(x: number, wt: number, y: number, n: number, h: number, w: number, c: number, k: number, dil: number, pad: number, reluIn: number): void;
  gemm(x: number, wt: number, y: number, rows: number, cin: number, cout: number): void;
  gemmTA(x: number, dz: number, dw: number, rows: number, cin: number, cout: number): void;
  reluMask(dx: number, x: number, n: number): void;
  pool3(x: number, y: number, n: number, h: number, w: number, c: number, isMax: number): void;
  colSum(x: number, out: number, rows: number, c: number): void;
  colSqDev(x: number, mean: number, out: number, rows: number, c: number): void;
  colSum2(a: number, b: number, outA: number, outAB: number, rows: number, c: number): void;
  normalize(x: number, mean: number, scale: number, y: number, rows: number, c: number): void;
  bnDx(dy: number, y: number, a: number, b: number, s: number, dx: number, rows: number, c: number): void;
  scale(x: number, y: number, s: number, n: number): void;
  axpy(x: number, y: number, s: number, n: number): void;
  dotScale(dy: number, x: number, dp: number, s: number, n: number): number;
  /** scale / axpy / dotScale with s as its float32 bit pattern (an i32); dotScaleB stores the sum as f32 at `out`. */
  scaleB(x: number, y: number, sBits: number, n: number): void;
  axpyB(x: number, y: number, sBits: number, n: number): void;
  dotScaleB(dy: number, x: number, dp: number, sBits: number, n: number, out: number): void;
  /** dwgTap / dwgTap16 over the whole valid range of the tap (dh, dw): 10 arguments, a lane call. */
  dwgTapB(x: number, dy: number, out: number, n: number, h: number, w: number, c: number, dh: number, dw: number, reluIn: number): void;
  dwgTap16B(x: number, dy: number, out: number, n: number, h: number, w: number, c: number, dh: number, dw: number, reluIn: number): void;
  maxPool3Grad(x: number, ymax: number, dy: number, dx: number, found: number, n: number, h: number, w: number, c: number): void;
  avgPool3Grad(dy: number, dx: number, n: number, h: number, w: number, c: number): void;
  /** 16-channel-block variants (channels / cout multiples of 16). */
  dwConv16(x: number, wt: number, y: number, n: number, h: number, w: number, c: number, k: number, dil: number, pad: number, reluIn: number): void;
  gemm16(x: number, wt: number, y: number, rows: number, cin: number, cout: number): void;
  gemmTA16(x: number, dz: number, dw: number, rows: number, cin: number, cout: number): void;
  dwgTap16(x: number, dy: number, out: number, n: number, h: number, w: number, c: number, dh: number, dw: number,
    ohLo: number, ohHi: number, owLo: number, owHi: number, reluIn: number): void;
}

const cache = new WeakMap<object, SimdKernels | null>();

/** Our SIMD kernels bound to `memory` (a WebAssembly.Memory), or null when SIMD WebAssembly is unavailable. */
export function simdKernelsFor(memory: object | undefined): SimdKernels | null {
  if (memory == null) return null;
  if (cache.has(memory)) return cache.get(memory) ?? null;
  let result: SimdKernels | null = null;
  try {
    const api = wasmApi();
    if (api) {
      const mod = new api.Module(fusedModuleBytes(isSharedMemory(memory)));
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
  const api = wasmApi();
  if (!api) return null;
  const memory = new api.Memory({ initial: pages });
  const k = simdKernelsFor(memory);
  return k ? { kernels: k, heap: () => new Float32Array(memory.buffer) } : null;
}
