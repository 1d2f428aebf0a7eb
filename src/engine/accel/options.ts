/**
 * The acceleration layer's ONE options object: every switch and measured threshold of the engine's own kernels. The
 * defaults are what the app runs; benchmarks and tests set other values through `setAccelOptions` / `withAccelOptions`
 * (or `install(options)`), never by writing into a kernel file. Kernels read `accelOptions()` when they run, so a
 * change applies to the next kernel call. Where each threshold was measured: README.md in this folder.
 */

export interface AccelOptions {
  /**
   * Relaxed-SIMD FMA in the conv and Winograd GEMMs where the engine has it (Chromium; Node only with
   * --experimental-wasm-relaxed-simd). Results then differ from mul + add in the last bits. false: plain SIMD.
   */
  readonly fma: boolean;
  /** The direct WebAssembly-SIMD conv kernels on WASM (kernels/wasm-conv-grad.ts). */
  readonly conv: {
    /** false: tfjs's kernels / the forward-conv formulation of the gradients (kernels/conv-backprop-*.ts). */
    readonly enabled: boolean;
    /** The forward Conv2D on our kernels (for >= forwardMinCin input channels); false: XNNPACK's. */
    readonly forward: boolean;
    readonly forwardMinCin: number;
    /** With more XNNPACK threads than this (and no kernel pool), the forward conv and input gradient go to XNNPACK. */
    readonly xnnpackThreadsForOurs: number;
    /** Lanes per pool thread a conv aims at. */
    readonly lanesPerThread: number;
    /** Convs with fewer multiply-adds stay on the calling thread (waking the helpers costs more). */
    readonly poolMinMacs: number;
  };
  /** Winograd 3x3 stride-1 convs (kernels/wasm-winograd-conv.ts). */
  readonly winograd: {
    readonly enabled: boolean;
    /** The smallest input and output channel count that uses Winograd. */
    readonly minChannels: number;
    /** F(2x2) where a row has at least this many 2x2 tiles (ceil(width / 2)). */
    readonly minTileRow: number;
    /** 'auto': F(4x4) / F(2x2) / grouped by the thresholds; 2 or 4: that tiling for any width (tests). */
    readonly tiling: 'auto' | 2 | 4;
    /** F(4x4) where a row has at least this many 4x4 tiles. */
    readonly minTileRow4: number;
    /** Small maps: F(2x2) over the tiles of several images (about groupTiles per GEMM) from groupMinChannels. */
    readonly grouped: boolean;
    readonly groupTiles: number;
    readonly groupMinChannels: number;
  };
  /** WASM Sum/Mean over a block of axes as SIMD column sums (kernels/wasm-reduce.ts). */
  readonly wasmReduce: boolean;
  /** WASM Add/Sub/Multiply/RealDiv with an operand broadcast over middle axes (kernels/wasm-broadcast.ts). */
  readonly wasmBroadcast: boolean;
  /** The WASM ReLU gradient in one masked pass (kernels/relu-grad.ts). */
  readonly reluGrad: boolean;
  /** The Sum/Mean gradient as one broadcasting pass on WASM and CPU (kernels/reduce-grad.ts). */
  readonly reduceGrad: boolean;
  /** A WASM Identity that shares memory instead of copying (kernels/wasm-identity.ts). */
  readonly copyFreeIdentity: boolean;
  /** The supernet fast path (fused/). */
  readonly fused: {
    /** false: the plain-JS fused kernels on wasm instead of the SIMD module. */
    readonly simd: boolean;
    /** false: the per-op fused path instead of whole-stage kernels (NasConvStage, NasPoolBn). */
    readonly stages: boolean;
    /** false: plain ops for stride-2 depthwise convs and pools (fused/strided.ts). */
    readonly strided: boolean;
    /** A standalone 1x1 conv as the engine's conv kernels on wasm; false: two matMuls and a transpose. */
    readonly pointwiseAsConv: boolean;
    /** Gradient clipping + momentum SGD as two kernels for all parameters (fused/optim.ts); false: per tensor. */
    readonly optimizer: boolean;
    /**
     * The standalone candidate networks' training-mode fast path (model/fast-layers.ts: fused BN, direct pool and
     * depthwise gradients, convs without a separate Pad); false: the plain ops.
     */
    readonly candidate: boolean;
    /**
     * WGSL kernels on the webgpu backend (webgpu/): batch norm (stats + normalise + affine), the mixed op's weighted
     * sum, and with them the supernet fast path and the candidates' fast BN / padded convs / pools on webgpu; false:
     * the plain ops there (dispatch counts before / after: bench/RESULTS.md "WebGPU dispatches per step").
     */
    readonly webgpu: boolean;
  };
  /** Splitting the fused SIMD calls into lanes for the kernel pool (fused/lanes.ts). */
  readonly fusedLanes: {
    /** false: every call one lane. */
    readonly enabled: boolean;
    /** Depthwise convs and filter-gradient taps with fewer multiply-adds stay one lane. */
    readonly minMacs: number;
    readonly gemmMinMacs: number;
    readonly gemmTAMinMacs: number;
    /** Memory-bound calls over tensors of fewer bytes stay one lane. */
    readonly minBytes: number;
    readonly laneMacs: number;
    readonly laneBytes: number;
    readonly maxLanes: number;
  };
}

/** What the app runs. Every threshold is measured (README.md in this folder says where). */
export const DEFAULT_ACCEL_OPTIONS: AccelOptions = {
  fma: true,
  conv: { enabled: true, forward: true, forwardMinCin: 8, xnnpackThreadsForOurs: 1, lanesPerThread: 1, poolMinMacs: 4e6 },
  winograd: { enabled: true, minChannels: 8, minTileRow: 8, tiling: 'auto', minTileRow4: 6, grouped: true, groupTiles: 64, groupMinChannels: 32 },
  wasmReduce: true,
  wasmBroadcast: true,
  reluGrad: true,
  reduceGrad: true,
  copyFreeIdentity: true,
  fused: { simd: true, stages: true, strided: true, pointwiseAsConv: true, optimizer: true, candidate: true, webgpu: true },
  fusedLanes: {
    enabled: true, minMacs: 1 << 18, gemmMinMacs: 1 << 20, gemmTAMinMacs: 1 << 20, minBytes: 1 << 19,
    laneMacs: 1 << 16, laneBytes: 1 << 15, maxLanes: 16,
  },
};

/** A change to some options: any top-level field, and any field of a group. */
export type AccelOptionsInput = {
  readonly [K in keyof AccelOptions]?: AccelOptions[K] extends object ? Partial<AccelOptions[K]> : AccelOptions[K];
};

/** `base` with `input` applied (groups merged field by field). */
export function mergeAccelOptions(base: AccelOptions, input: AccelOptionsInput): AccelOptions {
  return {
    fma: input.fma ?? base.fma,
    conv: { ...base.conv, ...input.conv },
    winograd: { ...base.winograd, ...input.winograd },
    wasmReduce: input.wasmReduce ?? base.wasmReduce,
    wasmBroadcast: input.wasmBroadcast ?? base.wasmBroadcast,
    reluGrad: input.reluGrad ?? base.reluGrad,
    reduceGrad: input.reduceGrad ?? base.reduceGrad,
    copyFreeIdentity: input.copyFreeIdentity ?? base.copyFreeIdentity,
    fused: { ...base.fused, ...input.fused },
    fusedLanes: { ...base.fusedLanes, ...input.fusedLanes },
  };
}

let current: AccelOptions = DEFAULT_ACCEL_OPTIONS;

/** The options the kernels run with now. */
export function accelOptions(): AccelOptions {
  return current;
}

/** Sets the options to the defaults with `input` applied (so each call describes its whole difference from them). */
export function setAccelOptions(input: AccelOptionsInput = {}): AccelOptions {
  current = mergeAccelOptions(DEFAULT_ACCEL_OPTIONS, input);
  return current;
}

/**
 * Runs `fn` with `input` applied to the current options, then restores them (also when `fn` throws, or after the
 * promise it returns settles).
 */
export function withAccelOptions<T>(input: AccelOptionsInput, fn: () => T): T {
  const saved = current;
  current = mergeAccelOptions(saved, input);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    current = saved;
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => { current = saved; }) as T;
  current = saved;
  return result;
}
