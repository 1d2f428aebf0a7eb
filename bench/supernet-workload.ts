/**
 * Benchmark workloads on the engine's real supernets, i.e. the code the One-shot worker runs: buildDartsSupernet /
 * buildNb201Supernet (with the fused fast path on for impl 'fast', off for 'plain') and the DARTS searcher's weight
 * step (oneshot/darts.ts): mixture forward on a training batch, gradients of the cross-entropy w.r.t. the
 * weights, gradient-norm clip at 5, SGD with momentum 0.9 and weight decay 3e-4 at lr 0.025.
 *  - darts-supernet: model_search.py's Network, stem multiplier 3, `layers` cells (reductions at layers/3 and
 *    2*layers/3), all 8 DARTS ops;
 *  - nb201-supernet: the NB201 search network, `layers` cells per stage, all 5 NB201 ops.
 * Only tfjs-core and the engine are imported (shared by Node and the browser worker).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Sgd } from '../src/engine/optim/sgd';
import { buildDartsSupernet } from '../src/engine/supernet/darts-supernet';
import { crossEntropy } from '../src/engine/supernet/loss';
import { buildNb201Supernet } from '../src/engine/supernet/nb201-supernet';
import type { Supernet } from '../src/engine/supernet/types';
import { valueAndGrads } from '../src/engine/oneshot/darts-architect';
import { createRng } from '../src/engine/util/rng';
import { profileKernels, type NamedTensor, type StepProfile, type Workload, type WorkloadSpec } from './workloads';

/** The weight step's optimiser (DartsSearch defaults), also handed to PyTorch. */
export const SUPERNET_OPTIM = { lr: 0.025, momentum: 0.9, weightDecay: 3e-4, clip: 5 } as const;
export const SUPERNET_CLASSES = 10;

export function createSupernetWorkload(spec: WorkloadSpec, label: string): Workload {
  const rng = createRng(spec.seed);
  const n = spec.batch * spec.size * spec.size * 3;
  const x = tf.tensor4d(Float32Array.from({ length: n }, () => rng.next() * 2 - 1), [spec.batch, spec.size, spec.size, 3]);
  const labels = Array.from({ length: spec.batch }, (_, i) => i % SUPERNET_CLASSES);
  const y = tf.tensor1d(labels, 'int32');
  const layers = spec.layers ?? 1;
  const fastPath = spec.impl === 'fast' ? 'on' : 'off';
  const inputShape = [spec.size, spec.size, 3] as const;
  const net: Supernet<unknown> = (spec.kind === 'darts-supernet'
    ? buildDartsSupernet({ skeleton: { channels: spec.channels, layers, stemMultiplier: 3, inputShape, numClasses: SUPERNET_CLASSES }, fastPath }, rng)
    : buildNb201Supernet({ skeleton: { channels: spec.channels, cellsPerStage: layers, inputShape, numClasses: SUPERNET_CLASSES }, fastPath }, rng)) as Supernet<unknown>;
  const sgd = new Sgd(net.weights, { learningRate: SUPERNET_OPTIM.lr, momentum: SUPERNET_OPTIM.momentum, weightDecay: SUPERNET_OPTIM.weightDecay });
  const zeros = net.weights.map((w) => tf.zerosLike(w));
  sgd.loadState(zeros);
  tf.dispose(zeros);
  const mode = { kind: 'mixture' } as const;

  /** DartsSearch.step's weight step. */
  const weightStep = (): tf.Scalar => {
    const { value, grads } = valueAndGrads(() => crossEntropy(net.forward(x, mode, true), y), net.weights);
    const named: Record<string, tf.Tensor> = {};
    net.weights.forEach((w, i) => { named[w.name] = grads[i]; });
    sgd.applyClipped(named, SUPERNET_OPTIM.clip);
    tf.dispose(grads);
    return value;
  };
  return {
    spec,
    label,
    async loss() {
      const saved = net.buffers.map((b) => tf.clone(b));
      const l = tf.tidy(() => crossEntropy(net.forward(x, mode, true), y));
      const v = (await l.data())[0];
      l.dispose();
      net.buffers.forEach((b, i) => b.assign(saved[i]));
      tf.dispose(saved);
      return v;
    },
    async step() {
      const l = weightStep();
      const v = (await l.data())[0];
      l.dispose();
      return v;
    },
    async profileStep(): Promise<StepProfile> {
      return profileKernels(async () => {
        const l = weightStep();
        await l.data();
        l.dispose();
      });
    },
    async exportTensors() {
      const tensors: NamedTensor[] = [
        { name: 'x', shape: x.shape.slice(), data: (await x.data()) as Float32Array },
        { name: 'labels', shape: [spec.batch], data: Float32Array.from(labels) },
      ];
      for (const [i, w] of net.weights.entries()) tensors.push({ name: `w.${i}`, shape: w.shape.slice(), data: (await w.data()) as Float32Array });
      for (const a of net.alphas) tensors.push({ name: `alpha.${a.name}`, shape: a.variable.shape.slice(), data: (await a.variable.data()) as Float32Array });
      return { tensors, paths: null, ops: net.ops.slice() };
    },
    async infer() {
      const out = tf.tidy(() => net.forward(x, mode, false));
      await out.data();
      out.dispose();
    },
    dispose() {
      sgd.dispose();
      tf.dispose([x, y]);
      net.dispose();
    },
  };
}
