/**
 * The tfjs kernels and gradients this layer REPLACES (see the other files in this folder for why each exists), with
 * what was registered before, so uninstall restores tfjs's own. Called through install() (../install.ts: when to call
 * it). This module does not import the gradient registrations itself: their ESM files do not load under plain Node ESM
 * (tsx), only bundled. Kernels are registered per backend name and used whenever that backend is the active one.
 *
 * A kernelFunc may run tfjs ops: the engine runs it with kernelDepth > 0, so nothing inside is recorded on the
 * gradient tape, and a returned Tensor is used as the kernel's output as-is. Each kernel runs its ops inside
 * tf.tidy, so only the output survives.
 */
import * as tf from '@tensorflow/tfjs-core';
import { avgPoolGradConfig } from './avg-pool-grad';
import { conv2dBackpropFilterConfig } from './conv-backprop-filter';
import { conv2dGradConfig } from './conv2d-grad';
import { cpuConv2dBackpropInputConfig, cpuConv2dConfig, cpuFusedConv2dConfig } from './cpu-conv-gemm';
import { cpuBinaryConfigs, cpuReduceConfigs } from './cpu-elementwise';
import { cpuTransposeConfig } from './cpu-transpose';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig, depthwiseGradConfig } from './depthwise-backprop';
import { maxPoolGradConfig } from './max-pool-grad';
import { reduceGradConfigs, reduceGradKernelConfigs } from './reduce-grad';
import { reluGradConfig, wasmReluGradConfig } from './relu-grad';
import { wasmConv2dBackpropFilterConfig, wasmConv2dBackpropInputConfig, wasmConv2dConfig } from './wasm-conv-grad';
import { wasmBroadcastConfigs } from './wasm-broadcast';
import { wasmIdentityConfig } from './wasm-identity';
import { withWinograd } from './wasm-winograd-conv';
import { wasmReduceConfigs } from './wasm-reduce';
import { webgpuAddNConfig } from './webgpu-addn';

/** What was registered before we replaced it (undefined: nothing was), for uninstall. */
const previousKernels = new Map<string, tf.KernelConfig | undefined>();
const previousGradients = new Map<string, tf.GradConfig | undefined>();

/** The kernels registered by {@link installTrainingKernels}, per backend. */
const KERNELS: readonly tf.KernelConfig[] = [
  // WASM: fill the missing conv gradients, replace the wrong MaxPoolGrad and the slow Conv2DBackpropInput.
  // (direct WebAssembly-SIMD kernels; the forward-conv formulation for what they do not cover), and the forward
  // Conv2D as the same kernels where they beat XNNPACK (else XNNPACK's).
  // 3x3 stride-1 convs with >= 8 channels first try Winograd F(2x2,3x3) (wasm-winograd-conv.ts): 2.25x fewer multiplies.
  withWinograd(wasmConv2dBackpropFilterConfig()),
  withWinograd(wasmConv2dBackpropInputConfig()),
  withWinograd(wasmConv2dConfig((name) => previousKernels.get(`wasm/${name}`))),
  depthwiseBackpropInputConfig('wasm'),
  depthwiseBackpropFilterConfig('wasm'),
  maxPoolGradConfig('wasm'),
  // WASM: Sum/Mean over a block of leading/middle axes (bias gradients, global average pooling) as SIMD column sums.
  ...wasmReduceConfigs((name) => previousKernels.get(`wasm/${name}`)),
  // WASM: Add/Sub/Multiply/RealDiv with an operand broadcast over middle axes (bias, BN scale, a mean's gradient).
  ...wasmBroadcastConfigs((name) => previousKernels.get(`wasm/${name}`)),
  // WASM: the Relu gradient in one masked pass (relu-grad.ts); Identity (the engine's clone of every tensor saved
  // for backward) sharing memory instead of copying.
  wasmReluGradConfig,
  wasmIdentityConfig((name) => previousKernels.get(`wasm/${name}`)),
  // WASM and CPU: the Sum / Mean gradient (e.g. of global average pooling) as one broadcasting pass (reduce-grad.ts).
  ...reduceGradKernelConfigs,
  // CPU: GEMM convs instead of scalar loops; the filter gradient as a forward conv (which lands on the GEMM).
  cpuConv2dConfig(),
  cpuConv2dBackpropInputConfig(),
  cpuFusedConv2dConfig(),
  conv2dBackpropFilterConfig('cpu'),
  // CPU: an index-walking Transpose (the conv gradients transpose whole activations); other dtypes -> tfjs's.
  cpuTransposeConfig(() => previousKernels.get('cpu/Transpose')),
  // CPU: float32 broadcasting Add/Sub/Multiply/RealDiv and Sum/Mean without per-element index math.
  ...cpuBinaryConfigs((name) => previousKernels.get(`cpu/${name}`)),
  ...cpuReduceConfigs((name) => previousKernels.get(`cpu/${name}`)),
  // WEBGPU: AddN over more inputs than a shader may bind (the gradient clipping's global norm), in chunks.
  webgpuAddNConfig((name) => previousKernels.get(`webgpu/${name}`)),
];

/** Gradients registered for every backend. */
const GRADIENTS: readonly tf.GradConfig[] = [conv2dGradConfig, depthwiseGradConfig, avgPoolGradConfig, reluGradConfig, ...reduceGradConfigs];

const kernelKey = (c: { kernelName: string; backendName: string }): string => `${c.backendName}/${c.kernelName}`;

export function installTrainingKernels(): void {
  for (const config of KERNELS) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current === config) continue;
    const key = kernelKey(config);
    if (!previousKernels.has(key)) previousKernels.set(key, current);
    if (current != null) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  for (const config of GRADIENTS) {
    const current = tf.getGradient(config.kernelName);
    if (current === config) continue;
    if (!previousGradients.has(config.kernelName)) previousGradients.set(config.kernelName, current);
    tf.registerGradient(config);
  }
}

/** Restores tfjs's own kernels and gradients (used by benchmarks and tests to compare against them). */
export function uninstallTrainingKernels(): void {
  for (const config of KERNELS) {
    const key = kernelKey(config);
    if (!previousKernels.has(key)) continue;
    const previous = previousKernels.get(key);
    if (tf.getKernel(config.kernelName, config.backendName) === config) {
      tf.unregisterKernel(config.kernelName, config.backendName);
      if (previous != null) {
        tf.registerKernel(previous);
        // If the backend started while ours was registered, the original's setup (e.g. a WASM cwrap) never ran.
        // (Look in the engine's registry of started backends: findBackend would start one that is not.)
        const backend = tf.engine().registry[config.backendName];
        if (backend != null && previous.setupFunc != null) previous.setupFunc(backend);
      }
    }
    previousKernels.delete(key);
  }
  for (const config of GRADIENTS) {
    if (!previousGradients.has(config.kernelName)) continue;
    const previous = previousGradients.get(config.kernelName);
    if (tf.getGradient(config.kernelName) === config) {
      if (previous != null) tf.registerGradient(previous);
      else tf.unregisterGradient(config.kernelName);
    }
    previousGradients.delete(config.kernelName);
  }
}

/** `backend/KernelName` of every kernel this module registers, and the kernel names whose gradient it replaces. */
export function trainingKernelManifest(): { kernels: string[]; gradients: string[] } {
  return { kernels: KERNELS.map(kernelKey), gradients: GRADIENTS.map((g) => g.kernelName) };
}
