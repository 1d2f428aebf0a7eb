/**
 * SGD with momentum and decoupled-from-the-loss weight decay, with PyTorch's semantics
 * (g += wd * w; buf = m * buf + g; w -= lr * buf). Written here rather than using tf.train.momentum
 * because tfjs 4.22's MomentumOptimizer leaks its learning-rate scalar on dispose, and because a
 * checkpoint needs the momentum buffers (state()/loadState()). On wasm and cpu the momentum update of every parameter
 * is one kernel (accel/fused/optim.ts NasSgdMomentum, bit for bit the per-tensor ops) instead of ~7 per parameter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { accelOptions, fusedKernelsAvailable, NAS_SGD_MOMENTUM } from '../accel';
import { clipByGlobalNorm, clipCoefficient } from './clip';

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

  /**
   * Applies gradients keyed by variable name, each first multiplied by `scale` (a clipping factor; 1: as they are).
   * Parameters without a gradient are left alone (their momentum buffers too).
   */
  apply(grads: Readonly<Record<string, tf.Tensor>>, scale = 1): void {
    const { momentum, weightDecay } = this.opts;
    const lr = this.learningRate;
    const live = this.params.filter((p) => grads[p.name] != null);
    if (accelOptions().fused.optimizer && momentum > 0 && live.length > 0 && fusedKernelsAvailable()
      && live.every((p) => p.dtype === 'float32' && grads[p.name].dtype === 'float32')) {
      tf.tidy(() => {
        // A new buffer starts at 0: m * 0 + g is g, PyTorch's first-step buffer.
        for (const p of live) if (!this.buffers.has(p)) this.buffers.set(p, tf.variable(tf.zerosLike(p), false));
        const inputs: tf.NamedTensorMap = {};
        live.forEach((p, i) => {
          inputs[`p${i}`] = p;
          inputs[`g${i}`] = grads[p.name];
          inputs[`b${i}`] = this.buffers.get(p)!;
        });
        const attrs = { count: live.length, lr, momentum, weightDecay, scale };
        const outs = tf.engine().runKernel(NAS_SGD_MOMENTUM, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        live.forEach((p, i) => {
          p.assign(outs[i]);
          this.buffers.get(p)!.assign(outs[live.length + i]);
        });
      });
      return;
    }
    tf.tidy(() => {
      for (const p of live) {
        let g = grads[p.name];
        if (scale !== 1) g = tf.mul(g, scale);
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

  /**
   * Clips the gradients by their global norm (PyTorch's clip_grad_norm_, maxNorm <= 0: no clipping), then applies
   * them. On wasm and cpu the norm is one kernel and a scalar read-back, and the clipping factor goes into the fused
   * update; elsewhere the clipped gradients stay on the device (optim/clip.ts).
   */
  applyClipped(grads: Readonly<Record<string, tf.Tensor>>, maxNorm: number): void {
    const live = this.params.filter((p) => grads[p.name] != null);
    const list = live.map((p) => grads[p.name]);
    const coef = accelOptions().fused.optimizer ? clipCoefficient(list, maxNorm) : null;
    if (coef != null) {
      this.apply(grads, coef);
      return;
    }
    const clipped = tf.tidy(() => clipByGlobalNorm(list, maxNorm));
    const named: Record<string, tf.Tensor> = {};
    live.forEach((p, i) => { named[p.name] = clipped[i]; });
    this.apply(named);
    tf.dispose(clipped);
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
