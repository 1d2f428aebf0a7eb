/**
 * The element-wise kernels on the kernel pool (ops/wasm-elementwise-simd.ts; lanes from kernels/wasm-broadcast.ts
 * broadcastLanes and kernels/relu-grad.ts reluGradLanes): on a standalone SHARED memory with real worker_threads
 * helpers, a broadcast Add / Sub-left / Mul / Div and the ReLU gradient split across 2 and 3 threads equal the one-call
 * results bit for bit, and a float64 JS reference within float32 rounding; so do the conv + bias + ReLU epilogue and its
 * one-pass gradient (kernels/wasm-conv-bias-relu.ts), whose bias sums come in fixed chunks of rows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lcgValues } from '../helpers/synthetic';
import { sleep, spawnNode, terminateAll } from '../helpers/spawn-node';
import { broadcastLanes } from '../../src/engine/accel/kernels/wasm-broadcast';
import { reluGradLanes } from '../../src/engine/accel/kernels/relu-grad';
import { biasReluLanes, reluGradBiasSumLanes } from '../../src/engine/accel/kernels/wasm-conv-bias-relu';
import { columnSumChunkRows } from '../../src/engine/accel/kernels/wasm-reduce';
import { createKernelPool, runLanesInline } from '../../src/engine/accel/pool/kernel-pool';
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

      // The conv + bias + ReLU epilogue and its gradient (rows of `inner` channels; bias = the first outer block of b).
      const rows = outer * mid;
      const inline = ELEMENTWISE_FUNCTIONS.map((name) => simd[name]);
      runLanesInline(inline, biasReluLanes(PF, PB, PO, rows, inner));
      const epi = biasReluLanes(PF, PB, PO2, rows, inner);
      expect(epi.finish().lanes).toBeGreaterThan(threads);
      pool!.run(epi);
      const [e1, e2] = [heap().slice(PO / 4, PO / 4 + N), heap().slice(PO2 / 4, PO2 / 4 + N)];
      expect(Buffer.from(e2.buffer).equals(Buffer.from(e1.buffer)), 'biasRelu: same bits').toBe(true);
      for (let i = 0; i < N; i += 991) expect(e1[i]).toBe(Math.max(Math.fround(f[i] + b[i % inner]), 0));
      const chunks = Math.ceil(rows / columnSumChunkRows(inner));
      const [PS1, PS2] = [20 * N, 20 * N + chunks * inner * 4];
      const [PDZ1, PDZ2] = [24 * N, 28 * N];
      runLanesInline(inline, reluGradBiasSumLanes(PDY, PO, PDZ1, PS1, rows, inner));
      const grad = reluGradBiasSumLanes(PDY, PO, PDZ2, PS2, rows, inner);
      expect(grad.finish().lanes).toBeGreaterThan(threads);
      pool!.run(grad);
      const [g1, g2] = [heap().slice(PDZ1 / 4, PDZ1 / 4 + N), heap().slice(PDZ2 / 4, PDZ2 / 4 + N)];
      expect(Buffer.from(g2.buffer).equals(Buffer.from(g1.buffer)), 'reluGradBiasSum dz: same bits').toBe(true);
      const [s1, s2] = [heap().slice(PS1 / 4, PS1 / 4 + chunks * inner), heap().slice(PS2 / 4, PS2 / 4 + chunks * inner)];
      expect(Buffer.from(s2.buffer).equals(Buffer.from(s1.buffer)), 'reluGradBiasSum partial sums: same bits').toBe(true);
      for (let i = 0; i < N; i += 989) expect(g1[i]).toBe(e1[i] > 0 ? dy[i] : 0);
      for (let ch = 0; ch < inner; ch += 5) {
        let exact = 0;
        for (let r = 0; r < rows; r++) exact += e1[r * inner + ch] > 0 ? dy[r * inner + ch] : 0;
        let got = 0;
        for (let k = 0; k < chunks; k++) got += s1[k * inner + ch];
        expect(Math.abs(got - exact), `bias sum of channel ${ch}`).toBeLessThan(1e-3);
      }
    } finally {
      pool!.dispose();
    }
  }, 60_000);
});
