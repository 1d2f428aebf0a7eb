/**
 * A fast twin of a stride-1 MixedOp (mixed-op.ts) for CPU-only training: it computes exactly what the MixedOp
 * computes, with the SAME variables (read from the MixedOp's modules, so both can be used interchangeably and a
 * supernet can switch to it without re-initialising), but through the fused ops of accel/fused/ops.ts:
 *  - on wasm with SIMD WebAssembly: every "ReLU -> depthwise -> 1x1 -> BN" stage of sep_conv / dil_conv and every
 *    "pool -> BN" as ONE kernel forward and one backward (fusedConvStage / fusedPoolBn);
 *  - elsewhere: depthwise convs with a direct filter-gradient kernel, 1x1 convs as matMuls, BN(affine=false) as one
 *    kernel each way (running statistics included), 3x3 pools with direct gradient kernels;
 *  - the softmax-weighted sum over the ops as one kernel whose gradient covers every op output and the weight row.
 * Fused: DARTS ops (model_search.py semantics: pools followed by BN(affine=false) when poolBn) and NB201 ops with
 * affine-free BN (search mode), at stride 1, and the DARTS ops at stride 2 (reduction-cell edges from the cell
 * inputs: strided depthwise convs and pools with one-kernel gradients, then fused 1x1 + BN). Any other op (affine BN,
 * unknown shapes) runs its own module inside the fast edge (`fused[k]` false), so an edge of any kind can use
 * the fused weighted sum. On backends without the fused kernels the fused ops fall back to plain ops (same values).
 * Operation dropout: `factors` scale the weight row (0 = op skipped), as MixedOp.mix does.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedAvgPool3, fusedBatchNorm, fusedConvStage, fusedMaxPool3, fusedPointwise, fusedPoolBn, fusedStridedDepthwise, fusedStridedPool3,
  fusedWeightedSum, webgpuKernelsAvailable,
} from '../accel';
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
  /** 1 (default), or 2 for DARTS reduction-cell edges reading the cell inputs. */
  readonly stride?: number;
}

export interface FastMixedOp {
  readonly ops: readonly string[];
  /** Per op: true when it runs through the fused ops; false for 'none' and for ops that run their plain module. */
  readonly fused: readonly boolean[];
  /**
   * sum_k w[k] * factors[k] * op_k(x) over the non-'none' ops whose factor is not 0; `w` is the edge's weight row
   * (length ops.length); factors (operation dropout) default to 1. Null when no op contributes.
   */
  mix(x: tf.Tensor4D, w: tf.Tensor1D, training: boolean, factors?: readonly number[]): tf.Tensor4D | null;
  /** op_k(x), or null for 'none'. */
  single(x: tf.Tensor4D, k: number, training: boolean): tf.Tensor4D | null;
}

/** Computes one op given the input and (lazily) its ReLU. */
type OpRunner = (x: tf.Tensor4D, relu: () => tf.Tensor4D, training: boolean) => tf.Tensor4D;

/** Thrown inside fusedRunner when an op's variables are not those of the fused form (caught: plain module). */
class NoFastPath extends Error {}

function shapesAre(vars: readonly tf.Variable[], shapes: number[][]): boolean {
  return vars.length === shapes.length && vars.every((v, i) => v.shape.length === shapes[i].length && v.shape.every((d, j) => d === shapes[i][j]));
}

/** The fused runner of one op, or null when it has none (the op then runs its own module). */
function fusedRunner(op: string, params: readonly tf.Variable[], buffers: readonly tf.Variable[], cfg: FastMixedOpConfig): OpRunner | null {
  const stride = cfg.stride ?? 1;
  if (stride === 2 && cfg.space === 'darts') return stride2Runner(op, params, buffers, cfg);
  if (stride !== 1) return null;
  const C = cfg.channels;
  const momentum = cfg.momentum ?? 0.1;
  const eps = cfg.eps ?? 1e-5;
  const bn = (x: tf.Tensor4D, i: number, training: boolean) => fusedBatchNorm(x, buffers[2 * i], buffers[2 * i + 1], training, momentum, eps);
  const bnShapes = (count: number) => Array.from({ length: 2 * count }, () => [C]);
  const expectShapes = (vars: readonly tf.Variable[], shapes: number[][]): void => {
    if (!shapesAre(vars, shapes)) throw new NoFastPath();
  };
  if (op === 'skip_connect') {
    expectShapes(params, []);
    return (x) => x;
  }
  if (op === 'max_pool_3x3' || op === 'avg_pool_3x3') {
    const withBn = cfg.space === 'darts' && (cfg.poolBn ?? true);
    expectShapes(params, []);
    expectShapes(buffers, bnShapes(withBn ? 1 : 0));
    const kind = op === 'max_pool_3x3' ? 'max' : 'avg';
    const pool = kind === 'max' ? fusedMaxPool3 : fusedAvgPool3;
    return withBn ? (x, _r, t) => fusedPoolBn(x, kind, buffers[0], buffers[1], t, momentum, eps) : (x) => pool(x);
  }
  const sep = /^sep_conv_(\d)x\1$/.exec(op);
  if (sep && cfg.space === 'darts') {
    const k = Number(sep[1]);
    expectShapes(params, [[k, k, C, 1], [1, 1, C, C], [k, k, C, 1], [1, 1, C, C]]);
    expectShapes(buffers, bnShapes(2));
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
    expectShapes(params, [[k, k, C, 1], [1, 1, C, C]]);
    expectShapes(buffers, bnShapes(1));
    const [dw, pw] = params as tf.Variable[] as tf.Tensor4D[];
    const o = { reluIn: true, dilation: 2, momentum, eps };
    return (x, _r, t) => fusedConvStage(x, dw, pw, buffers[0], buffers[1], t, o);
  }
  const nor = /^nor_conv_(\d)x\1$/.exec(op);
  if (nor && cfg.space === 'nb201') {
    const k = Number(nor[1]);
    expectShapes(params, [[k, k, C, C]]);
    expectShapes(buffers, bnShapes(1));
    const w = params[0] as tf.Tensor as tf.Tensor4D;
    return k === 1
      ? (_x, relu, t) => bn(fusedPointwise(relu(), w), 0, t)
      : (_x, relu, t) => bn(tf.conv2d(relu(), w, 1, 'same'), 0, t);
  }
  return null;
}

/**
 * DARTS ops at stride 2 (operations.py): strided depthwise convs and pools through accel/fused/strided.ts, every
 * 1x1 conv and BN after them fused, sep_conv's second (stride-1) stage as one fused stage; FactorizedReduce's
 * strided 1x1 convs from primitives with a fused BN.
 */
function stride2Runner(op: string, params: readonly tf.Variable[], buffers: readonly tf.Variable[], cfg: FastMixedOpConfig): OpRunner | null {
  const C = cfg.channels;
  const momentum = cfg.momentum ?? 0.1;
  const eps = cfg.eps ?? 1e-5;
  const bn = (x: tf.Tensor4D, i: number, training: boolean) => fusedBatchNorm(x, buffers[2 * i], buffers[2 * i + 1], training, momentum, eps);
  const bnShapes = (count: number) => Array.from({ length: 2 * count }, () => [C]);
  if (op === 'max_pool_3x3' || op === 'avg_pool_3x3') {
    if (!(cfg.poolBn ?? true) || !shapesAre(params, []) || !shapesAre(buffers, bnShapes(1))) return null;
    const kind = op === 'max_pool_3x3' ? 'max' : 'avg';
    return (x, _r, t) => bn(fusedStridedPool3(x, kind, 2), 0, t);
  }
  if (op === 'skip_connect') {
    // FactorizedReduce: two 1x1 stride-2 convs (the second on x[:, 1:, 1:]), concat, BN.
    if (C % 2 !== 0 || !shapesAre(params, [[1, 1, C, C / 2], [1, 1, C, C / 2]]) || !shapesAre(buffers, bnShapes(1))) return null;
    const [w1, w2] = params as tf.Variable[] as tf.Tensor4D[];
    return (x, relu, t) => {
      const [n, h, w, c] = x.shape;
      if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`FactorizedReduce: height and width must be even, got ${h}x${w}`);
      const r = relu();
      const a = tf.conv2d(r, w1, 2, 'valid');
      const b = tf.conv2d(tf.slice(r, [0, 1, 1, 0], [n, h - 1, w - 1, c]), w2, 2, 'valid');
      return bn(tf.concat([a, b], 3), 0, t);
    };
  }
  const sep = /^sep_conv_(\d)x\1$/.exec(op);
  if (sep) {
    const k = Number(sep[1]);
    if (!shapesAre(params, [[k, k, C, 1], [1, 1, C, C], [k, k, C, 1], [1, 1, C, C]]) || !shapesAre(buffers, bnShapes(2))) return null;
    const [dw1, pw1, dw2, pw2] = params as tf.Variable[] as tf.Tensor4D[];
    const o = { reluIn: true, momentum, eps };
    return (_x, relu, t) => {
      const h = bn(fusedPointwise(fusedStridedDepthwise(relu(), dw1, 2), pw1), 0, t);
      return fusedConvStage(h, dw2, pw2, buffers[2], buffers[3], t, o);
    };
  }
  const dil = /^dil_conv_(\d)x\1$/.exec(op);
  if (dil) {
    const k = Number(dil[1]);
    if (!shapesAre(params, [[k, k, C, 1], [1, 1, C, C]]) || !shapesAre(buffers, bnShapes(1))) return null;
    const [dw, pw] = params as tf.Variable[] as tf.Tensor4D[];
    return (_x, relu, t) => bn(fusedPointwise(fusedStridedDepthwise(relu(), dw, 2, 2), pw), 0, t);
  }
  return null;
}

function runner(op: string, params: readonly tf.Variable[], buffers: readonly tf.Variable[], cfg: FastMixedOpConfig): OpRunner | null {
  try {
    return fusedRunner(op, params, buffers, cfg);
  } catch (e) {
    if (e instanceof NoFastPath) return null;
    throw e;
  }
}

const KNOWN_OPS: Readonly<Record<FastMixedOpConfig['space'], readonly string[]>> = {
  darts: ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'],
  nb201: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'],
};

/** Builds the fast twin of `mixed`, an edge of `cfg.space` at `cfg.stride`. */
export function createFastMixedOp(mixed: MixedOp, cfg: FastMixedOpConfig): FastMixedOp {
  const stride = cfg.stride ?? 1;
  if (stride !== 1 && stride !== 2) throw new Error(`fast mixed op: stride must be 1 or 2, got ${stride}`);
  const fusedRunners = mixed.ops.map((op, k) => {
    if (!KNOWN_OPS[cfg.space].includes(op)) throw new Error(`fast mixed op: "${op}" is not a ${cfg.space} op`);
    const m = mixed.modules[k];
    return m === null ? null : runner(op, m.params, m.buffers, cfg);
  });
  const runners: (OpRunner | null)[] = fusedRunners.map((r, k) => {
    const m = mixed.modules[k];
    return r ?? (m === null ? null : (x, _relu, training) => m.apply(x, training));
  });
  const live = runners.flatMap((r, k) => (r ? [k] : []));
  const reluOf = (x: tf.Tensor4D) => {
    let r: tf.Tensor4D | null = null;
    return () => (r ??= tf.relu(x));
  };
  return {
    ops: mixed.ops,
    fused: fusedRunners.map((r) => r !== null),
    mix(x, w, training, factors) {
      if (w.rank !== 1 || w.shape[0] !== mixed.ops.length) throw new Error(`FastMixedOp.mix: weight row of ${mixed.ops.length} expected, got [${w.shape}]`);
      if (factors && factors.length !== mixed.ops.length) throw new Error(`FastMixedOp.mix: ${factors.length} dropout factors for ${mixed.ops.length} ops`);
      let idx = live;
      let row = w;
      if (factors && factors.some((f) => f !== 1)) {
        idx = live.filter((k) => factors[k] !== 0);
        row = tf.mul(w, tf.tensor1d(factors.slice(), 'float32'));
      }
      if (idx.length === 0) return null;
      const relu = reluOf(x);
      const parts = idx.map((k) => runners[k]!(x, relu, training));
      return fusedWeightedSum(parts, row, idx);
    },
    single(x, k, training) {
      if (!(k >= 0 && k < mixed.ops.length)) throw new Error(`FastMixedOp.single: op index ${k} out of range 0..${mixed.ops.length - 1}`);
      const r = runners[k];
      return r ? r(x, reluOf(x), training) : null;
    },
  };
}

/**
 * When a supernet uses its fast edges: 'auto' (default) on the wasm backend (where the fused SIMD kernels run) and
 * on webgpu with the accel layer's WGSL kernels (fused BN and weighted sum; the other fused ops are plain tfjs ops
 * there, still fewer dispatches than the plain edges); on webgl/cpu the plain ops, 'on' on every backend (the fused ops fall back to plain ops where they
 * have no kernels), 'off' never. Read at every forward, so a supernet follows the active backend.
 */
export type FastPathOption = 'auto' | 'on' | 'off';

export function checkFastPathOption(o: unknown, who: string): FastPathOption {
  if (o === undefined) return 'auto';
  if (o === 'auto' || o === 'on' || o === 'off') return o;
  throw new Error(`${who}: fastPath must be 'auto', 'on' or 'off', got ${JSON.stringify(o)}`);
}

export function fastPathActive(o: FastPathOption): boolean {
  return o === 'on' || (o === 'auto' && (tf.getBackend() === 'wasm' || webgpuKernelsAvailable()));
}
