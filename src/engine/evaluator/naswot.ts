/**
 * NASWOT: Mellor, Turner, Storkey & Crowley, "Neural Architecture Search without Training", ICML 2021.
 *
 * For a mini-batch of N inputs, every ReLU unit of the untrained network gives each input a bit
 * (active or not); c_i is input i's binary code over all N_A units. The kernel
 *
 *   K_H[i][j] = N_A - hamming(c_i, c_j)        (= the number of units on which i and j agree)
 *
 * is accumulated ReLU by ReLU as  C C^T + (1 - C)(1 - C)^T  (C: the [N, units] 0/1 codes of one ReLU),
 * exactly as the authors' hook does, and the score is log|det K_H| (higher is better: inputs the
 * network tells apart). The codes are read through an activation tap (ops/activation-tap.ts), so the
 * network must be built with the NaswotTap; everything else about it is unchanged.
 *
 * Numerics: each per-ReLU [N, N] product is an integer count < 2^24 computed in tfjs float32 (exact),
 * summed in JS float64; log|det| is taken by LU with partial pivoting in float64 (-Infinity for a
 * singular K_H, e.g. two inputs with identical codes, as numpy's slogdet).
 *
 * BatchNorm: the forward pass runs in training mode by default (the authors score freshly built
 * networks, which PyTorch leaves in training mode: batch statistics); BN running statistics are
 * saved and restored, so scoring changes nothing in the network.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../model/network';
import type { ActivationTap } from '../ops/activation-tap';

/** log|det A| of a square row-major n x n matrix, by LU with partial pivoting in float64. */
export function logAbsDet(matrix: ArrayLike<number>, n: number): number {
  if (matrix.length !== n * n) throw new Error(`logAbsDet: expected ${n * n} entries, got ${matrix.length}`);
  const a = Float64Array.from(matrix as ArrayLike<number>);
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > 0)) return -Infinity;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j];
        a[k * n + j] = a[p * n + j];
        a[p * n + j] = t;
      }
    }
    const pivot = a[k * n + k];
    logDet += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k] / pivot;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return logDet;
}

/** K_H from explicit binary codes (rows of length N_A): K[i][j] = N_A - hamming(c_i, c_j). */
export function hammingKernel(codes: readonly (readonly number[])[]): Float64Array {
  const n = codes.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = codes[i], b = codes[j];
      if (a.length !== b.length) throw new Error('hammingKernel: codes of different lengths');
      let agree = 0;
      for (let t = 0; t < a.length; t++) if ((a[t] > 0) === (b[t] > 0)) agree++;
      k[i * n + j] = agree;
    }
  }
  return k;
}

/** Collects K_H from every ReLU output while on; does nothing while off. */
export class NaswotTap implements ActivationTap {
  private k: Float64Array | null = null;
  private n = 0;
  /** ReLU outputs seen since start(). */
  calls = 0;
  /** N_A: ReLU units per input seen since start(). */
  units = 0;

  get active(): boolean {
    return this.k !== null;
  }

  start(batch: number): void {
    this.k = new Float64Array(batch * batch);
    this.n = batch;
    this.calls = 0;
    this.units = 0;
  }

  /** Stops collecting and returns K_H (row-major n x n). */
  stop(): { kernel: Float64Array; n: number; units: number; calls: number } {
    if (!this.k) throw new Error('NaswotTap: stop() without start()');
    const out = { kernel: this.k, n: this.n, units: this.units, calls: this.calls };
    this.k = null;
    return out;
  }

  onRelu(out: tf.Tensor): void {
    const k = this.k;
    if (!k) return;
    const n = out.shape[0];
    if (n !== this.n) throw new Error(`NaswotTap: a ReLU output has batch ${n}, the tap was started for ${this.n}`);
    const prod = tf.tidy(() => {
      const c = tf.cast(tf.greater(tf.reshape(out, [n, -1]), 0), 'float32') as tf.Tensor2D;
      const nc = tf.sub(1, c) as tf.Tensor2D;
      return tf.add(tf.matMul(c, c, false, true), tf.matMul(nc, nc, false, true));
    });
    const d = prod.dataSync();
    prod.dispose();
    for (let i = 0; i < k.length; i++) k[i] += d[i];
    this.calls++;
    this.units += out.size / n;
  }
}

/** K_H of `net` (built with `tap`) on the batch x, with N_A and the number of ReLU outputs read. */
export function naswotKernel(net: Network, tap: NaswotTap, x: tf.Tensor4D, training = true): { kernel: Float64Array; n: number; units: number; calls: number } {
  const n = x.shape[0];
  const saved = net.buffers.map((b) => tf.clone(b));
  tap.start(n);
  let result: ReturnType<NaswotTap['stop']>;
  try {
    tf.tidy(() => {
      net.forward(x, training);
    });
  } finally {
    result = tap.stop();
    net.buffers.forEach((b, i) => {
      b.assign(saved[i]);
      saved[i].dispose();
    });
  }
  if (result.calls === 0) throw new Error('naswot: the network reported no ReLU activations; build it with the NaswotTap');
  return result;
}

/** NASWOT score log|det K_H| of `net` (built with `tap`) on the batch x (>= 2 inputs). Higher is better. */
export function naswot(net: Network, tap: NaswotTap, x: tf.Tensor4D, training = true): number {
  const n = x.shape[0];
  if (n < 2) throw new Error('naswot: needs a batch of at least 2');
  return logAbsDet(naswotKernel(net, tap, x, training).kernel, n);
}
