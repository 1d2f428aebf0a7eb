/**
 * MixedOp of DARTS (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019, model_search.py):
 * every candidate op of one edge, built from the same string-keyed OPS factory as the standalone models, so the
 * supernet's ops are the standalone ops. Forward either mixes the ops with softmax weights,
 * sum_k w_k op_k(x), or runs a single op (one path, as SPOS and fixed-genotype evaluation do).
 * 'none' contributes zeros and is skipped (its weight still takes part in the softmax, and its zero output has a
 * zero gradient either way); the caller gets null when nothing contributes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { collect, type Module } from '../ops/module';

export interface MixedOp {
  readonly ops: readonly string[];
  /** One module per op; null for 'none'. */
  readonly modules: readonly (Module | null)[];
  /** True for ops without weights (skip, pooling), for parameter-free operation dropout. */
  readonly parameterFree: readonly boolean[];
  readonly params: readonly tf.Variable[];
  readonly buffers: readonly tf.Variable[];
  /**
   * sum over non-'none' ops of weights[k] * factors[k] * op_k(x), skipping ops whose factor is 0 (operation
   * dropout; factors default to 1). `weights` are scalars aligned with `ops`.
   * Returns null when no op contributes (the edge outputs zeros).
   */
  mix(x: tf.Tensor4D, weights: readonly tf.Scalar[], training: boolean, factors?: readonly number[]): tf.Tensor4D | null;
  /** op_k(x), or null for 'none'. */
  single(x: tf.Tensor4D, k: number, training: boolean): tf.Tensor4D | null;
}

/**
 * Builds a mixed op; `factory(op)` builds one candidate (called once per op, in `ops` order, so the weights are
 * drawn from the rng in a fixed order). 'none' is never passed to the factory.
 */
export function createMixedOp(ops: readonly string[], factory: (op: string) => Module): MixedOp {
  if (ops.length === 0) throw new Error('createMixedOp: an edge needs at least one candidate op');
  const modules = ops.map((op) => (op === 'none' ? null : factory(op)));
  const live = modules.filter((m): m is Module => m !== null);
  const { params, buffers } = collect(live);
  return {
    ops,
    modules,
    parameterFree: modules.map((m) => m !== null && m.params.length === 0),
    params,
    buffers,
    mix(x, weights, training, factors) {
      if (weights.length !== ops.length) throw new Error(`MixedOp.mix: ${weights.length} weights for ${ops.length} ops`);
      const parts: tf.Tensor4D[] = [];
      modules.forEach((m, k) => {
        const f = factors ? factors[k] : 1;
        if (m === null || f === 0) return;
        const w = f === 1 ? weights[k] : tf.mul(weights[k], f);
        parts.push(tf.mul(m.apply(x, training), w) as tf.Tensor4D);
      });
      if (parts.length === 0) return null;
      return parts.length === 1 ? parts[0] : (tf.addN(parts) as tf.Tensor4D);
    },
    single(x, k, training) {
      if (!(k >= 0 && k < ops.length)) throw new Error(`MixedOp.single: op index ${k} out of range 0..${ops.length - 1}`);
      const m = modules[k];
      return m === null ? null : m.apply(x, training);
    },
  };
}
