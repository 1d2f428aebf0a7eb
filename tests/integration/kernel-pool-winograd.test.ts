/**
 * Winograd convs (src/engine/accel/kernels/wasm-winograd-conv.ts) on the kernel pool: on a standalone SHARED WebAssembly.Memory
 * (as the threaded wasm heap is) with real node:worker_threads helpers, F(2x2), F(4x4) and grouped F(2x2) forward,
 * input-gradient and filter-gradient results on 2 and 3 threads equal the one-thread run BIT FOR BIT (the lanes are
 * chunks of images; the filter gradient's per-chunk partial sums are added in chunk order), and the pool really ran
 * lanes. The kernels see the heap through `HeapBackend`, the few calls of tfjs's wasm backend they use (allocate an
 * output, find a tensor's offset), here over the standalone memory instead of tfjs's heap, which is not shared in Node.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { lcgValues } from '../helpers/synthetic';
import { sleep, spawnNode, terminateAll } from '../helpers/spawn-node';
import { winogradConv2d, winogradFilterGrad, winogradInputGrad } from '../../src/engine/accel/kernels/wasm-winograd-conv';
import { setAccelOptions } from '../../src/engine/accel';
import { createKernelPool, type KernelPool } from '../../src/engine/accel/pool/kernel-pool';
import { attachKernelPool, detachKernelPool } from '../../src/engine/accel/pool/registry';
import { WINOGRAD_FUNCTIONS, winogradModuleBytes, winogradSimdFor } from '../../src/engine/accel/wasm/winograd-module';

afterAll(terminateAll);

const PAGES = 512; // 32 MiB
const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });

/** tfjs's wasm backend as the kernels use it, over `memory` with a bump allocator (freed all at once by reset()). */
class HeapBackend {
  private next = 64;
  private readonly offsets = new Map<object, number>();
  readonly wasm = { asm: { memory } };
  readonly dataIdMap = { get: (id: object) => { const o = this.offsets.get(id); return o == null ? undefined : { memoryOffset: o }; } };
  makeOutput(shape: number[], dtype: 'float32'): tfc.TensorInfo {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    const dataId = {};
    this.offsets.set(dataId, this.next);
    this.next = Math.ceil((this.next + bytes) / 64) * 64;
    if (this.next > PAGES * 65536) throw new Error('HeapBackend: out of memory');
    return { dataId, shape, dtype };
  }
  typedArrayFromHeap(info: tfc.TensorInfo): Float32Array {
    const n = info.shape.reduce((a, b) => a * b, 1);
    return new Float32Array(memory.buffer, this.offsets.get(info.dataId)!, n);
  }
  disposeData(): void { /* bump allocator: freed by reset() */ }
  tensor(values: Float32Array, shape: number[]): tfc.TensorInfo {
    const t = this.makeOutput(shape, 'float32');
    this.typedArrayFromHeap(t).set(values);
    return t;
  }
  read(info: tfc.TensorInfo | null): Float32Array {
    expect(info).not.toBeNull();
    return this.typedArrayFromHeap(info!).slice();
  }
  reset(): void { this.next = 64; this.offsets.clear(); }
}

interface Case { name: string; x: [number, number, number, number]; cout: number; pad: 'same' | 'valid'; mode: 2 | 4 | 'grouped' }
const CASES: Case[] = [
  { name: 'F(2x2) 16->32 same, 9 images', x: [9, 10, 9, 16], cout: 32, pad: 'same', mode: 2 },
  { name: 'F(4x4) 8->16 valid, 11 images', x: [11, 14, 13, 8], cout: 16, pad: 'valid', mode: 4 },
  { name: 'grouped F(2x2) 32->32 same, 10 images', x: [10, 4, 4, 32], cout: 32, pad: 'same', mode: 'grouped' },
];
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function runCase(b: HeapBackend, c: Case): Float32Array[] {
  b.reset();
  const w: [number, number, number, number] = [3, 3, c.x[3], c.cout];
  const oh = c.pad === 'same' ? c.x[1] : c.x[1] - 2;
  const ow = c.pad === 'same' ? c.x[2] : c.x[2] - 2;
  const x = b.tensor(lcgValues(size(c.x), 51, 1, 4), c.x);
  const f = b.tensor(lcgValues(size(w), 52, 1, 4), w);
  const dy = b.tensor(lcgValues(c.x[0] * oh * ow * c.cout, 53, 1, 4), [c.x[0], oh, ow, c.cout]);
  const attrs = { strides: 1, pad: c.pad };
  return [b.read(winogradConv2d(b, x, f, attrs)), b.read(winogradInputGrad(b, dy, f, c.x, attrs)), b.read(winogradFilterGrad(b, x, dy, w, attrs))];
}

describe('Winograd convs on the kernel pool', () => {
  it.each([2, 3])('%i threads: F(2x2), F(4x4) and grouped equal one thread bit for bit', async (threads) => {
    const fma = winogradSimdFor(memory)!.fma;
    const b = new HeapBackend();
    let pool: KernelPool | null = null;
    try {
      for (const c of CASES) {
        if (c.mode === 'grouped') setAccelOptions({ winograd: { tiling: 'auto', minTileRow: 1000, minTileRow4: 1000, groupMinChannels: 1 } });
        else setAccelOptions({ winograd: { tiling: c.mode } });
        const inline = runCase(b, c);
        pool = await createKernelPool({ memory, threads, modules: [{ bytes: winogradModuleBytes(true, fma), functions: WINOGRAD_FUNCTIONS }], spawn: spawnNode, timeoutMs: 20_000, sleep });
        attachKernelPool(memory, pool!, fma, ['winograd']);
        const before = pool!.stats();
        const pooled = runCase(b, c);
        const after = pool!.stats();
        expect(after.generations - before.generations, `${c.name}: ran on the pool`).toBe(3);
        ['y', 'dx', 'dw'].forEach((name, i) => {
          expect(pooled[i].length, name).toBe(inline[i].length);
          expect(inline[i].some((v) => v !== 0), `${c.name} ${name}: non-trivial`).toBe(true);
          expect(Buffer.from(pooled[i].buffer).equals(Buffer.from(inline[i].buffer)), `${c.name} ${name}: same bits`).toBe(true);
        });
        detachKernelPool(memory);
        pool!.dispose();
        pool = null;
        setAccelOptions();
      }
    } finally {
      setAccelOptions();
      detachKernelPool(memory);
      pool?.dispose();
    }
  }, 60_000);
});
