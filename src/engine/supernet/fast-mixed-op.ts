/**
 * A fast twin of a stride-1 MixedOp (mixed-op.ts) for CPU-only training: it computes exactly what the MixedOp
 * computes, with the SAME variables (read from the MixedOp's modules, so both can be used interchangeably and a
 * supernet can switch to it without re-initialising), but through the fused ops of ops/fused-ops.ts:
 *  - on wasm with SIMD WebAssembly: every "ReLU -> depthwise -> 1x1 -> BN" stage of sep_conv / dil_conv and every
 *    "pool -> BN" as ONE kernel forward and one backward (fusedConvStage / fusedPoolBn);
 *  - elsewhere: depthwise convs with a direct filter-gradient kernel, 1x1 convs as matMuls, BN(affine=false) as one
 *    kernel each way (running statistics included), 3x3 pools with direct gradient kernels;
 *  - the softmax-weighted sum over the ops as one kernel whose gradient covers every op output and the weight row.
 * Supported: DARTS ops (model_search.py semantics: pools followed by BN(affine=false) when poolBn) and NB201 ops,
 * at stride 1, with affine-free BN (search mode). Anything else throws at construction, so callers fall back to
 * the MixedOp. On backends without the fused kernels the fused ops fall back to plain ops (same values).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedAvgPool3, fusedBatchNorm, fusedConvStage, fusedMaxPool3, fusedPointwise, fusedPoolBn, fusedWeightedSum,
} from '../ops/fused-ops';
import type { MixedOp } from './mixed-op';

export interface FastMixedOpConfig {
  readonly space: 'darts' | 'nb201';
  /** Channels in and out of the edge. */
  readonly channels: number;
  /** DARTS: pooling ops are followed by BN(affine=false) (model_search.py; the supernet's default). */
  readonly poolBn?: boolean;
  /** BN momentum and epsilon (layers.batchNorm defaults). */
  readonly momentum?: number;
  readonly eps?: number;
}

export interface FastMixedOp {
  readonly ops: readonly string[];
  /** sum_k w[k] * op_k(x) over the non-'none' ops; `w` is the edge's weight row (length ops.length). */
  mix(x: tf.Tensor4D, w: tf.Tensor1D, training: boolean): tf.Tensor4D | null;
  /** op_k(x), or null for 'none'. */
  single(x: tf.Tensor4D, k: number, training: boolean): tf.Tensor4D | null;
}

/** Computes one op given the input and (lazily) its ReLU. */
type OpRunner = (x: tf.Tensor4D, relu: () => tf.Tensor4D, training: boolean) => tf.Tensor4D;

function expectShapes(op: string, vars: readonly tf.Variable[], shapes: number[][], what: string): void {
  const ok = vars.length === shapes.length && vars.every((v, i) => v.shape.length === shapes[i].length && v.shape.every((d, j) => d === shapes[i][j]));
  if (!ok) {
    throw new Error(`fast mixed op: ${op} ${what} ${JSON.stringify(vars.map((v) => v.shape))} are not ${JSON.stringify(shapes)} `
      + '(only stride-1 ops with affine-free batch norm have a fast path)');
  }
}

function runner(op: string, params: readonly tf.Variable[], buffers: readonly tf.Variable[], cfg: FastMixedOpConfig): OpRunner | null {
  const C = cfg.channels;
  const momentum = cfg.momentum ?? 0.1;
  const eps = cfg.eps ?? 1e-5;
  const bn = (x: tf.Tensor4D, i: number, training: boolean) => fusedBatchNorm(x, buffers[2 * i], buffers[2 * i + 1], training, momentum, eps);
  const bnShapes = (count: number) => Array.from({ length: 2 * count }, () => [C]);
  if (op === 'none') return null;
  if (op === 'skip_connect') {
    expectShapes(op, params, [], 'params');
    return (x) => x;
  }
  if (op === 'max_pool_3x3' || op === 'avg_pool_3x3') {
    const withBn = cfg.space === 'darts' && (cfg.poolBn ?? true);
    expectShapes(op, params, [], 'params');
    expectShapes(op, buffers, bnShapes(withBn ? 1 : 0), 'buffers');
    const kind = op === 'max_pool_3x3' ? 'max' : 'avg';
    const pool = kind === 'max' ? fusedMaxPool3 : fusedAvgPool3;
    return withBn ? (x, _r, t) => fusedPoolBn(x, kind, buffers[0], buffers[1], t, momentum, eps) : (x) => pool(x);
  }
  const sep = /^sep_conv_(\d)x\1$/.exec(op);
  if (sep && cfg.space === 'darts') {
    const k = Number(sep[1]);
    expectShapes(op, params, [[k, k, C, 1], [1, 1, C, C], [k, k, C, 1], [1, 1, C, C]], 'params');
    expectShapes(op, buffers, bnShapes(2), 'buffers');
    const [dw1, pw1, dw2, pw2] = params as tf.Variable[] as tf.Tensor4D[];
    const o = { reluIn: true, momentum, eps };
    return (x, _r, t) => {
      const h = fusedConvStage(x, dw1, pw1, buffers[0], buffers[1], t, o);
      return fusedConvStage(h, dw2, pw2, buffers[2], buffers[3], t, o);
    };
  }
  const dil = /^dil_conv_(\d)x\1$/.exec(op);
  if (dil && cfg.space === 'darts') {
    const k = Number(dil[1]);
    expectShapes(op, params, [[k, k, C, 1], [1, 1, C, C]], 'params');
    expectShapes(op, buffers, bnShapes(1), 'buffers');
    const [dw, pw] = params as tf.Variable[] as tf.Tensor4D[];
    const o = { reluIn: true, dilation: 2, momentum, eps };
    return (x, _r, t) => fusedConvStage(x, dw, pw, buffers[0], buffers[1], t, o);
  }
  const nor = /^nor_conv_(\d)x\1$/.exec(op);
  if (nor && cfg.space === 'nb201') {
    const k = Number(nor[1]);
    expectShapes(op, params, [[k, k, C, C]], 'params');
    expectShapes(op, buffers, bnShapes(1), 'buffers');
    const w = params[0] as tf.Tensor as tf.Tensor4D;
    return k === 1
      ? (_x, relu, t) => bn(fusedPointwise(relu(), w), 0, t)
      : (_x, relu, t) => bn(tf.conv2d(relu(), w, 1, 'same'), 0, t);
  }
  throw new Error(`fast mixed op: no fast path for op "${op}" in the ${cfg.space} space`);
}

/** Builds the fast twin of `mixed` (which must be a stride-1 edge of `cfg.space`). */
export function createFastMixedOp(mixed: MixedOp, cfg: FastMixedOpConfig): FastMixedOp {
  const runners = mixed.ops.map((op, k) => {
    const m = mixed.modules[k];
    return m === null ? null : runner(op, m.params, m.buffers, cfg);
  });
  const live = runners.flatMap((r, k) => (r ? [k] : []));
  const reluOf = (x: tf.Tensor4D) => {
    let r: tf.Tensor4D | null = null;
    return () => (r ??= tf.relu(x));
  };
  return {
    ops: mixed.ops,
    mix(x, w, training) {
      if (w.rank !== 1 || w.shape[0] !== mixed.ops.length) throw new Error(`FastMixedOp.mix: weight row of ${mixed.ops.length} expected, got [${w.shape}]`);
      if (live.length === 0) return null;
      const relu = reluOf(x);
      const parts = live.map((k) => runners[k]!(x, relu, training));
      return fusedWeightedSum(parts, w, live);
    },
    single(x, k, training) {
      if (!(k >= 0 && k < mixed.ops.length)) throw new Error(`FastMixedOp.single: op index ${k} out of range 0..${mixed.ops.length - 1}`);
      const r = runners[k];
      return r ? r(x, reluOf(x), training) : null;
    },
  };
}
