/**
 * The architecture step of DARTS (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019;
 * quark0/darts `architect.py`), on any bilevel problem: weights w, architecture parameters alpha, a training loss
 * and a validation loss on the step's two batches.
 *  - first order: grad_alpha L_val(w, alpha);
 *  - second order (eq. 7-8): with the unrolled weights w' = w - xi * (momentum * buf + grad_w L_train(w, alpha)
 *    + wd * w) (one step of the weight optimiser, as `_compute_unrolled_model` does),
 *      grad_alpha L_val(w', alpha) - xi * (grad_alpha L_train(w+, alpha) - grad_alpha L_train(w-, alpha)) / (2 eps)
 *    where w+- = w +- eps * grad_w' L_val(w', alpha) and eps = 0.01 / ||grad_w' L_val(w', alpha)||.
 * The weights are restored afterwards; the caller applies the returned gradient with its architecture optimiser.
 */
import * as tf from '@tensorflow/tfjs-core';
import { globalNorm } from '../optim/clip';

export interface BilevelProblem {
  readonly weights: readonly tf.Variable[];
  readonly arch: readonly tf.Variable[];
  /** Loss on the step's training batch at the current variable values (called inside tf.tidy). */
  trainLoss(): tf.Scalar;
  /** Loss on the step's validation batch, regularisers included (called inside tf.tidy). */
  validLoss(): tf.Scalar;
}

export interface UnrollOptions {
  /** xi: the weight optimiser's current learning rate. */
  readonly xi: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** The weight optimiser's momentum buffers, aligned with `weights` (null = none yet). */
  readonly momentumBuffers: readonly (tf.Tensor | null)[];
  /** r in eps = r / ||grad_w' L_val|| (DARTS: 0.01). */
  readonly r?: number;
}

export interface ArchGrad {
  /** The validation loss the gradient was taken of (at w for first order, at w' for second order). */
  readonly loss: tf.Scalar;
  /** Aligned with `arch`. */
  readonly grads: tf.Tensor[];
}

/** Value and gradients of f w.r.t. vars (zeros for a variable f does not depend on). Caller disposes. */
export function valueAndGrads(f: () => tf.Scalar, vars: readonly tf.Variable[]): { value: tf.Scalar; grads: tf.Tensor[] } {
  const out = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(f, vars as tf.Variable[]);
    return [value, ...vars.map((v) => grads[v.name] ?? tf.zerosLike(v))];
  });
  return { value: out[0] as tf.Scalar, grads: out.slice(1) };
}

/** Value and gradients of f w.r.t. vars; null for a variable f does not depend on. Caller disposes. */
export function valueAndSparseGrads(f: () => tf.Scalar, vars: readonly tf.Variable[]): { value: tf.Scalar; grads: (tf.Tensor | null)[] } {
  const present: boolean[] = [];
  const out = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(f, vars as tf.Variable[]);
    vars.forEach((v) => present.push(grads[v.name] != null));
    return [value, ...vars.flatMap((v) => (grads[v.name] ? [grads[v.name]] : []))];
  });
  let k = 1;
  return { value: out[0] as tf.Scalar, grads: present.map((p) => (p ? out[k++] : null)) };
}

export function firstOrderArchGrad(p: BilevelProblem): ArchGrad {
  const { value, grads } = valueAndGrads(() => p.validLoss(), p.arch);
  return { loss: value, grads };
}

export function secondOrderArchGrad(p: BilevelProblem, o: UnrollOptions): ArchGrad {
  const W = p.weights;
  const A = p.arch.length;
  const r = o.r ?? 0.01;
  const saved = W.map((w) => tf.clone(w));
  try {
    // w' = w - xi * (momentum * buf + grad_w L_train + wd * w)
    const train = valueAndGrads(() => p.trainLoss(), W);
    tf.tidy(() => W.forEach((w, i) => {
      let d = tf.add(train.grads[i], tf.mul(saved[i], o.weightDecay));
      const buf = o.momentumBuffers[i];
      if (buf && o.momentum > 0) d = tf.add(d, tf.mul(buf, o.momentum));
      w.assign(tf.sub(saved[i], tf.mul(d, o.xi)));
    }));
    tf.dispose([train.value, ...train.grads]);

    // grad_alpha and grad_w' of L_val(w', alpha)
    const val = valueAndGrads(() => p.validLoss(), [...p.arch, ...W]);
    const dAlpha = val.grads.slice(0, A);
    const vector = val.grads.slice(A);

    // Finite-difference Hessian-vector product around the ORIGINAL w.
    const eps = tf.tidy(() => tf.div(tf.scalar(r), tf.maximum(globalNorm(vector), 1e-12)));
    const at = (sign: 1 | -1): tf.Tensor[] => {
      tf.tidy(() => W.forEach((w, i) => w.assign(tf.add(saved[i], tf.mul(vector[i], tf.mul(eps, sign))))));
      const g = valueAndGrads(() => p.trainLoss(), p.arch);
      g.value.dispose();
      return g.grads;
    };
    const gp = at(1);
    const gn = at(-1);
    const grads = tf.tidy(() => dAlpha.map((d, i) => tf.sub(d, tf.mul(tf.div(tf.sub(gp[i], gn[i]), tf.mul(eps, 2)), o.xi))));
    tf.dispose([...dAlpha, ...vector, ...gp, ...gn, eps]);
    return { loss: val.value, grads };
  } finally {
    W.forEach((w, i) => w.assign(saved[i]));
    tf.dispose(saved);
  }
}
