/**
 * The supernet fast path's fused SIMD kernels on the kernel pool (src/engine/accel/fused/lanes.ts, module 'fused' of
 * wasm/fused-module.ts): on a standalone SHARED memory with real worker_threads helpers, every split kernel run on 2 and 3
 * threads equals the same lane lists on one thread bit for bit; the row-parallel ones (dwConv, gemm, normalize, bnDx,
 * reluMask, pool3, the pool gradients, the weighted sum, the depthwise filter gradient's taps) also equal today's one
 * unsplit call bit for bit, and the chunked reductions (colSum, colSqDev, colSum2, gemmTA, dotScale) equal it within
 * float32 rounding (they add per-chunk partial sums in chunk order).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lcgValues } from '../helpers/synthetic';
import { sleep, spawnNode, terminateAll } from '../helpers/spawn-node';
import { createKernelPool, type LaneList } from '../../src/engine/accel/pool/kernel-pool';
import { FUSED_FUNCTIONS, fusedModuleBytes, simdKernelsFor } from '../../src/engine/accel/wasm/fused-module';
import {
  REDUCE_CHUNKS, avgPool3GradLanes, bnDxLanes, colSum2P, colSqDevP, colSumP, dotScaleP, dwConvLanes, dwFilterGradLanes, fusedRun,
  gemmLanes, gemmTAP, maxPool3GradLaneCount, maxPool3GradLanes, normalizeLanes, pool3Lanes, reduceChunks, reluMaskLanes,
  weightedSumLanes, type FusedRun,
} from '../../src/engine/accel/fused/lanes';

afterAll(terminateAll);

const PAGES = 1536; // 96 MiB
const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
const heap = () => new Float32Array(memory.buffer);
const k = simdKernelsFor(memory)!;

// Shapes above the split thresholds: [16, 24, 24, c] activations (1.1 MiB at c = 32, 720 KiB at c = 20).
const [N, H, W] = [16, 24, 24];
const MB = 1 << 20;

/** A bump allocator of byte offsets in [from, from + 8 MiB). */
function arena(from: number) {
  let at = from;
  return { take: (floats: number) => { const p = at; at += Math.ceil(floats / 4) * 16; return p; }, reset: () => { at = from; } };
}
const inputs = arena(0);
const scratch = arena(16 * MB);

function put(values: Float32Array): number {
  const p = inputs.take(values.length);
  heap().set(values, p / 4);
  return p;
}

const withScratch = <T>(floats: number, fn: (p: number) => T): T => fn(scratch.take(floats));

interface Results { [name: string]: Float32Array }

/**
 * Runs every split kernel through `r` on fixed inputs (channels c; 16-channel variants when c % 16 === 0); outputs
 * land at fixed offsets after 24 MiB, so two runs are compared value by value. Also returns the unsplit calls' results.
 */
function runAll(r: FusedRun, c: number, seed: number): { split: Results; one: Results; lanes: Record<string, number> } {
  inputs.reset();
  scratch.reset();
  const out = arena(24 * MB);
  const count = N * H * W;
  const size = count * c;
  const x = put(lcgValues(size, seed, 1, 4));
  const dy = put(lcgValues(size, seed + 1, 1, 4));
  const dwt = put(lcgValues(9 * c, seed + 2, 1, 4));
  const cout = c === 32 ? 16 : 12;
  const pw = put(lcgValues(c * cout, seed + 3, 1, 4));
  const dz = put(lcgValues(count * cout, seed + 4, 1, 4));
  const mean = put(lcgValues(c, seed + 5, 1, 4));
  const sc = put(lcgValues(c, seed + 6, 1, 4).map((v) => v + 2));
  const ties = put(lcgValues(size, seed + 7, 1, 1)); // few distinct values: max-pool windows with ties
  const parts = [x, dy, ties];
  const weights = [0.25, -1.5, 0.75];
  const split: Results = {};
  const one: Results = {};
  const lanes: Record<string, number> = {};
  const v16 = c % 16 === 0;
  const grab = (p: number, n: number) => heap().slice(p / 4, p / 4 + n);
  const both = (name: string, n: number, viaLanes: (o: number) => LaneList | void, viaOne: (o: number) => void, zero = false) => {
    const [a, b] = [out.take(n), out.take(n)];
    if (zero) { heap().fill(0, a / 4, a / 4 + n); heap().fill(0, b / 4, b / 4 + n); }
    const list = viaLanes(a);
    if (list) { lanes[name] = list.finish().lanes; r.run(list); }
    viaOne(b);
    split[name] = grab(a, n);
    one[name] = grab(b, n);
  };
  both('dwConv', size, (o) => dwConvLanes(v16 ? 'dwConv16' : 'dwConv', x, dwt, o, N, H, W, c, 3, 2, 2, 1),
    (o) => (v16 ? k.dwConv16 : k.dwConv)(x, dwt, o, N, H, W, c, 3, 2, 2, 1));
  both('gemm', count * cout, (o) => gemmLanes(v16 ? 'gemm16' : 'gemm', x, pw, o, count, c, cout),
    (o) => (v16 ? k.gemm16 : k.gemm)(x, pw, o, count, c, cout));
  both('normalize', size, (o) => normalizeLanes(x, mean, sc, o, count, c), (o) => k.normalize(x, mean, sc, o, count, c));
  both('bnDx', size, (o) => bnDxLanes(dy, x, mean, sc, sc, o, count, c), (o) => k.bnDx(dy, x, mean, sc, sc, o, count, c));
  both('reluMask', size, (o) => { heap().copyWithin(o / 4, dy / 4, dy / 4 + size); return reluMaskLanes(o, x, size); },
    (o) => { heap().copyWithin(o / 4, dy / 4, dy / 4 + size); k.reluMask(o, x, size); });
  both('pool3max', size, (o) => pool3Lanes(ties, o, N, H, W, c, 1), (o) => k.pool3(ties, o, N, H, W, c, 1));
  both('pool3avg', size, (o) => pool3Lanes(x, o, N, H, W, c, 0), (o) => k.pool3(x, o, N, H, W, c, 0));
  both('avgPool3Grad', size, (o) => avgPool3GradLanes(dy, o, N, H, W, c), (o) => k.avgPool3Grad(dy, o, N, H, W, c), true);
  const ymax = out.take(size);
  k.pool3(ties, ymax, N, H, W, c, 1);
  const found = out.take(maxPool3GradLaneCount(N, H, W, c) * c);
  both('maxPool3Grad', size, (o) => maxPool3GradLanes(ties, ymax, dy, o, found, N, H, W, c),
    (o) => k.maxPool3Grad(ties, ymax, dy, o, found, N, H, W, c), true);
  both('weightedSum', size, (o) => weightedSumLanes(parts, weights, o, size),
    (o) => parts.forEach((p, j) => (j === 0 ? k.scale : k.axpy)(p, o, weights[j], size)));
  both('dwFilterGrad', 9 * c, (o) => dwFilterGradLanes(v16 ? 'dwgTap16' : 'dwgTap', x, dy, o, N, H, W, c, 3, 2, 1), (o) => {
    for (let ki = 0; ki < 3; ki++) for (let kj = 0; kj < 3; kj++) {
      const [dh, dw] = [ki * 2 - 2, kj * 2 - 2];
      (v16 ? k.dwgTap16 : k.dwgTap)(x, dy, o + (ki * 3 + kj) * c * 4, N, H, W, c, dh, dw, Math.max(0, -dh), Math.min(H, H - dh), Math.max(0, -dw), Math.min(W, W - dw), 1);
    }
  }, true);
  // reductions
  both('colSum', c, (o) => colSumP(r, x, o, count, c), (o) => k.colSum(x, o, count, c));
  both('colSqDev', c, (o) => colSqDevP(r, x, mean, o, count, c), (o) => k.colSqDev(x, mean, o, count, c));
  both('colSum2', 2 * c, (o) => colSum2P(r, dy, x, o, o + 4 * c, count, c), (o) => k.colSum2(dy, x, o, o + 4 * c, count, c));
  both('gemmTA', c * cout, (o) => gemmTAP(r, v16 ? 'gemmTA16' : 'gemmTA', x, dz, o, count, c, cout),
    (o) => (v16 ? k.gemmTA16 : k.gemmTA)(x, dz, o, count, c, cout));
  const dps = [out.take(size), out.take(size)];
  const dps1 = [out.take(size), out.take(size)];
  split.dotScale = Float32Array.from(dotScaleP(r, dy, [x, ties], dps, [0.5, -2], size));
  one.dotScale = Float32Array.from([k.dotScale(dy, x, dps1[0], 0.5, size), k.dotScale(dy, ties, dps1[1], -2, size)]);
  split.dotScaleDp = Float32Array.from([...grab(dps[0], size), ...grab(dps[1], size)]);
  one.dotScaleDp = Float32Array.from([...grab(dps1[0], size), ...grab(dps1[1], size)]);
  return { split, one, lanes };
}

const ROW_PARALLEL = ['dwConv', 'gemm', 'normalize', 'bnDx', 'reluMask', 'pool3max', 'pool3avg', 'avgPool3Grad', 'maxPool3Grad', 'weightedSum', 'dwFilterGrad', 'dotScaleDp'];
const REDUCTIONS = ['colSum', 'colSqDev', 'colSum2', 'gemmTA', 'dotScale'];
const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const inlineRun = fusedRun(k, null, withScratch, heap);

describe('fused kernels on the kernel pool', () => {
  it('splits big calls into lanes and reductions into a fixed number of chunks', () => {
    const { lanes } = runAll(inlineRun, 32, 3);
    for (const name of ['dwConv', 'gemm', 'normalize', 'bnDx', 'reluMask', 'pool3max', 'avgPool3Grad', 'maxPool3Grad', 'weightedSum']) {
      expect(lanes[name], `${name}: lanes`).toBeGreaterThanOrEqual(4);
    }
    expect(lanes.dwFilterGrad, 'one lane per tap').toBe(9);
    expect(reduceChunks(N * H * W, N * H * W * 32 * 4)).toBe(REDUCE_CHUNKS);
    expect(reduceChunks(64, 64 * 16 * 4), 'small reductions stay one call').toBe(1);
    expect(FUSED_FUNCTIONS).toContain('dotScaleB');
  });

  it.each([[2, 32], [3, 32], [3, 20]])('%i threads, %i channels: equal one thread bit for bit', async (threads, c) => {
    const ref = runAll(inlineRun, c, 11);
    for (const name of ROW_PARALLEL) expect(sameBits(ref.split[name], ref.one[name]), `${name}: lanes = one unsplit call`).toBe(true);
    for (const name of REDUCTIONS) {
      const [s, o] = [ref.split[name], ref.one[name]];
      const scale = Math.max(...Array.from(o, Math.abs));
      for (let i = 0; i < o.length; i++) expect(Math.abs(s[i] - o[i]), `${name}[${i}]`).toBeLessThanOrEqual(1e-4 * scale);
    }
    const pool = await createKernelPool({ memory, threads, modules: [{ bytes: fusedModuleBytes(true), functions: FUSED_FUNCTIONS }], spawn: spawnNode, timeoutMs: 20_000, sleep });
    try {
      const before = pool!.stats();
      const pooled = runAll(fusedRun(k, { run: (l) => pool!.run(l) }, withScratch, heap), c, 11);
      const after = pool!.stats();
      expect(after.generations - before.generations, 'lane lists ran on the pool').toBeGreaterThanOrEqual(10);
      for (const name of [...ROW_PARALLEL, ...REDUCTIONS]) {
        expect(sameBits(pooled.split[name], ref.split[name]), `${name}: ${threads} threads = 1 thread`).toBe(true);
      }
    } finally {
      pool!.dispose();
    }
  }, 120_000);
});

