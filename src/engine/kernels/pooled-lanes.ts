/**
 * Running a lane list (kernel-pool.ts) of one of the engine's wasm modules: on the kernel pool when one holding that
 * module is attached to the heap (the same bits: lanes write disjoint memory, each in its own order), else on this
 * thread. Shared by the element-wise kernels; the conv kernels look their module up the same way.
 */
import { LaneList, runLanesInline, type KernelFn } from '../ops/kernel-pool';
import { convGradSimdFor, kernelPoolFor } from '../ops/wasm-conv-simd';

/** Below this many bytes per op, waking the pool's helpers costs more than splitting saves (same order as poolMinMacs). */
export const POOL_MIN_BYTES = 1 << 19;
/** Bytes of work per lane for memory-bound kernels: a few lanes per thread. */
export const LANE_BYTES = 1 << 17;

/** The pool holding `module` on `memory` (null: none, so run inline). Element-wise modules have no FMA variants. */
export function poolFor(memory: object | undefined, module: string): { run(list: LaneList): void } | null {
  const fma = convGradSimdFor(memory)?.fma;
  if (memory == null || fma == null) return null;
  const pooled = kernelPoolFor(memory, fma, module);
  return pooled ? { run: (list) => pooled.pool.run(list, pooled.base) } : null;
}

/** Runs `list` on the pool of `module` if there is one, else calls `inline` (the module's functions in id order). */
export function runModuleLanes(memory: object | undefined, module: string, inline: readonly KernelFn[], list: LaneList): void {
  const pool = poolFor(memory, module);
  if (pool) pool.run(list);
  else runLanesInline(inline, list);
}
