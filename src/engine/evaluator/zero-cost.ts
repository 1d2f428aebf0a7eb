/**
 * Zero-cost proxies: scores of an untrained network from one mini-batch, used to rank candidates
 * without training.
 *
 *  - synflow: Tanaka, Kunin, Yamins & Ganguli, "Pruning neural networks without any data by iteratively
 *    conserving synaptic flow" (NeurIPS 2020), as a NAS proxy per Abdelfattah et al. 2021 (below):
 *    weights replaced by |w|, input of ones, L = Σ outputs, score = Σ_θ |θ ⊙ ∂L/∂θ|.
 *  - gradNorm: Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for Lightweight NAS"
 *    (ICLR 2021): Σ over parameter tensors of ‖∂CE/∂θ‖₂ on one batch.
 *  - jacobCov: Mellor, Turner, Storkey & Crowley, "Neural Architecture Search without Training"
 *    (arXiv v1, 2020; the jacob_cov score of Abdelfattah et al.): correlation matrix of the per-sample
 *    input Jacobians of Σ logits, eigenvalues λ, score = −Σ [log(λ + k) + 1/(λ + k)], k = 1e-5.
 *
 *  - naswot (Mellor et al., ICML 2021, log|K_H| of the ReLU binary-code kernel) is in naswot.ts: it reads
 *    every ReLU through an activation tap the network is built with (ops/activation-tap.ts).
 *
 * BatchNorm: synflow and jacobCov run the network with training = false, so BN uses its running
 * statistics — at initialisation mean 0 / var 1, i.e. (almost) the identity times γ — and samples stay
 * independent (needed for per-sample Jacobians). gradNorm runs in training mode by default (as
 * Abdelfattah et al.'s code does), which updates BN running statistics: they are saved and restored.
 * Parameters changed by synflow are saved and restored exactly (bit-for-bit).
 *
 * Numerics: tfjs computes in float32; per-tensor sums are taken after dividing by the tensor's max, and
 * the totals are accumulated in JS float64, so large scores do not overflow in the reduction. (The
 * forward pass itself can still overflow for very deep/wide nets under synflow; the score is then
 * reported as Infinity.)
 *
 * Pure tfjs-core; every intermediate tensor is disposed. Inputs are built from a seeded Rng.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Network } from '../model/network';
import type { Rng } from '../util/rng';

/** A [n, H, W, C] batch of standard-normal pixels from rng (deterministic for a seed). */
export function randomImages(rng: Rng, n: number, inputShape: readonly [number, number, number]): tf.Tensor4D {
  const [h, w, c] = inputShape;
  const data = new Float32Array(n * h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return tf.tensor4d(data, [n, h, w, c]);
}

/** n uniform labels in [0, numClasses) from rng. */
export function randomLabels(rng: Rng, n: number, numClasses: number): number[] {
  return Array.from({ length: n }, () => rng.int(numClasses));
}

/** Σ|t| as float64: max-scaled inside tfjs so the float32 reduction cannot overflow. */
function absSum64(t: tf.Tensor): number {
  const [m, s] = tf.tidy(() => {
    const a = tf.abs(t);
    const max = tf.max(a);
    const safe = tf.maximum(max, 1e-30);
    return [max, tf.sum(tf.div(a, safe))];
  });
  const mv = m.dataSync()[0];
  const sv = s.dataSync()[0];
  m.dispose();
  s.dispose();
  return mv === 0 ? 0 : mv * sv;
}

/** ‖t‖₂ as float64, max-scaled like absSum64. */
function l2Norm64(t: tf.Tensor): number {
  const [m, s] = tf.tidy(() => {
    const a = tf.abs(t);
    const max = tf.max(a);
    const scaled = tf.div(a, tf.maximum(max, 1e-30));
    return [max, tf.sum(tf.square(scaled))];
  });
  const mv = m.dataSync()[0];
  const sv = s.dataSync()[0];
  m.dispose();
  s.dispose();
  return mv === 0 ? 0 : mv * Math.sqrt(sv);
}

function snapshot(vars: readonly tf.Variable[]): tf.Tensor[] {
  return vars.map((v) => tf.clone(v));
}

function restore(vars: readonly tf.Variable[], saved: tf.Tensor[]): void {
  vars.forEach((v, i) => {
    v.assign(saved[i]);
    saved[i].dispose();
  });
}

/** SynFlow score (higher is better) for a net taking [N, ...inputShape] images. */
export function synflow(net: Network, inputShape: readonly [number, number, number]): number {
  const params = net.params as tf.Variable[];
  const saved = snapshot(params);
  try {
    for (const p of params) tf.tidy(() => p.assign(tf.abs(p)));
    const ones = tf.ones([1, ...inputShape]) as tf.Tensor4D;
    const { value, grads } = tf.variableGrads(() => tf.sum(net.forward(ones, false)) as tf.Scalar, params);
    ones.dispose();
    value.dispose();
    let score = 0;
    for (const p of params) {
      const g = grads[p.name];
      if (!g) continue;
      const prod = tf.mul(p, g);
      score += absSum64(prod);
      prod.dispose();
    }
    for (const k of Object.keys(grads)) grads[k].dispose();
    return Number.isNaN(score) ? Infinity : score;
  } finally {
    restore(params, saved);
  }
}

function crossEntropy(logits: tf.Tensor2D, labels: readonly number[]): tf.Scalar {
  const onehot = tf.oneHot(tf.tensor1d(labels as number[], 'int32'), logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/**
 * grad-norm score: Σ_θ ‖∂CE(net(x), y)/∂θ‖₂ on one batch (y: integer labels). training = true uses batch
 * statistics in BN (running statistics are restored afterwards).
 */
export function gradNorm(net: Network, x: tf.Tensor4D, y: readonly number[], training = true): number {
  if (y.length !== x.shape[0]) throw new Error(`gradNorm: ${y.length} labels for a batch of ${x.shape[0]}`);
  const params = net.params as tf.Variable[];
  const savedBuffers = snapshot(net.buffers);
  try {
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => crossEntropy(net.forward(x, training), y)), params);
    value.dispose();
    let score = 0;
    for (const p of params) {
      const g = grads[p.name];
      if (g) score += l2Norm64(g);
    }
    for (const k of Object.keys(grads)) grads[k].dispose();
    return score;
  } finally {
    restore(net.buffers, savedBuffers);
  }
}

/** Eigenvalues of a symmetric matrix (row-major n×n) by cyclic Jacobi rotations, float64. */
export function symmetricEigenvalues(matrix: readonly number[], n: number): number[] {
  const a = Float64Array.from(matrix);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]);
}

/**
 * jacob_cov score (higher is better): Jacobians J_i = ∂(Σ_c logits_ic)/∂x_i (eval-mode BN, so samples
 * are independent), their N×N correlation matrix, and −Σ_λ [log(λ + k) + 1/(λ + k)]. A constant
 * Jacobian row (e.g. a cell with no path from input to output) is treated as perfectly correlated with
 * every other row, which gives the finite worst-case score for that batch size.
 */
export function jacobCov(net: Network, x: tf.Tensor4D, k = 1e-5): number {
  const n = x.shape[0];
  if (n < 2) throw new Error('jacobCov: needs a batch of at least 2');
  const jac = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(net.forward(xx as tf.Tensor4D, false)))(x));
  const data = jac.dataSync();
  jac.dispose();
  const d = data.length / n;
  const rows: Float64Array[] = [];
  const degenerate: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const r = Float64Array.from(data.subarray(i * d, (i + 1) * d));
    let m = 0;
    for (let j = 0; j < d; j++) m += r[j];
    m /= d;
    let ss = 0;
    for (let j = 0; j < d; j++) {
      r[j] -= m;
      ss += r[j] * r[j];
    }
    const norm = Math.sqrt(ss);
    degenerate.push(!(norm > 0) || !Number.isFinite(norm));
    if (!degenerate[i]) for (let j = 0; j < d; j++) r[j] /= norm;
    rows.push(r);
  }
  const corr: number[] = new Array<number>(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let v: number;
      if (i === j) v = 1;
      else if (degenerate[i] || degenerate[j]) v = 1;
      else {
        v = 0;
        const ri = rows[i], rj = rows[j];
        for (let t = 0; t < d; t++) v += ri[t] * rj[t];
      }
      corr[i * n + j] = v;
      corr[j * n + i] = v;
    }
  }
  const eig = symmetricEigenvalues(corr, n).map((l) => Math.max(0, l));
  let score = 0;
  for (const l of eig) score -= Math.log(l + k) + 1 / (l + k);
  return score;
}
