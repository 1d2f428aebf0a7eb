/**
 * The fused optimiser (src/engine/accel/fused/optim.ts through optim/sgd.ts and optim/clip.ts): on wasm and cpu, momentum
 * SGD with weight decay over every parameter in one kernel equals the per-tensor tfjs ops BIT FOR BIT (with and without
 * a clipping factor, buffers included, parameters without a gradient left alone); the clipping factor from one
 * sum-of-squares kernel equals the tensor path's within float32 rounding; applyClipped matches clipByGlobalNorm +
 * apply; nothing leaks.
 */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { lcgValues } from '../helpers/synthetic';
import { Sgd } from '../../src/engine/optim/sgd';
import { clipByGlobalNorm, clipCoefficient, globalNorm } from '../../src/engine/optim/clip';
import { NAS_SGD_MOMENTUM, setAccelOptions } from '../../src/engine/accel';

type Tf = Awaited<ReturnType<typeof useBackend>>;
const SHAPES = [[3, 3, 4, 8], [8], [5, 7], [1]];
const OPTS = { learningRate: 0.025, momentum: 0.9, weightDecay: 3e-4 };

/** Three steps of `how` on fresh parameters; the final parameters and momentum buffers, and the kernels of a step. */
async function run(tf: Tf, fused: boolean, how: (sgd: Sgd, grads: Record<string, Tensor>) => void): Promise<{ params: Float32Array[]; buffers: (Float32Array | null)[]; kernels: string[] }> {
  setAccelOptions({ fused: { optimizer: fused } });
  try {
    const params: Variable[] = SHAPES.map((s, i) => tf.variable(tf.tensor(lcgValues(s.reduce((a, b) => a * b, 1), 90 + i), s), true, `w${i}_${fused}_${Math.random()}`));
    const sgd = new Sgd(params, OPTS);
    const before = tf.memory().numTensors;
    let kernels: string[] = [];
    for (let step = 0; step < 3; step++) {
      // The last parameter gets no gradient at step 1 (a weight off the sampled path).
      const grads: Record<string, Tensor> = {};
      params.forEach((p, i) => { if (!(step === 1 && i === SHAPES.length - 1)) grads[p.name] = tf.tensor(lcgValues(p.size, 100 + 10 * step + i, 3), p.shape); });
      const info = await tf.profile(() => { how(sgd, grads); });
      kernels = info.kernels.map((k) => k.name);
      tf.dispose(Object.values(grads));
    }
    const out = { params: params.map((p) => p.dataSync() as Float32Array), buffers: sgd.state().map((b) => (b ? b.dataSync() as Float32Array : null)), kernels };
    // Buffers are created on the first step: 4 in all, nothing else left behind.
    expect(tf.memory().numTensors - before).toBe(SHAPES.length);
    sgd.dispose();
    tf.dispose(params);
    return out;
  } finally {
    setAccelOptions();
  }
}

const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('fused momentum SGD and gradient clipping', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: one kernel, bit for bit the per-tensor update (scale 1 and 0.37), buffers included`, async () => {
      const tf = await useBackend(backend, { trainingKernels: true });
      for (const scale of [1, 0.37]) {
        const ours = await run(tf, true, (sgd, g) => sgd.apply(g, scale));
        const theirs = await run(tf, false, (sgd, g) => sgd.apply(g, scale));
        expect(ours.kernels.filter((k) => k === NAS_SGD_MOMENTUM).length, 'one fused kernel per step').toBe(1);
        expect(theirs.kernels).not.toContain(NAS_SGD_MOMENTUM);
        ours.params.forEach((p, i) => expect(same(p, theirs.params[i]), `scale ${scale}: param ${i}`).toBe(true));
        ours.buffers.forEach((b, i) => expect(b != null && same(b, theirs.buffers[i]!), `scale ${scale}: buffer ${i}`).toBe(true));
      }
    });

    it(`${backend}: the clipping factor from one kernel equals the tensor path's; applyClipped matches clip + apply`, async () => {
      const tf = await useBackend(backend, { trainingKernels: true });
      const grads = SHAPES.map((s, i) => tf.tensor(lcgValues(s.reduce((a, b) => a * b, 1), 120 + i, 3), s));
      const norm = globalNorm(grads).dataSync()[0];
      for (const maxNorm of [norm / 3, norm * 2, 0]) {
        const coef = clipCoefficient(grads, maxNorm)!;
        const expected = maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
        expect(Math.abs(coef - expected), `maxNorm ${maxNorm}`).toBeLessThan(1e-6 * expected);
      }
      tf.dispose(grads);
      const maxNorm = 2;
      const ours = await run(tf, true, (sgd, g) => sgd.applyClipped(g, maxNorm));
      const theirs = await run(tf, false, (sgd, g) => {
        const names = Object.keys(g);
        const clipped = tf.tidy(() => clipByGlobalNorm(names.map((n) => g[n]), maxNorm));
        const named: Record<string, Tensor> = {};
        names.forEach((n, i) => { named[n] = clipped[i]; });
        sgd.apply(named);
        tf.dispose(clipped);
      });
      ours.params.forEach((p, i) => {
        for (let j = 0; j < p.length; j++) expect(Math.abs(p[j] - theirs.params[i][j]), `param ${i}[${j}]`).toBeLessThan(1e-6);
      });
    });
  }
});
