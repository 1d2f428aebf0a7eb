/** Small pieces shared by the supernets: architecture-parameter init, weight rows as scalars, dropout masks. */
import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from '../ops/init';
import type { Rng } from '../util/rng';
import type { MixedOp } from './mixed-op';
import type { DropMask } from './types';

/** Architecture logits initialised as DARTS does: 1e-3 * N(0, 1), drawn from our rng. */
export function archVariable(shape: number[], rng: Rng): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = 1e-3 * rng.normal();
  return variableFrom(tf.tensor(values, shape, 'float32'), true);
}

/**
 * tf.unstack along axis 0 that also works for a length-1 axis: tfjs 4.22's Unpack gradient hands a lone output
 * gradient to stack() as a tensor instead of an array and throws, so one-element axes are reshaped instead.
 */
export function unstack0(t: tf.Tensor): tf.Tensor[] {
  return t.shape[0] === 1 ? [tf.reshape(t, t.shape.slice(1))] : tf.unstack(t);
}

/**
 * The rows of a softmaxed [edges, ops] alpha matrix, each unstacked once per forward and on first use: as a 1-D
 * row (fast edges) or as scalars (MixedOp.mix); rows are shared by every cell instance of a cell type.
 */
export interface WeightRows {
  row(e: number): tf.Tensor1D;
  scalars(e: number): tf.Scalar[];
}

export function weightRows(m: tf.Tensor): WeightRows {
  let rows: tf.Tensor1D[] | null = null;
  const scalars = new Map<number, tf.Scalar[]>();
  const row = (e: number): tf.Tensor1D => (rows ??= unstack0(m) as tf.Tensor1D[])[e];
  return {
    row,
    scalars: (e) => {
      let s = scalars.get(e);
      if (!s) scalars.set(e, (s = unstack0(row(e)) as tf.Scalar[]));
      return s;
    },
  };
}

/**
 * Operation dropout (anti-collapse, as P-DARTS' dropout on parameter-free ops, here optionally on all ops):
 * each non-'none' op instance (or only parameter-free ones) is dropped with probability p.
 * `cells[c][e]` is the mixed op of edge e in cell instance c.
 */
export function sampleDropMask(cells: readonly (readonly MixedOp[])[], p: number, rng: { next(): number }, target: 'all' | 'parameter-free'): DropMask {
  if (!(p >= 0 && p < 1)) throw new Error(`operation dropout: p must be in [0, 1), got ${p}`);
  const factors = cells.map((edges) => edges.map((m) => m.ops.map((op, k) => {
    if (op === 'none' || p === 0) return 1;
    if (target === 'parameter-free' && !m.parameterFree[k]) return 1;
    return rng.next() >= p ? 1 / (1 - p) : 0;
  })));
  return { factors };
}
