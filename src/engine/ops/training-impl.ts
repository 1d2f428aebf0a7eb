/**
 * Training-mode implementations a network may be built with (dependency injection: this folder knows no kernels).
 * A standalone candidate network is built inside `buildWith(impl, ...)` (space/<id>/network.ts with
 * model/fast-layers.ts's impl); every conv, depthwise conv, batch norm and pool module created during that build
 * captures the impl and, in TRAINING mode, asks it first. A hook answers null where it does not apply (a shape it
 * has no fast form for, a backend without the fused kernels, the fast path switched off), and the module then runs
 * its plain ops. Inference mode (validation, latency) always runs the plain ops, so measured latency and the
 * latency table's pieces see the same kernels. A module built outside any `buildWith` (supernets, latency pieces)
 * is exactly the plain one.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface TrainingImpl {
  /** k x k conv, no bias, `pad` zero cells on every side (PyTorch's symmetric padding). */
  conv(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, dilation: number, pad: number): tf.Tensor4D | null;
  /** Depthwise k x k conv (multiplier 1), symmetric padding `pad`. */
  depthwise(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, dilation: number, pad: number): tf.Tensor4D | null;
  /** Batch norm with batch statistics; updates the running statistics (PyTorch momentum, unbiased variance). */
  batchNorm(x: tf.Tensor4D, runningMean: tf.Variable, runningVar: tf.Variable, gamma: tf.Variable | null, beta: tf.Variable | null,
    momentum: number, eps: number): tf.Tensor4D | null;
  /** k x k pool, symmetric padding `pad` (average: over the real inputs, count_include_pad=False). */
  pool(x: tf.Tensor4D, kind: 'avg' | 'max', k: number, stride: number, pad: number): tf.Tensor4D | null;
}

let current: TrainingImpl | null = null;

/** Builds with `impl` (synchronously: the modules created inside `build` capture it). Nests and restores. */
export function buildWith<T>(impl: TrainingImpl | null, build: () => T): T {
  const saved = current;
  current = impl;
  try {
    return build();
  } finally {
    current = saved;
  }
}

/** The impl of the build in progress (null outside any buildWith): modules capture it at construction. */
export function buildingImpl(): TrainingImpl | null {
  return current;
}
