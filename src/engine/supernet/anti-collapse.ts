/**
 * Measures against DARTS' collapse onto parameter-free ops (skip connections, pooling, 'none'), each switchable:
 *  - entropy regularisation of the architecture weights: loss_val += lambda * mean over edges of
 *    H(softmax(alpha_e)) (lambda > 0 pushes each edge towards one op, shrinking the discretisation gap);
 *  - operation dropout (P-DARTS, Chen et al., ICCV 2019, drops skip connections during search; here any
 *    non-'none' op, or only the parameter-free ones), seeded, see Supernet.sampleDropMask;
 *  - DARTS+ early stopping (Liang et al., "DARTS+: Improved Differentiable Architecture Search with Early
 *    Stopping", 2019): stop when the normal cell of the derived genotype has >= 2 skip connections, or when the
 *    ranking of the architecture weights has been stable for K epochs. Neither rule is checked before
 *    `earlyStopWarmup` epochs have completed (default 5): right after initialisation the alphas are near-uniform
 *    (1e-3 * N(0, 1)), so the derived cell is an arbitrary argmax that often holds 2 skip connections and would
 *    stop the search at epoch 0;
 *  - the RobustDARTS indicator (Zela et al., "Understanding and Robustifying Differentiable Architecture Search",
 *    ICLR 2020): the dominant eigenvalue of the Hessian of the validation loss w.r.t. the alphas, by power
 *    iteration on finite-difference Hessian-vector products (tfjs 4.22's nested tf.grad either throws "Cannot
 *    compute gradient" or, through softmax/conv, disagrees with finite differences, so we do not rely on double
 *    backprop). Finite differences of a ReLU network's gradient include the jumps at kinks, so the estimate is noisy
 *    (read it as a trend, on a large eigenBatchSize); with DARTS-ES's stopping rule:
 *    stop when mean(lambda over the `window` evaluations `lag` evaluations ago) / mean(lambda over the last
 *    `window`) < ratio (0.75 in the paper).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng';

export interface AntiCollapseOptions {
  /** Entropy regularisation weight lambda (0 = off). */
  readonly entropyWeight: number;
  /** Operation dropout probability (0 = off). */
  readonly opDropout: number;
  readonly opDropoutTarget: 'all' | 'parameter-free';
  /** DARTS+: stop when the derived normal cell (NB201: the cell) has >= this many skip connections (0 = off). */
  readonly maxSkips: number;
  /** DARTS+: stop when the per-edge ranking of the op weights has not changed for this many epochs (0 = off). */
  readonly stableEpochs: number;
  /**
   * DARTS+ warm-up: the skip and stable-ranking rules are checked only once this many epochs have completed
   * (0 = from the first epoch). The ranking's stability is still counted during the warm-up.
   */
  readonly earlyStopWarmup: number;
  /** RobustDARTS: compute the dominant Hessian eigenvalue every this many epochs (0 = off). */
  readonly eigenvalueEvery: number;
  readonly eigenIterations: number;
  /** Validation samples (the first ones of the split, a fixed batch) for the Hessian. */
  readonly eigenBatchSize: number;
  /**
   * Finite-difference step of the Hessian-vector products (unit direction in alpha space). On ReLU networks the
   * gradient jumps at kinks, so very small steps measure kink noise rather than curvature; 0.03 is a compromise.
   */
  readonly eigenEps: number;
  /** DARTS-ES stopping on the eigenvalue trajectory (ratio 0 = off). */
  readonly eigenStopRatio: number;
  readonly eigenWindow: number;
  readonly eigenLag: number;
}

export const NO_ANTI_COLLAPSE: AntiCollapseOptions = {
  entropyWeight: 0,
  opDropout: 0,
  opDropoutTarget: 'all',
  maxSkips: 0,
  stableEpochs: 0,
  earlyStopWarmup: 5,
  eigenvalueEvery: 0,
  eigenIterations: 20,
  eigenBatchSize: 64,
  eigenEps: 0.03,
  eigenStopRatio: 0,
  eigenWindow: 5,
  eigenLag: 5,
};

/** Mean entropy (nats) of softmax over the last axis of every alpha matrix, averaged over all edges. */
export function meanAlphaEntropy(alphas: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const rows = alphas.map((a) => {
      const logp = tf.logSoftmax(a);
      return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1));
    });
    const all = rows.length === 1 ? rows[0] : tf.concat(rows.map((r) => tf.reshape(r, [-1])));
    return tf.mean(all) as tf.Scalar;
  });
}

export interface EigenOptions {
  readonly iterations: number;
  /** Finite-difference step along the unit direction (default 1e-2). */
  readonly eps?: number;
  /** Stop early when the Rayleigh quotient changes by less than tol (relative). Default 1e-4. */
  readonly tol?: number;
  readonly rng: Rng;
}

/**
 * Dominant (largest-magnitude) eigenvalue of the Hessian of a loss w.r.t. `vars` by power iteration.
 * `grad()` returns the gradient of the loss w.r.t. `vars` at their current values (new tensors, aligned with vars);
 * the Hessian-vector product is the central difference (grad(x + eps v) - grad(x - eps v)) / (2 eps).
 * The variables are restored afterwards. Returns the Rayleigh quotient v^T H v of the final unit vector.
 */
export async function dominantEigenvalue(
  grad: () => tf.Tensor[],
  vars: readonly tf.Variable[],
  opts: EigenOptions,
): Promise<{ value: number; iterations: number }> {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 1e-4;
  const saved = vars.map((v) => tf.clone(v));
  const normalise = (ts: tf.Tensor[]): tf.Tensor[] => tf.tidy(() => {
    const n = tf.sqrt(tf.addN(ts.map((t) => tf.sum(tf.square(t)))));
    return ts.map((t) => tf.div(t, tf.add(n, 1e-30)));
  });
  const start = vars.map((x) => tf.tensor(Float32Array.from({ length: x.size }, () => opts.rng.normal()), x.shape));
  let v = normalise(start);
  tf.dispose(start);
  let value = NaN;
  let it = 0;
  try {
    for (it = 1; it <= opts.iterations; it++) {
      const hv = tf.tidy(() => {
        vars.forEach((x, i) => x.assign(tf.add(saved[i], tf.mul(v[i], eps))));
        const gp = grad();
        vars.forEach((x, i) => x.assign(tf.sub(saved[i], tf.mul(v[i], eps))));
        const gm = grad();
        vars.forEach((x, i) => x.assign(saved[i]));
        return gp.map((g, i) => tf.div(tf.sub(g, gm[i]), 2 * eps));
      });
      const rq = tf.tidy(() => tf.addN(hv.map((h, i) => tf.sum(tf.mul(h, v[i])))));
      const next = (await rq.data())[0];
      rq.dispose();
      tf.dispose(v);
      v = normalise(hv);
      tf.dispose(hv);
      const converged = Number.isFinite(value) && Math.abs(next - value) <= tol * Math.max(1e-12, Math.abs(next));
      value = next;
      if (converged) break;
    }
  } finally {
    vars.forEach((x, i) => x.assign(saved[i]));
    tf.dispose(saved);
    tf.dispose(v);
  }
  return { value, iterations: Math.min(it, opts.iterations) };
}

/** Per-edge order of the ops by weight, 'none' left out: the DARTS+ stability signature. */
export function rankingSignature(weights: readonly (readonly (readonly number[])[])[], ops: readonly string[]): string {
  return weights.map((group) => group.map((row) => row
    .map((w, k) => [w, k] as const)
    .filter(([, k]) => ops[k] !== 'none')
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, k]) => k).join(',')).join(';')).join('|');
}

/** Skip connections of the normal cell (DARTS) or of the cell (NB201). */
export function normalCellSkips(g: unknown): number {
  const obj = g as { ops?: readonly string[]; normal?: readonly (readonly [string, number])[] };
  if (Array.isArray(obj.ops)) return obj.ops.filter((o) => o === 'skip_connect').length;
  if (Array.isArray(obj.normal)) return obj.normal.filter((e) => e[0] === 'skip_connect').length;
  return 0;
}

export interface EarlyStopState {
  readonly signature: string | null;
  readonly stable: number;
  readonly eigenvalues: number[];
}

export const INITIAL_EARLY_STOP: EarlyStopState = { signature: null, stable: 0, eigenvalues: [] };

/**
 * Applies the DARTS+ and DARTS-ES rules at the end of an epoch (`epochsDone` epochs completed, this one included);
 * returns the new state and the reason to stop (null: go on). DARTS+ rules wait for opts.earlyStopWarmup epochs.
 */
export function earlyStopCheck(
  opts: AntiCollapseOptions,
  prev: EarlyStopState,
  epoch: { readonly genotype: unknown; readonly signature: string; readonly eigenvalue: number | null; readonly epochsDone: number },
): { state: EarlyStopState; reason: string | null } {
  const warm = epoch.epochsDone >= opts.earlyStopWarmup;
  const stable = prev.signature === epoch.signature ? prev.stable + 1 : 0;
  const eigenvalues = epoch.eigenvalue === null ? prev.eigenvalues : [...prev.eigenvalues, epoch.eigenvalue];
  const state: EarlyStopState = { signature: epoch.signature, stable, eigenvalues };
  const skips = normalCellSkips(epoch.genotype);
  if (warm && opts.maxSkips > 0 && skips >= opts.maxSkips) {
    return { state, reason: `DARTS+: the derived normal cell has ${skips} skip connections (limit ${opts.maxSkips})` };
  }
  if (warm && opts.stableEpochs > 0 && stable >= opts.stableEpochs) {
    return { state, reason: `DARTS+: the ranking of the architecture weights has been stable for ${stable} epochs` };
  }
  const { eigenStopRatio: ratio, eigenWindow: w, eigenLag: k } = opts;
  if (ratio > 0 && epoch.eigenvalue !== null && eigenvalues.length >= w + k) {
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const now = avg(eigenvalues.slice(-w));
    const before = avg(eigenvalues.slice(-w - k, eigenvalues.length - k));
    if (now > 0 && before / now < ratio) {
      return { state, reason: `RobustDARTS (DARTS-ES): the Hessian's dominant eigenvalue grew from ${before.toPrecision(3)} to ${now.toPrecision(3)} (ratio ${(before / now).toFixed(2)} < ${ratio})` };
    }
  }
  return { state, reason: null };
}
