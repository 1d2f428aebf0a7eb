/**
 * Plain SGD (p <- p - lr * g) of many variables in one kernel (NasSgd, registered here for wasm and cpu as a plain
 * loop over the backend's memory) instead of two kernels per variable; elsewhere ordinary tfjs ops. Variables without
 * a gradient (null) are left alone. Call inside tf.tidy. Only the benchmark's training step uses it (the app's
 * optimisers are src/engine/optim/: momentum SGD, fused on wasm and cpu by the acceleration layer), so it lives here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkFloat, FUSED_KERNEL_BACKENDS, fusedKernelsAvailable, memory } from '../../src/engine/accel/fused/kernels';

export const NAS_SGD = 'NasSgd';

interface SgdAttrs { lr: number; count: number }

function sgd(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { lr, count } = attrs as unknown as SgdAttrs;
    const ps = Array.from({ length: count }, (_, i) => inputs[`p${i}`] as tf.TensorInfo);
    const gs = Array.from({ length: count }, (_, i) => inputs[`g${i}`] as tf.TensorInfo);
    checkFloat([...ps, ...gs], NAS_SGD);
    const mem = memory(backendName, backend);
    const outs = ps.map((p) => mem.alloc(p.shape.slice()));
    outs.forEach((o, i) => {
      const P = mem.view(ps[i]);
      const G = mem.view(gs[i]);
      const O = mem.view(o);
      for (let j = 0; j < O.length; j++) O[j] = P[j] - lr * G[j];
    });
    return outs;
  };
}

function registerSgdKernel(): void {
  for (const backendName of FUSED_KERNEL_BACKENDS) {
    if (tf.getKernel(NAS_SGD, backendName) == null) tf.registerKernel({ kernelName: NAS_SGD, backendName, kernelFunc: sgd(backendName) });
  }
}

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
  registerSgdKernel();
  const inputs: tf.NamedTensorMap = {};
  live.forEach(([p, g], i) => {
    inputs[`p${i}`] = p;
    inputs[`g${i}`] = g;
  });
  const outs = tf.engine().runKernel(NAS_SGD, inputs, { lr, count: live.length } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  live.forEach(([p], i) => p.assign(outs[i]));
}
