/**
 * The kernel thread pool (src/engine/accel/pool/kernel-pool.ts) with real node:worker_threads helpers on a standalone SHARED
 * WebAssembly.Memory, as the threaded wasm heap is: the engine's conv kernels (forward, input gradient, filter
 * gradient; src/engine/accel/kernels/wasm-conv-grad.ts) split across 2 and 3 threads equal the single-threaded run BIT FOR
 * BIT and the CPU backend within tolerance; lane order, batching into generations and lanes longer than one
 * generation keep the single-thread order; dispose terminates the helpers; a helper that never answers, one that
 * fails, a kernel that traps and a memory that is not shared each give a specific error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { sleep, spawnNode, spawnedWorkers } from '../helpers/spawn-node';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { lcgValues } from '../helpers/synthetic';
import { conv2dOnHeap, convGeometry, filterGradOnHeap, filterGradSplit, inputGradOnHeap, type ConvGeometry } from '../../src/engine/accel/kernels/wasm-conv-grad';
import { I, I32, moduleBytes, type Fn } from '../../src/engine/accel/wasm/assembler';
import { setAccelOptions, uninstall, withAccelOptions } from '../../src/engine/accel';
import { createKernelPool, instantiatePoolModules, LaneList, MAX_CALLS, MAX_LANES, runLanesInline, type HelperPort, type KernelPool, type PoolModule } from '../../src/engine/accel/pool/kernel-pool';
import { attachKernelPool, detachKernelPool, kernelPoolFor } from '../../src/engine/accel/pool/registry';
import { convGradSimdStandalone, convSimdModule, type ConvGradSimd } from '../../src/engine/accel/wasm/conv-module';

const workers = spawnedWorkers;

const exited = (w: Worker) => new Promise<number>((resolve) => {
  if (w.threadId === -1) resolve(0);
  else w.once('exit', resolve);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
});

// ---- conv kernels on a standalone shared heap ------------------------------------------------------------------
type Pad = 'same' | 'valid';
interface Case { name: string; x: [number, number, number, number]; w: [number, number, number, number]; s: number; pad: Pad; dil?: number }
const CASES: Case[] = [
  { name: 'cin 1 -> 16, 3x3 s1 valid, odd sizes', x: [3, 9, 7, 1], w: [3, 3, 1, 16], s: 1, pad: 'valid' },
  { name: 'cin 3 -> 4, 3x3 s2 same, odd sizes', x: [2, 11, 9, 3], w: [3, 3, 3, 4], s: 2, pad: 'same' },
  { name: 'cin 16 -> 32, 3x3 s1 same', x: [4, 10, 9, 16], w: [3, 3, 16, 32], s: 1, pad: 'same' },
  { name: 'cin 16 -> 16, 5x5 s2 valid', x: [3, 9, 8, 16], w: [5, 5, 16, 16], s: 2, pad: 'valid' },
  { name: 'cin 4 -> 32, 3x3 s2 same', x: [5, 8, 7, 4], w: [3, 3, 4, 32], s: 2, pad: 'same' },
  { name: 'cin 16 -> 4, 1x1 s1 valid', x: [2, 7, 7, 16], w: [1, 1, 16, 4], s: 1, pad: 'valid' },
  // Fewer images than lanes wanted: each image is split into bands of rows.
  { name: 'batch 1: cin 16 -> 16, 3x3 s2 same (row bands)', x: [1, 11, 9, 16], w: [3, 3, 16, 16], s: 2, pad: 'same' },
  { name: 'batch 1: cin 8 -> 32, 3x3 s1 same, dilation 2 (row bands)', x: [1, 12, 11, 8], w: [3, 3, 8, 32], s: 1, pad: 'same', dil: 2 },
  { name: 'batch 2: cin 4 -> 16, 5x5 s1 valid (row bands)', x: [2, 9, 10, 4], w: [5, 5, 4, 16], s: 1, pad: 'valid' },
];
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

const heap = convGradSimdStandalone(256, true);
if (!heap) throw new Error('no SIMD WebAssembly in this Node');
const memory = heap.memory;
const simd: ConvGradSimd = heap.kernels;

interface Out { y: Float32Array; dx: Float32Array | null; dw: Float32Array }

/** Runs the three kernels on the shared heap (with whatever pool is attached) and copies the results out. */
function runKernels(c: Case, gm: ConvGeometry, xv: Float32Array, wv: Float32Array, dyv: Float32Array): Out {
  let top = 1024;
  const alloc = (n: number) => { const p = top; top += Math.ceil((n * 4) / 64) * 64; return p; };
  const [px, pw, pdy] = [alloc(xv.length), alloc(wv.length), alloc(dyv.length)];
  const [py, pdw, pdx, pwt] = [alloc(dyv.length), alloc(wv.length), alloc(xv.length), alloc(wv.length)];
  const f = heap!.heap();
  f.set(xv, px / 4); f.set(wv, pw / 4); f.set(dyv, pdy / 4);
  // Garbage in the outputs: the kernels must zero them.
  f.fill(7, py / 4, top / 4);
  conv2dOnHeap(memory, simd, gm, px, pw, py);
  filterGradOnHeap(memory, simd, gm, px, pdy, pdw);
  const withDx = c.x[3] % 4 === 0;
  if (withDx) inputGradOnHeap(memory, simd, gm, pdy, pw, pwt, pdx);
  const g = heap!.heap();
  return {
    y: g.slice(py / 4, py / 4 + dyv.length),
    dw: g.slice(pdw / 4, pdw / 4 + wv.length),
    dx: withDx ? g.slice(pdx / 4, pdx / 4 + xv.length) : null,
  };
}

function expectBitIdentical(a: Float32Array, b: Float32Array, label: string): void {
  expect(a.length, label).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let diff = -1;
  for (let i = 0; i < ua.length && diff < 0; i++) if (ua[i] !== ub[i]) diff = i;
  expect(diff, `${label}: first differing element`).toBe(-1);
}

function expectClose(actual: Float32Array, expected: Float32Array, rel: number, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  let scale = 0, worst = 0;
  for (let i = 0; i < actual.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  expect(scale, `${label}: non-trivial`).toBeGreaterThan(1e-3);
  expect(worst / scale, `${label}: max |diff| ${worst} vs scale ${scale}`).toBeLessThanOrEqual(rel);
}

/** The CPU backend's y, dx, dw (tfjs has no gradients of dilated convs: dx and dw are then null). */
async function cpuReference(c: Case, xv: Float32Array, wv: Float32Array, dyv: Float32Array): Promise<{ y: Float32Array; dx: Float32Array | null; dw: Float32Array | null }> {
  const tf = await useBackend('cpu');
  uninstall();
  const conv = (x: Tensor, w: Tensor) => tf.conv2d(x as Tensor4D, w as Tensor4D, c.s, c.pad, 'NHWC', c.dil ?? 1);
  if ((c.dil ?? 1) > 1) {
    const y = tf.tidy(() => conv(tf.tensor4d(xv, c.x), tf.tensor4d(wv, c.w)));
    const out = { y: y.dataSync() as Float32Array, dx: null, dw: null };
    y.dispose();
    return out;
  }
  const [y, dx, dw] = tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, c.w);
    const y0 = conv(x, w);
    const dy = tf.tensor(dyv, y0.shape);
    return [y0, ...tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(conv(a, b), dy)))([x, w])];
  });
  const out = { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  tf.dispose([y, dx, dw]);
  return out;
}

async function startConvPool(threads: number): Promise<KernelPool> {
  const pool = await createKernelPool({ memory, threads, modules: [convSimdModule(simd.fma, true)], spawn: spawnNode, timeoutMs: 20_000, sleep });
  if (!pool) throw new Error('no pool');
  return pool;
}

describe('kernel pool: conv kernels split across threads', () => {
  it.each([2, 3])('%i threads: forward, input and filter gradients equal one thread bit for bit, and the CPU backend', async (threads) => {
    const pool = await startConvPool(threads);
    setAccelOptions({ conv: { poolMinMacs: 0 } }); // these small shapes would otherwise stay on one thread
    try {
      expect(pool.threads).toBe(threads);
      for (const [k, c] of CASES.entries()) {
        const xv = lcgValues(size(c.x), 31 + k, 1, 4);
        const wv = lcgValues(size(c.w), 41 + k, 1, 4);
        const gm = convGeometry(c.x, c.w, { strides: c.s, pad: c.pad, dilations: c.dil ?? 1 });
        const dyv = lcgValues(gm.n * gm.oh * gm.ow * gm.cout, 51 + k, 1, 4);
        detachKernelPool(memory);
        expect(kernelPoolFor(memory, simd.fma)).toBeNull();
        const one = runKernels(c, gm, xv, wv, dyv);
        attachKernelPool(memory, pool, simd.fma);
        expect(kernelPoolFor(memory, simd.fma)).toMatchObject({ pool, base: 0 });
        const { generations: gens, lanes: lanes0 } = pool.stats();
        const many = runKernels(c, gm, xv, wv, dyv);
        // One image: the forward conv and the input gradient are split into row bands (2 lanes per thread each).
        if (c.x[0] === 1) expect(pool.stats().lanes - lanes0, `${c.name}: lanes`).toBeGreaterThanOrEqual(4 * threads + threads);
        detachKernelPool(memory);
        expect(pool.stats().generations - gens, 'the pooled run went through the pool').toBe(one.dx ? 3 : 2);
        expectBitIdentical(many.y, one.y, `${c.name}: y`);
        expectBitIdentical(many.dw, one.dw, `${c.name}: dw`);
        if (one.dx) expectBitIdentical(many.dx!, one.dx, `${c.name}: dx`);
        const ref = await cpuReference(c, xv, wv, dyv);
        expectClose(many.y, ref.y, 2e-6, `${c.name}: y vs cpu`);
        if (ref.dw) expectClose(many.dw, ref.dw, 2e-6, `${c.name}: dw vs cpu`);
        if (many.dx && ref.dx) expectClose(many.dx, ref.dx, 2e-6, `${c.name}: dx vs cpu`);
      }
      expect(pool.stats().helperLanes, 'the helpers took part of the work').toBeGreaterThan(0);
    } finally {
      setAccelOptions();
      detachKernelPool(memory);
      pool.dispose();
    }
  });

  it('splits the filter gradient into even blocks of input channels first, groups of taps where channels run out, one lane on one thread', () => {
    expect(filterGradSplit(9, 16, 1)).toEqual({ tapGroups: 1, ciBlock: 16 });
    expect(filterGradSplit(9, 16, 2)).toEqual({ tapGroups: 1, ciBlock: 8 }); // lanesPerThread (1) lanes per thread from channel blocks
    expect(filterGradSplit(9, 6, 4)).toEqual({ tapGroups: 2, ciBlock: 2 }); // 3 channel pairs for 4 lanes: taps in 2 groups
    expect(filterGradSplit(9, 1, 4)).toEqual({ tapGroups: 4, ciBlock: 1 });
    expect(filterGradSplit(9, 3, 2)).toEqual({ tapGroups: 1, ciBlock: 2 }); // odd cin: blocks of 2 and 1
    withAccelOptions({ conv: { lanesPerThread: 4 } }, () => expect(filterGradSplit(9, 16, 2)).toEqual({ tapGroups: 1, ciBlock: 2 }));
  });

  it('convs below poolMinMacs stay on the calling thread; the engine finds no pool for the other SIMD mode, and none after dispose', async () => {
    const pool = await startConvPool(2);
    attachKernelPool(memory, pool, simd.fma);
    const c = CASES[2];
    const gm = convGeometry(c.x, c.w, { strides: c.s, pad: c.pad, dilations: c.dil ?? 1 });
    const macs = gm.n * gm.oh * gm.ow * gm.kh * gm.kw * gm.cin * gm.cout;
    const dyv = lcgValues(gm.n * gm.oh * gm.ow * gm.cout, 5, 1, 4);
    try {
      setAccelOptions({ conv: { poolMinMacs: macs + 1 } });
      runKernels(c, gm, lcgValues(size(c.x), 3, 1, 4), lcgValues(size(c.w), 4, 1, 4), dyv);
      expect(pool.stats().generations).toBe(0);
      setAccelOptions({ conv: { poolMinMacs: macs } });
      runKernels(c, gm, lcgValues(size(c.x), 3, 1, 4), lcgValues(size(c.w), 4, 1, 4), dyv);
      expect(pool.stats().generations).toBe(3);
    } finally {
      setAccelOptions();
    }
    expect(kernelPoolFor(memory, !simd.fma)).toBeNull();
    expect(kernelPoolFor(memory, simd.fma, 'winograd')).toBeNull();
    expect(() => attachKernelPool(memory, pool, simd.fma, ['conv', 'winograd'])).toThrow(/2 module names for a pool of 1/);
    expect(() => attachKernelPool(memory, pool, simd.fma, ['winograd'])).not.toThrow();
    expect(kernelPoolFor(memory, simd.fma, 'winograd')).toMatchObject({ pool, base: 0 });
    attachKernelPool(memory, pool, simd.fma);
    pool.dispose();
    expect(kernelPoolFor(memory, simd.fma)).toBeNull();
    detachKernelPool(memory);
    expect(() => pool.run(new LaneList().call(0, 0))).toThrow(/after dispose/);
  });
});

// ---- the pool itself, with an order-sensitive toy kernel --------------------------------------------------------
/** step(p, v): mem32[p] = mem32[p] * 3 + v (wrapping): the result depends on the order of a cell's calls. */
const STEP: Fn = {
  name: 'step', params: [I32, I32], results: [], locals: [],
  body: [...I.get(0), ...I.get(0), 0x28, 2, 0, ...I.i32(3), ...I.mul, ...I.get(1), ...I.add, 0x36, 2, 0],
};
/** trap(): unreachable. */
const TRAP: Fn = { name: 'trap', params: [], results: [], locals: [], body: [0x00] };
const toyModule = (): PoolModule => ({ bytes: moduleBytes([STEP, TRAP], true), functions: ['step', 'trap'] });

/** `lanes` lanes, lane i updating cell base + 4 i with `len(i)` calls. */
function toyLanes(base: number, lanes: number, len: (i: number) => number): LaneList {
  const list = new LaneList();
  for (let i = 0; i < lanes; i++) {
    list.lane();
    for (let k = 0; k < len(i); k++) list.call(0, base + 4 * i, (i * 7919 + k * 31) | 0);
  }
  return list;
}

describe('kernel pool: scheduling and lifecycle', () => {
  const toyMem = new WebAssembly.Memory({ initial: 2, maximum: 2, shared: true });
  const cells = new Int32Array(toyMem.buffer);

  it('keeps each lane in order across generations: many lanes, more calls than one generation, one lane longer than a generation', async () => {
    const pool = await createKernelPool({ memory: toyMem, threads: 3, modules: [toyModule()], spawn: spawnNode, timeoutMs: 20_000, sleep });
    expect(pool).not.toBeNull();
    try {
      const fns = instantiatePoolModules(toyMem, [toyModule()]);
      const shapes: [number, (i: number) => number][] = [
        [MAX_LANES + 100, (i) => 1 + (i % 5)], // more lanes than one generation holds
        [3, (i) => (i === 1 ? MAX_CALLS * 2 + 17 : 10)], // a lane cut into pieces
        [40, () => 700], // more calls than one generation holds
      ];
      for (const [lanes, len] of shapes) {
        cells.fill(0);
        runLanesInline(fns, toyLanes(0, lanes, len));
        const expected = cells.slice(0, lanes);
        cells.fill(0);
        pool!.run(toyLanes(0, lanes, len));
        expect(Array.from(cells.slice(0, lanes))).toEqual(Array.from(expected));
      }
      // A second module after the first: its lanes run with `base` = its first function id.
      const two = await createKernelPool({ memory: toyMem, threads: 2, modules: [{ bytes: moduleBytes([TRAP], true), functions: ['trap'] }, toyModule()], spawn: spawnNode, timeoutMs: 20_000, sleep });
      try {
        expect(two!.moduleBases).toEqual([0, 1]);
        cells.fill(0);
        two!.run(toyLanes(0, 40, () => 700), two!.moduleBases[1]);
        const viaBase = cells.slice(0, 40);
        cells.fill(0);
        runLanesInline(fns, toyLanes(0, 40, () => 700));
        expect(Array.from(viaBase)).toEqual(Array.from(cells.slice(0, 40)));
      } finally {
        two!.dispose();
      }
      const st = pool!.stats();
      expect(st.generations).toBeGreaterThanOrEqual(2 + 3 + 2);
      expect(st.lanes).toBeGreaterThan(MAX_LANES);
      expect(st.helperLanes, 'the helpers took part of the work').toBeGreaterThan(0);
    } finally {
      pool!.dispose();
    }
  });

  it('dispose() stops and terminates every helper', async () => {
    const before = workers.length;
    const pool = await createKernelPool({ memory: toyMem, threads: 3, modules: [toyModule()], spawn: spawnNode, timeoutMs: 20_000, sleep });
    const mine = workers.slice(before);
    expect(mine).toHaveLength(2);
    pool!.dispose();
    expect(pool!.disposed).toBe(true);
    await Promise.all(mine.map(exited));
    expect(mine.every((w) => w.threadId === -1)).toBe(true);
  });

  it('a kernel that traps in any thread makes run() throw, and the pool refuses further work', async () => {
    const pool = await createKernelPool({ memory: toyMem, threads: 2, modules: [toyModule()], spawn: spawnNode, timeoutMs: 20_000, sleep });
    try {
      const list = new LaneList();
      for (let i = 0; i < 8; i++) list.lane().call(1);
      expect(pool!.usable).toBe(true);
      expect(() => pool!.run(list)).toThrow(/unreachable|helper thread failed/);
      expect(pool!.usable).toBe(false);
      expect(() => pool!.run(new LaneList().call(0, 0, 1))).toThrow(/unusable/);
    } finally {
      pool!.dispose();
    }
  });

  it('threads < 2 gives no pool', async () => {
    expect(await createKernelPool({ memory: toyMem, threads: 1, modules: [toyModule()], spawn: spawnNode, timeoutMs: 1000, sleep })).toBeNull();
  });

  it('a helper that never answers: a specific error within the timeout, and the helper is terminated', async () => {
    let terminated = 0;
    const silent = (): HelperPort => ({ postMessage: () => {}, onMessage: () => {}, terminate: () => { terminated++; } });
    const t0 = Date.now();
    await expect(createKernelPool({ memory: toyMem, threads: 3, modules: [toyModule()], spawn: silent, timeoutMs: 300, sleep }))
      .rejects.toThrow(/2 helper thread\(s\) did not start within 300 ms/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(terminated).toBe(2);
  });

  it('a helper that cannot instantiate its modules: the helper\'s own message', async () => {
    const bad: PoolModule = { bytes: toyModule().bytes, functions: ['step', 'missing'] };
    // the calling thread checks first; a helper-only failure shows through a module the caller accepts but the helper does not get
    await expect(createKernelPool({ memory: toyMem, threads: 2, modules: [bad], spawn: spawnNode, timeoutMs: 20_000, sleep }))
      .rejects.toThrow(/exports no function "missing"/);
    const broken = (source: string) => spawnNode(source.replace('new WebAssembly.Module(mod.bytes)', 'new WebAssembly.Module(new Uint8Array(4))'));
    await expect(createKernelPool({ memory: toyMem, threads: 2, modules: [toyModule()], spawn: broken, timeoutMs: 20_000, sleep }))
      .rejects.toThrow(/helper 1 failed: .*(magic|WebAssembly|buffer)/i);
  });

  it('a memory that is not shared: a specific error', async () => {
    const plain = new WebAssembly.Memory({ initial: 1 });
    await expect(createKernelPool({ memory: plain, threads: 2, modules: [toyModule()], spawn: spawnNode, timeoutMs: 1000, sleep }))
      .rejects.toThrow(/not shared/);
  });
});
