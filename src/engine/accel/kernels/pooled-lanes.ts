/**
 * Sizes for splitting the memory-bound element-wise kernels (wasm-broadcast.ts, relu-grad.ts) on the kernel pool;
 * the pool itself is found with modulePoolFor(memory, 'elementwise') (pool/registry.ts).
 */

/** Below this many bytes per op, waking the pool's helpers costs more than splitting saves (same order as poolMinMacs). */
export const POOL_MIN_BYTES = 1 << 19;
/** Bytes of work per lane for memory-bound kernels: a few lanes per thread. */
export const LANE_BYTES = 1 << 17;
