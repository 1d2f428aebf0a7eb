/**
 * Adam (Kingma & Ba, ICLR 2015) with PyTorch's semantics, for architecture parameters (DARTS uses
 * Adam(lr 3e-4, betas (0.5, 0.999), weight_decay 1e-3) on its alphas): L2 weight decay added to the gradient
 * (g += wd * p, not AdamW), bias-corrected moments, p -= lr * m_hat / (sqrt(v_hat) + eps).
 * Written here rather than using tf.train.adam so that its state (moments and step count) can be saved into a
 * checkpoint and restored exactly, and so that it allocates nothing per step (its moments are created once).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export const DARTS_ARCH_ADAM: AdamOptions = { learningRate: 3e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3 };

export interface AdamState {
  /** Number of steps taken (bias correction). */
  readonly step: number;
  readonly m: readonly tf.Tensor[];
  readonly v: readonly tf.Tensor[];
}

export class Adam {
  learningRate: number;
  private t = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(readonly params: readonly tf.Variable[], readonly opts: AdamOptions) {
    this.learningRate = opts.learningRate;
    // In a tidy: tf.variable shares the zeros' data, and the zeros tensor itself must go (else 2 tensors leak per
    // parameter with every Adam, i.e. with every DARTS run and every resume: tests/unit/soak-leak.test.ts).
    this.m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  get stepCount(): number {
    return this.t;
  }

  /** One update from gradients aligned with `params` (null: no gradient, the parameter is left alone). */
  apply(grads: readonly (tf.Tensor | null)[]): void {
    if (grads.length !== this.params.length) throw new Error(`Adam.apply: ${grads.length} gradients for ${this.params.length} parameters`);
    const { beta1, beta2, eps, weightDecay } = this.opts;
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    const lr = this.learningRate;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        let g = grads[i];
        if (!g) return;
        if (weightDecay > 0) g = tf.add(g, tf.mul(p, weightDecay));
        const m = this.m[i];
        const v = this.v[i];
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), lr / c1)));
      });
    });
  }

  /** The moments (live variables: read them, do not dispose them) and the step count. */
  state(): AdamState {
    return { step: this.t, m: this.m, v: this.v };
  }

  loadState(s: AdamState): void {
    if (s.m.length !== this.params.length || s.v.length !== this.params.length) {
      throw new Error(`Adam.loadState: state has ${s.m.length}/${s.v.length} moments for ${this.params.length} parameters`);
    }
    this.params.forEach((p, i) => {
      for (const [mine, theirs, what] of [[this.m[i], s.m[i], 'm'], [this.v[i], s.v[i], 'v']] as const) {
        if (theirs.shape.join('x') !== p.shape.join('x')) {
          throw new Error(`Adam.loadState: moment ${what}[${i}] has shape [${theirs.shape}], parameter has [${p.shape}]`);
        }
        mine.assign(theirs);
      }
    });
    this.t = s.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
