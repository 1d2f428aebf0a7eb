/**
 * PC-DARTS (Xu et al., "PC-DARTS: Partial Channel Connections for Memory-Efficient Architecture Search",
 * ICLR 2020): DARTS' bilevel search (darts.ts) on a supernet built with partial channel connections (1/K of the
 * channels through each mixed op, the rest bypassing it, then channel shuffle; supernet/partial-channel.ts) and
 * edge normalisation (betas, softmaxed over each node's incoming edges, also weighting the edges when the genotype
 * is derived). The paper's CIFAR settings: K = 4, batch 256, weight lr 0.1, architecture lr 6e-4, and 15 epochs of
 * weight-only warm-up before the architecture steps start.
 * measureStepCost / compareStepCost report a searcher's step time and its peak tensor memory (the tfjs engine's
 * high-water mark of allocated bytes across every kernel of the step, from tf.profile), for the benchmark; no test
 * asserts on them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorSplit } from '../evaluator/tensors';
import { DARTS_ARCH_ADAM } from '../optim/adam';
import type { Supernet } from '../supernet/types';
import { DartsSearch, dartsOptions, DEFAULT_DARTS_OPTIONS, type DartsOptions, type DartsOptionsInput } from './darts';

/** PC-DARTS' hyper-parameters (the supernet is built with partialChannels K = 4 and edgeNormalization). */
export const DEFAULT_PC_DARTS_OPTIONS: DartsOptions = {
  ...DEFAULT_DARTS_OPTIONS,
  batchSize: 256,
  learningRate: 0.1,
  learningRateMin: 0,
  arch: { ...DARTS_ARCH_ADAM, learningRate: 6e-4 },
  warmupEpochs: 15,
};

export const PC_DARTS_K = 4;

/** A DARTS searcher with PC-DARTS' defaults; the supernet must be built with partial channels / edge normalisation. */
export function createPcDartsSearch<G>(
  supernet: Supernet<G>,
  data: { readonly train: TensorSplit; readonly valid: TensorSplit },
  options: DartsOptionsInput = {},
): DartsSearch<G> {
  if (supernet.partialChannels <= 1 && !supernet.edgeNormalization) {
    throw new Error('PC-DARTS: build the supernet with partialChannels > 1 and/or edgeNormalization (e.g. K = 4, edge normalisation on)');
  }
  const o = dartsOptions(options, DEFAULT_PC_DARTS_OPTIONS);
  return new DartsSearch(supernet, data, o);
}

export interface StepCost {
  /** Median wall time of a step (ms), measured without profiling. */
  readonly msPerStep: number;
  /** Allocated tensor bytes before the profiled step. */
  readonly baseBytes: number;
  /** High-water mark of allocated tensor bytes during the profiled step. */
  readonly peakBytes: number;
  /** peakBytes - baseBytes: what the step itself needed at its peak. */
  readonly peakStepBytes: number;
  /** Kernels launched by one step. */
  readonly kernels: number;
}

/**
 * Measures `steps` timed steps (after `warmup` untimed ones) and one profiled step of a searcher. Advances it.
 * `now` is the caller's clock (e.g. performance.now).
 */
export async function measureStepCost(
  searcher: { step(): Promise<unknown> },
  opts: { readonly steps: number; readonly warmup?: number; readonly now: () => number },
): Promise<StepCost> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) await searcher.step();
  const times: number[] = [];
  for (let i = 0; i < opts.steps; i++) {
    const t0 = opts.now();
    await searcher.step();
    times.push(opts.now() - t0);
  }
  times.sort((a, b) => a - b);
  const baseBytes = tf.memory().numBytes;
  const info = await tf.profile(async () => {
    await searcher.step();
  });
  return {
    msPerStep: times.length === 0 ? NaN : times[times.length >> 1],
    baseBytes,
    peakBytes: info.peakBytes,
    peakStepBytes: info.peakBytes - baseBytes,
    kernels: info.kernels.length,
  };
}

export interface DartsVsPcDarts {
  readonly darts: StepCost;
  readonly pcDarts: StepCost;
  /** pcDarts.peakStepBytes / darts.peakStepBytes. */
  readonly memoryRatio: number;
  /** pcDarts.msPerStep / darts.msPerStep. */
  readonly timeRatio: number;
}

/**
 * DARTS vs PC-DARTS on the same cell and data: `build(pc)` returns a fresh supernet (pc: with partial channels and
 * edge normalisation), both searched with the same options (architecture steps from the first step, so both
 * measure the full bilevel step). Supernets and searchers are disposed afterwards.
 */
export async function compareStepCost<G>(
  build: (pc: boolean) => Supernet<G>,
  data: { readonly train: TensorSplit; readonly valid: TensorSplit },
  options: DartsOptionsInput,
  opts: { readonly steps: number; readonly warmup?: number; readonly now: () => number },
): Promise<DartsVsPcDarts> {
  const one = async (pc: boolean): Promise<StepCost> => {
    const net = build(pc);
    const s = new DartsSearch(net, data, { ...options, warmupEpochs: 0, epochs: Math.max(options.epochs ?? 1, 1000) });
    try {
      return await measureStepCost(s, opts);
    } finally {
      s.dispose();
      net.dispose();
    }
  };
  const darts = await one(false);
  const pcDarts = await one(true);
  return { darts, pcDarts, memoryRatio: pcDarts.peakStepBytes / darts.peakStepBytes, timeRatio: pcDarts.msPerStep / darts.msPerStep };
}
