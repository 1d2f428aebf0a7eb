/**
 * The acceleration layer's public API (src/engine/accel/index.ts): the one options object (defaults, set, scoped
 * changes that restore, install(options)), and startKernelPool, which builds the engine's modules itself and attaches
 * the pool to a backend's shared heap (real worker_threads helpers on a standalone shared memory standing in for the
 * threaded wasm heap), or says why not; registerPoolModule, which adds a module of one's own to pools started later.
 */
import { useBackend } from '../helpers/tf-node';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, spawnNode, terminateAll } from '../helpers/spawn-node';
import {
  accelOptions, accelStatus, DEFAULT_ACCEL_OPTIONS, install, kernelPoolThreads, LaneList, modulePoolFor, registerPoolModule,
  setAccelOptions, startKernelPool, withAccelOptions,
} from '../../src/engine/accel';
import { I, I32, moduleBytes } from '../../src/engine/accel/wasm/assembler';
import { detachKernelPool, kernelPoolFor } from '../../src/engine/accel/pool/registry';
import { CONV_NAMES, convGradSimdFor } from '../../src/engine/accel/wasm/conv-module';

afterAll(terminateAll);

describe('accel options', () => {
  it('set: the defaults with the input applied, groups merged field by field', () => {
    try {
      setAccelOptions({ conv: { poolMinMacs: 7 }, wasmReduce: false });
      expect(accelOptions().conv).toEqual({ ...DEFAULT_ACCEL_OPTIONS.conv, poolMinMacs: 7 });
      expect(accelOptions().wasmReduce).toBe(false);
      setAccelOptions({ fma: false });
      expect(accelOptions().conv.poolMinMacs).toBe(DEFAULT_ACCEL_OPTIONS.conv.poolMinMacs);
      expect(accelOptions().wasmReduce).toBe(true);
      expect(accelOptions().fma).toBe(false);
    } finally {
      setAccelOptions();
    }
    expect(accelOptions()).toEqual(DEFAULT_ACCEL_OPTIONS);
  });

  it('withAccelOptions applies on top of the current options and restores them after a return, a throw and a promise', async () => {
    setAccelOptions({ winograd: { minChannels: 16 } });
    try {
      const seen = withAccelOptions({ winograd: { enabled: false } }, () => ({ ...accelOptions().winograd }));
      expect(seen).toMatchObject({ enabled: false, minChannels: 16 });
      expect(accelOptions().winograd).toMatchObject({ enabled: true, minChannels: 16 });
      expect(() => withAccelOptions({ reluGrad: false }, () => { throw new Error('boom'); })).toThrow('boom');
      expect(accelOptions().reluGrad).toBe(true);
      const inside = await withAccelOptions({ fused: { stages: false } }, async () => {
        await sleep(1);
        return accelOptions().fused.stages;
      });
      expect(inside).toBe(false);
      expect(accelOptions().fused.stages).toBe(true);
    } finally {
      setAccelOptions();
    }
  });

  it('install(options) sets the options; install() leaves them as they are', async () => {
    await useBackend('cpu');
    try {
      install({ copyFreeIdentity: false });
      expect(accelOptions().copyFreeIdentity).toBe(false);
      install();
      expect(accelOptions().copyFreeIdentity).toBe(false);
    } finally {
      setAccelOptions();
    }
  });
});

describe('startKernelPool', () => {
  const PAGES = 64;

  it('starts the pool with the engine\'s modules on the backend\'s shared heap and attaches it', async () => {
    const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
    const backend = { wasm: { asm: { memory } } };
    expect(accelStatus(backend)).toEqual({ simd: true, heap: 'shared', poolThreads: 1 });
    const pool = await startKernelPool({ backend, threads: 2, spawn: spawnNode, timeoutMs: 20_000, sleep });
    try {
      expect(pool).not.toBeNull();
      expect(pool!.threads).toBe(2);
      expect(pool!.functions.slice(0, CONV_NAMES.length)).toEqual([...CONV_NAMES]);
      expect(pool!.moduleBases.length).toBe(4); // conv, winograd, elementwise, fused
      const fma = convGradSimdFor(memory)!.fma;
      for (const name of ['conv', 'winograd', 'elementwise', 'fused']) expect(kernelPoolFor(memory, fma, name), name).not.toBeNull();
      expect(kernelPoolThreads(backend)).toBe(2);
      expect(accelStatus(backend)).toEqual({ simd: true, heap: 'shared', poolThreads: 2 });
    } finally {
      detachKernelPool(memory);
      pool?.dispose();
    }
    expect(kernelPoolThreads(backend)).toBe(1);
  });

  it('resolves to null for one thread, and rejects with the reason without SIMD kernels or a shared heap', async () => {
    const opts = { spawn: spawnNode, timeoutMs: 20_000, sleep };
    const shared = { wasm: { asm: { memory: new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true }) } } };
    await expect(startKernelPool({ ...opts, backend: shared, threads: 1 })).resolves.toBeNull();
    await expect(startKernelPool({ ...opts, backend: {}, threads: 2 })).rejects.toThrow(/no SIMD kernels on the shared heap/);
    const plain = { wasm: { asm: { memory: new WebAssembly.Memory({ initial: PAGES }) } } };
    expect(accelStatus(plain)).toEqual({ simd: true, heap: 'not shared', poolThreads: 1 });
    await expect(startKernelPool({ ...opts, backend: plain, threads: 2 })).rejects.toThrow(/not shared/);
  });
});

describe('registerPoolModule', () => {
  // store(p, v): heap[p] = v, run by a lane on whichever thread claims it.
  const STORE = { name: 'store', params: [I32, I32], results: [], locals: [], body: [...I.get(0), ...I.get(1), 0x36, 2, 0] };

  it('puts a module of one\'s own on every pool started afterwards, under its name; removed, later pools lack it', async () => {
    expect(() => registerPoolModule('fused', { bytes: moduleBytes([STORE], true), functions: ['store'] })).toThrow(/engine's own/);
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
    const backend = { wasm: { asm: { memory } } };
    const remove = registerPoolModule('toy-store', { bytes: moduleBytes([STORE], true), functions: ['store'] });
    let pool = await startKernelPool({ backend, threads: 2, spawn: spawnNode, timeoutMs: 20_000, sleep });
    try {
      expect(pool!.moduleBases.length).toBe(5);
      expect(pool!.functions[pool!.functions.length - 1]).toBe('store');
      const pooled = modulePoolFor(memory, 'toy-store');
      expect(pooled).not.toBeNull();
      const list = new LaneList();
      for (let i = 0; i < 64; i++) list.lane().call(0, 4096 + 4 * i, 1000 + i);
      pooled!.run(list);
      const words = new Int32Array(memory.buffer, 4096, 64);
      expect(Array.from(words)).toEqual(Array.from({ length: 64 }, (_, i) => 1000 + i));
    } finally {
      detachKernelPool(memory);
      pool?.dispose();
    }
    remove();
    pool = await startKernelPool({ backend, threads: 2, spawn: spawnNode, timeoutMs: 20_000, sleep });
    try {
      expect(pool!.moduleBases.length).toBe(4);
      expect(modulePoolFor(memory, 'toy-store')).toBeNull();
    } finally {
      detachKernelPool(memory);
      pool?.dispose();
    }
  });
});
