import type * as tf from '@tensorflow/tfjs-core';

/**
 * A building block with its own variables. We use small hand-rolled modules rather than tf.layers so
 * that standalone models, the supernet and DARTS share one OPS table, batch norm is written from
 * primitives (tfjs 4.22's batchNorm gradient crashes without offset/scale), and every initial weight
 * comes from our seeded rng (identical on every backend).
 */
export interface Module {
  /** Trainable weights. */
  readonly params: readonly tf.Variable[];
  /** Non-trainable state (batch-norm running statistics). */
  readonly buffers: readonly tf.Variable[];
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D;
}

export function collect(modules: readonly Module[]): { params: tf.Variable[]; buffers: tf.Variable[] } {
  return {
    params: modules.flatMap((m) => m.params),
    buffers: modules.flatMap((m) => m.buffers),
  };
}

/** Applies modules in order. */
export function sequential(...modules: Module[]): Module {
  const { params, buffers } = collect(modules);
  return {
    params,
    buffers,
    apply: (x, training) => modules.reduce((h, m) => m.apply(h, training), x),
  };
}

export const identity: Module = { params: [], buffers: [], apply: (x) => x };
