/**
 * Plain SGD (p <- p - lr * g) of many variables in one kernel (fused-kernels.ts NasSgd) on wasm and cpu, instead of
 * two kernels per variable; elsewhere ordinary tfjs ops. Variables without a gradient (null) are left alone.
 * Call inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelsAvailable, NAS_SGD } from '../../src/engine/accel/fused/kernels';

export function fusedSgdUpdate(params: readonly tf.Variable[], grads: readonly (tf.Tensor | null | undefined)[], lr: number): void {
  if (params.length !== grads.length) throw new Error(`fusedSgdUpdate: ${params.length} params, ${grads.length} gradients`);
  const live = params.flatMap((p, i) => {
    const g = grads[i];
    return g ? [[p, g] as const] : [];
  });
  if (live.length === 0) return;
  if (!fusedKernelsAvailable()) {
    for (const [p, g] of live) p.assign(tf.sub(p, tf.mul(g, lr)));
    return;
  }
  const inputs: tf.NamedTensorMap = {};
  live.forEach(([p, g], i) => {
    inputs[`p${i}`] = p;
    inputs[`g${i}`] = g;
  });
  const outs = tf.engine().runKernel(NAS_SGD, inputs, { lr, count: live.length } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  live.forEach(([p], i) => p.assign(outs[i]));
}
