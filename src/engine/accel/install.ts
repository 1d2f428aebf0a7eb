/**
 * The acceleration layer's one entry point for tfjs: registers every kernel of this folder with tfjs-core, per backend
 * name (the engine never selects a backend; a kernel is used whenever its backend is the active one):
 *  - kernels/training-kernels.ts: tfjs kernels and gradients REPLACED by corrected or faster ones (wasm conv gradients,
 *    max-pool gradient, SIMD convs, Winograd, reductions, broadcasts, ReLU gradient, Identity; cpu GEMM convs; the
 *    avg-pool, Sum/Mean and conv gradients on every backend); `uninstall()` restores tfjs's own.
 *  - fused/kernels.ts, fused/strided.ts, fused/optim.ts: kernels under names of their own (Nas*) for the supernet fast
 *    path and the fused optimiser on wasm and cpu. They replace nothing, so the fast path also registers them on first
 *    use (a supernet works before install()).
 *  - webgpu/kernels.ts: WGSL kernels for the webgpu backend (batch norm, the mixed op's weighted sum), likewise.
 * Call after the tfjs backends AND tfjs's gradients have been imported (a backend registers its kernels on import,
 * '@tensorflow/tfjs-core/dist/register_all_gradients' or '@tensorflow/tfjs' the gradients; either would overwrite ours
 * if imported later) and before training. Calling it again is cheap and re-asserts ours, so a training loop can simply
 * call it at its start.
 */
import { registerFusedKernels } from './fused/kernels';
import { registerStridedKernels } from './fused/strided';
import { installTrainingKernels, uninstallTrainingKernels } from './kernels/training-kernels';
import { registerWebGpuKernels } from './webgpu/kernels';
import { setAccelOptions, type AccelOptionsInput } from './options';

/**
 * Registers every kernel. `options`, when given, become the options (the defaults with these applied); when omitted the
 * options stay as they are, so a training loop's install() does not undo a benchmark's settings.
 */
export function install(options?: AccelOptionsInput): void {
  if (options) setAccelOptions(options);
  installTrainingKernels();
  registerFusedKernels();
  registerStridedKernels();
  registerWebGpuKernels();
}

/** Restores tfjs's own kernels and gradients where install() replaced them (benchmarks and tests compare with them). */
export function uninstall(): void {
  uninstallTrainingKernels();
}
