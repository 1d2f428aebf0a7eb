/**
 * The supernet weight step's optimiser as two kernels over every parameter at once (wasm and cpu, plain loops over
 * the backend's memory), instead of ~9 small tfjs kernels per parameter: a DARTS supernet has ~900 weight tensors,
 * so clipping + momentum SGD was ~8,000 of the step's ~15,500 kernel launches.
 *  - NasSumSquares {g0..}: [1] = Σ_i Σ g_i² (float64 accumulation): the squared global norm for gradient clipping.
 *  - NasSgdMomentum {p0.., g0.., b0..}: PyTorch's SGD with momentum and weight decay after clipping, per element in
 *    float32 exactly as the tfjs ops of optim/sgd.ts round it (g·scale, + wd·p, b = m·b + g, p - lr·b), so the
 *    result is bit for bit the unfused update given the same scale. Outputs [p'0.., b'0..].
 */
import type * as tf from '@tensorflow/tfjs-core';
import { checkFloat, memory } from './kernels';

export const NAS_SUM_SQUARES = 'NasSumSquares';
export const NAS_SGD_MOMENTUM = 'NasSgdMomentum';

export interface SgdMomentumAttrs { count: number; lr: number; momentum: number; weightDecay: number; scale: number }

const f = Math.fround;

export function sumSquares(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { count } = attrs as unknown as { count: number };
    const gs = Array.from({ length: count }, (_, i) => inputs[`g${i}`] as tf.TensorInfo);
    checkFloat(gs, NAS_SUM_SQUARES);
    const mem = memory(backendName, backend);
    const out = mem.alloc([1]);
    let acc = 0;
    for (const g of gs) {
      const G = mem.view(g);
      for (let j = 0; j < G.length; j++) acc += G[j] * G[j];
    }
    mem.view(out)[0] = acc;
    return out;
  };
}

export function sgdMomentum(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { count, lr, momentum, weightDecay, scale } = attrs as unknown as SgdMomentumAttrs;
    const pick = (k: string) => Array.from({ length: count }, (_, i) => inputs[`${k}${i}`] as tf.TensorInfo);
    const [ps, gs, bs] = [pick('p'), pick('g'), pick('b')];
    checkFloat([...ps, ...gs, ...bs], NAS_SGD_MOMENTUM);
    const mem = memory(backendName, backend);
    const outP = ps.map((p) => mem.alloc(p.shape.slice()));
    const outB = ps.map((p) => mem.alloc(p.shape.slice()));
    const [s, wd, m, r] = [f(scale), f(weightDecay), f(momentum), f(lr)];
    for (let i = 0; i < count; i++) {
      const [P, G, B, P2, B2] = [mem.view(ps[i]), mem.view(gs[i]), mem.view(bs[i]), mem.view(outP[i]), mem.view(outB[i])];
      for (let j = 0; j < P.length; j++) {
        let g = s === 1 ? G[j] : f(G[j] * s);
        if (wd > 0) g = f(g + f(P[j] * wd));
        const b = f(f(B[j] * m) + g);
        B2[j] = b;
        P2[j] = f(P[j] - f(b * r));
      }
    }
    return [...outP, ...outB];
  };
}
