/**
 * The engine's acceleration layer (README.md in this folder): WebAssembly-SIMD kernels assembled at run time, the kernel
 * thread pool, and the tfjs kernel registrations that use them, behind one options object and one install(). Code
 * outside this folder imports from here.
 */
export {
  DEFAULT_ACCEL_OPTIONS, accelOptions, setAccelOptions, withAccelOptions, type AccelOptions, type AccelOptionsInput,
} from './options';
export { install, uninstall } from './install';
export { trainingKernelManifest } from './kernels/training-kernels';
export { startKernelPool, kernelPoolThreads, type StartKernelPoolOptions } from './pool/engine-pool';
export type { HelperPort, KernelPool, SpawnHelper } from './pool/kernel-pool';
export { accelStatus, type AccelStatus } from './status';
// The supernet fast path's fused ops (supernet/fast-mixed-op.ts) and the fused optimiser's kernels (optim/).
export {
  fusedAvgPool3, fusedBatchNorm, fusedConvStage, fusedDepthwise, fusedMaxPool3, fusedPointwise, fusedPoolBn, fusedWeightedSum,
  type StageOptions,
} from './fused/ops';
export { fusedStridedDepthwise, fusedStridedPool3 } from './fused/strided';
export { fusedKernelsAvailable } from './fused/kernels';
// The webgpu backend's WGSL kernels (webgpu/): used by fused/ops.ts, the candidates' fast path and the supernet fast path.
export { webgpuKernelsAvailable } from './webgpu/kernels';
export { gpuBatchNorm } from './webgpu/ops';
export { NAS_SGD_MOMENTUM, NAS_SUM_SQUARES } from './fused/optim';
// Kernels of one's own on the engine's heap and kernel pool (README, "Kernels from outside this layer"): a module built
// with wasm/assembler.ts, registered before the pool starts, run as lane lists (bench/ops/conv-bias-relu-kernels.ts).
export { registerPoolModule } from './pool/engine-pool';
export { LaneList, functionTable, runLanesInline, type KernelFn, type PoolModule } from './pool/kernel-pool';
export { modulePoolFor, runLanes, type PooledModule } from './pool/registry';
export { heapOffset, wasmHeap, type WasmBackendLike } from './wasm/backend-like';
export { LANE_BYTES, POOL_MIN_BYTES } from './kernels/pooled-lanes';
