/**
 * The element-wise kernels on the kernel pool (wasm/elementwise-module.ts; lanes from kernels/wasm-broadcast.ts
 * broadcastLanes and kernels/relu-grad.ts reluGradLanes): on a standalone SHARED memory with real worker_threads
 * helpers, a broadcast Add / Sub-left / Mul / Div and the ReLU gradient split across 2 and 3 threads equal the one-call
 * results bit for bit, and a float64 JS reference within float32 rounding. (The benchmark's conv + bias + ReLU
 * epilogue, once in this module: kernel-pool-conv-bias-relu.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lcgValues } from '../helpers/synthetic';
import { sleep, spawnNode, terminateAll } from '../helpers/spawn-node';
import { broadcastLanes } from '../../src/engine/accel/kernels/wasm-broadcast';
import { reluGradLanes } from '../../src/engine/accel/kernels/relu-grad';
import { createKernelPool } from '../../src/engine/accel/pool/kernel-pool';
import { ELEMENTWISE_FUNCTIONS, elementwiseModuleBytes, elementwiseSimdFor } from '../../src/engine/accel/wasm/elementwise-module';

afterAll(terminateAll);

const PAGES = 256;
const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
const heap = () => new Float32Array(memory.buffer);
const [outer, mid, inner] = [3, 3000, 24]; // 3 outer blocks of 3000 rows of 24 floats: several lanes per block
const N = outer * mid * inner;
const [PF, PB, PDY, PO, PO2] = [0, 4 * N, 8 * N, 12 * N, 16 * N]; // byte offsets of disjoint regions

describe('element-wise kernels on the kernel pool', () => {
  it.each([2, 3])('%i threads: broadcast ops and the ReLU gradient equal one call bit for bit', async (threads) => {
    const simd = elementwiseSimdFor(memory)!;
    const f = lcgValues(N, 61, 1, 4);
    const b = lcgValues(outer * inner, 62, 1, 4).map((v) => (v >= 0 ? v + 0.5 : v - 0.5));
    heap().set(f, PF / 4);
    heap().set(b, PB / 4);
    const pool = await createKernelPool({ memory, threads, modules: [{ bytes: elementwiseModuleBytes(true), functions: ELEMENTWISE_FUNCTIONS }], spawn: spawnNode, timeoutMs: 20_000, sleep });
    try {
      const ref: Record<string, (x: number, y: number) => number> = { bcAdd: (x, y) => x + y, bcSubL: (x, y) => y - x, bcMul: (x, y) => x * y, bcDiv: (x, y) => x / y };
      for (const name of Object.keys(ref)) {
        simd[name](PF, PB, PO, outer, mid, inner * 4);
        const list = broadcastLanes(name, PF, PB, PO2, outer, mid, inner * 4);
        expect(list.finish().lanes, `${name}: several lanes`).toBeGreaterThan(threads);
        pool!.run(list);
        const [one, pooled] = [heap().slice(PO / 4, PO / 4 + N), heap().slice(PO2 / 4, PO2 / 4 + N)];
        expect(Buffer.from(pooled.buffer).equals(Buffer.from(one.buffer)), `${name}: same bits`).toBe(true);
        for (const i of [0, 1, inner, mid * inner + 5, N - 1]) {
          const o = Math.floor(i / (mid * inner));
          const expected = Math.fround(ref[name](f[i], b[o * inner + (i % inner)]));
          expect(one[i], `${name}[${i}]`).toBe(expected);
        }
      }
      const dy = lcgValues(N, 63, 1, 4);
      heap().set(dy, PDY / 4);
      simd.reluGrad(PDY, PF, PO, N);
      const list = reluGradLanes(PDY, PF, PO2, N);
      expect(list.finish().lanes).toBeGreaterThan(threads);
      pool!.run(list);
      const [one, pooled] = [heap().slice(PO / 4, PO / 4 + N), heap().slice(PO2 / 4, PO2 / 4 + N)];
      expect(Buffer.from(pooled.buffer).equals(Buffer.from(one.buffer)), 'reluGrad: same bits').toBe(true);
      for (let i = 0; i < N; i += 997) expect(one[i]).toBe(f[i] > 0 ? dy[i] : 0);

    } finally {
      pool!.dispose();
    }
  }, 60_000);
});
