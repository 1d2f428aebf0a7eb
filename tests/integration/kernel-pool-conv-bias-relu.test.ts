/**
 * The benchmark's conv + bias + ReLU epilogue and its one-pass gradient (bench/ops/conv-bias-relu-kernels.ts, module
 * bench/ops/conv-bias-relu-module.ts) on the engine's kernel pool: the module is registered from outside the accel layer
 * (registerPoolModule, through registerConvBiasReluKernels), so the pool startKernelPool starts on a standalone SHARED
 * memory (real worker_threads helpers) holds it under 'conv-bias-relu'. Split across 2 and 3 threads, the lanes equal
 * one thread's bit for bit (the gradient's bias sums come in fixed chunks of rows), and a JS reference.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lcgValues } from '../helpers/synthetic';
import { sleep, spawnNode, terminateAll } from '../helpers/spawn-node';
import { modulePoolFor, runLanesInline, startKernelPool } from '../../src/engine/accel';
import { columnSumChunkRows } from '../../src/engine/accel/kernels/wasm-reduce';
import { detachKernelPool } from '../../src/engine/accel/pool/registry';
import {
  CONV_BIAS_RELU_POOL_MODULE, biasReluLanes, registerConvBiasReluKernels, reluGradBiasSumLanes,
} from '../../bench/ops/conv-bias-relu-kernels';
import { CONV_BIAS_RELU_FUNCTIONS, convBiasReluSimdFor } from '../../bench/ops/conv-bias-relu-module';

afterAll(terminateAll);

const PAGES = 256;
const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
const backend = { wasm: { asm: { memory } } };
const heap = () => new Float32Array(memory.buffer);
const [outer, mid, inner] = [3, 3000, 24]; // 9000 rows of 24 channels: several lanes
const N = outer * mid * inner;
const [PF, PB, PDY, PO, PO2] = [0, 4 * N, 8 * N, 12 * N, 16 * N]; // byte offsets of disjoint regions

describe('conv + bias + ReLU kernels on the kernel pool (a module registered from outside the engine)', () => {
  it.each([2, 3])('%i threads: the epilogue and its gradient equal one thread bit for bit', async (threads) => {
    registerConvBiasReluKernels();
    const simd = convBiasReluSimdFor(memory)!;
    const f = lcgValues(N, 61, 1, 4);
    const b = lcgValues(outer * inner, 62, 1, 4).map((v) => (v >= 0 ? v + 0.5 : v - 0.5));
    const dy = lcgValues(N, 63, 1, 4);
    heap().set(f, PF / 4);
    heap().set(b, PB / 4);
    heap().set(dy, PDY / 4);
    const pool = await startKernelPool({ backend, threads, spawn: spawnNode, timeoutMs: 20_000, sleep });
    try {
      expect(pool!.functions.slice(-CONV_BIAS_RELU_FUNCTIONS.length)).toEqual([...CONV_BIAS_RELU_FUNCTIONS]);
      const pooled = modulePoolFor(memory, CONV_BIAS_RELU_POOL_MODULE);
      expect(pooled, 'the registered module is on the pool').not.toBeNull();

      // The conv + bias + ReLU epilogue and its gradient (rows of `inner` channels; bias = the first outer block of b).
      const rows = outer * mid;
      const inline = CONV_BIAS_RELU_FUNCTIONS.map((name) => simd[name]);
      runLanesInline(inline, biasReluLanes(PF, PB, PO, rows, inner));
      const epi = biasReluLanes(PF, PB, PO2, rows, inner);
      expect(epi.finish().lanes).toBeGreaterThan(threads);
      pooled!.run(epi);
      const [e1, e2] = [heap().slice(PO / 4, PO / 4 + N), heap().slice(PO2 / 4, PO2 / 4 + N)];
      expect(Buffer.from(e2.buffer).equals(Buffer.from(e1.buffer)), 'biasRelu: same bits').toBe(true);
      for (let i = 0; i < N; i += 991) expect(e1[i]).toBe(Math.max(Math.fround(f[i] + b[i % inner]), 0));
      const chunks = Math.ceil(rows / columnSumChunkRows(inner));
      const [PS1, PS2] = [20 * N, 20 * N + chunks * inner * 4];
      const [PDZ1, PDZ2] = [24 * N, 28 * N];
      runLanesInline(inline, reluGradBiasSumLanes(PDY, PO, PDZ1, PS1, rows, inner));
      const grad = reluGradBiasSumLanes(PDY, PO, PDZ2, PS2, rows, inner);
      expect(grad.finish().lanes).toBeGreaterThan(threads);
      pooled!.run(grad);
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
      detachKernelPool(memory);
      pool?.dispose();
    }
  }, 60_000);
});
