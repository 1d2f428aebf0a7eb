/**
 * SGD with momentum and decoupled-from-the-loss weight decay, with PyTorch's semantics
 * (g += wd * w; buf = m * buf + g; w -= lr * buf). Written here rather than using tf.train.momentum
 * because tfjs 4.22's MomentumOptimizer leaks its learning-rate scalar on dispose, and because a
 * checkpoint needs the momentum buffers (state()/loadState()).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface SgdOptions {
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
}

export class Sgd {
  learningRate: number;
  private readonly buffers = new Map<tf.Variable, tf.Variable>();

  constructor(private readonly params: readonly tf.Variable[], readonly opts: SgdOptions) {
    this.learningRate = opts.learningRate;
  }

  /** One step: computes the gradient of `loss` w.r.t. the params, updates them, returns the loss value. */
  async step(loss: () => tf.Scalar): Promise<number> {
    const { value, grads } = tf.variableGrads(loss, this.params as tf.Variable[]);
    try {
      this.apply(grads);
      return (await value.data())[0];
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }

  /** Applies gradients keyed by variable name. */
  apply(grads: Readonly<Record<string, tf.Tensor>>): void {
    const { momentum, weightDecay } = this.opts;
    const lr = this.learningRate;
    tf.tidy(() => {
      for (const p of this.params) {
        let g = grads[p.name];
        if (!g) continue;
        if (weightDecay > 0) g = tf.add(g, tf.mul(p, weightDecay));
        if (momentum > 0) {
          let buf = this.buffers.get(p);
          if (!buf) {
            buf = tf.variable(g, false);
            this.buffers.set(p, buf);
          } else {
            buf.assign(tf.add(tf.mul(buf, momentum), g));
          }
          g = buf;
        }
        p.assign(tf.sub(p, tf.mul(g, lr)));
      }
    });
  }

  /** Momentum buffers in parameter order (null where a parameter has had no gradient yet). */
  state(): (tf.Tensor | null)[] {
    return this.params.map((p) => this.buffers.get(p) ?? null);
  }

  loadState(buffers: readonly (tf.Tensor | null)[]): void {
    this.params.forEach((p, i) => {
      const b = buffers[i];
      const old = this.buffers.get(p);
      if (old) { old.dispose(); this.buffers.delete(p); }
      if (b) this.buffers.set(p, tf.variable(b, false));
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
