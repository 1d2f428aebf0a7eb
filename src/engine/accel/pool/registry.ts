/**
 * Which kernel pool (kernel-pool.ts) serves the engine's kernels on a wasm heap: the worker that starts a pool attaches
 * it to the heap's memory with the names of its modules ('conv', 'winograd', 'elementwise', 'fused'); a kernel finds
 * its module's pool here and runs its lanes there, or on its own thread when there is none (not cross-origin
 * isolated, a kernel too small to split, a pool that failed): the same bits either way.
 */
import { LaneList, runLanesInline, type KernelFn, type KernelPool } from './kernel-pool';
import { CONV_NAMES, convGradSimdFor } from '../wasm/conv-module';

interface Attached { pool: KernelPool; fma: boolean; modules: readonly string[] }
const pools = new WeakMap<object, Attached>();

/** A pool's module: the pool and the id of the module's first function; `run` runs lanes of the module's own ids. */
export interface PooledModule {
  readonly pool: KernelPool;
  readonly base: number;
  run(list: LaneList): void;
}

/**
 * Makes the engine's kernels on `memory` run on `pool`. `modules` names the pool's modules in order ('conv' must be
 * convSimdModule(fma, true); others, e.g. 'winograd', are found by kernelPoolFor(memory, fma, name)); every module
 * must be built in SIMD mode `fma`. Kernels in the other mode (accelOptions().fma switched) keep running on one thread.
 */
export function attachKernelPool(memory: object, pool: KernelPool, fma: boolean, modules: readonly string[] = ['conv']): void {
  if (modules.length !== pool.moduleBases.length) throw new Error(`attachKernelPool: ${modules.length} module names for a pool of ${pool.moduleBases.length} modules`);
  const conv = modules.indexOf('conv');
  if (conv >= 0 && pool.functions.slice(pool.moduleBases[conv], pool.moduleBases[conv] + CONV_NAMES.length).join() !== CONV_NAMES.join()) {
    throw new Error('attachKernelPool: the pool\'s "conv" module is not the conv kernels');
  }
  pools.set(memory, { pool, fma, modules: [...modules] });
}

/** Detaches (does not dispose) the pool of `memory`. */
export function detachKernelPool(memory: object): void {
  pools.delete(memory);
}

/**
 * The usable pool attached to `memory` for kernels of module `module` in SIMD mode `fma`; null when there is none (or
 * it failed, or was disposed): the kernels then run on one thread.
 */
export function kernelPoolFor(memory: object | undefined, fma: boolean, module = 'conv'): PooledModule | null {
  if (memory == null) return null;
  const a = pools.get(memory);
  if (!a || a.fma !== fma || !a.pool.usable) return null;
  const i = a.modules.indexOf(module);
  if (i < 0) return null;
  const { pool } = a;
  const base = pool.moduleBases[i];
  return { pool, base, run: (list) => pool.run(list, base) };
}

/**
 * kernelPoolFor for modules without FMA variants (element-wise, fused): the pool is looked up in the SIMD mode of its
 * conv module, which attach fixes.
 */
export function modulePoolFor(memory: object | undefined, module: string): PooledModule | null {
  const fma = convGradSimdFor(memory)?.fma;
  return fma == null ? null : kernelPoolFor(memory, fma, module);
}

/** Runs `list` on `pooled` when there is a pool, else on this thread with the module's functions `inline`. */
export function runLanes(pooled: PooledModule | null, inline: readonly KernelFn[], list: LaneList): void {
  if (pooled) pooled.run(list);
  else runLanesInline(inline, list);
}
