/**
 * The DARTS network builder (Liu et al., ICLR 2019; quark0/darts model.py NetworkCIFAR, no auxiliary head)
 * against the cost counter (model/cost-darts.ts, which follows space/darts/skeleton.ts): exact params and BN buffers for
 * random genotypes, output shapes, one SGD step per genotype on the CPU backend, the published DARTS_V2 size,
 * seeded drop-path, and a flat tensor count across build/train/dispose cycles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// tfjs-core must load before the ESM gradient registrations (see kernels-torch.test.ts).
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { install } from '../../src/engine/accel';
import { dartsCost } from '../../src/engine/model/cost';
import { buildDartsNetwork } from '../../src/engine/space/darts/network';
import type { Network } from '../../src/engine/model/network';
import { Sgd } from '../../src/engine/optim/sgd';
import { DARTS_V2, dartsSkeleton, dartsSpace, type DartsGenotype } from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

type Tf = Awaited<ReturnType<typeof useBackend>>;
let tf: Tf;
beforeAll(async () => {
  tf = await useBackend('cpu');
  install();
});
afterAll(() => { tf?.disposeVariables(); });

const size = (vs: readonly { size: number }[]) => vs.reduce((n, v) => n + v.size, 0);
const TINY = dartsSkeleton({ channels: 4, layers: 3, stemMultiplier: 3, inputShape: [8, 8, 3], numClasses: 5 });

/** One SGD step on a random batch; returns the loss. */
async function sgdStep(net: Network, shape: readonly [number, number, number], classes: number, seed: number): Promise<number> {
  const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', seed) as Tensor4D;
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, classes - 1], 'int32'), classes)) as Tensor2D;
  const sgd = new Sgd(net.params, { learningRate: 0.05, momentum: 0.9, weightDecay: 3e-4 });
  try {
    return await sgd.step(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true)) as import('@tensorflow/tfjs-core').Scalar);
  } finally {
    sgd.dispose();
    tf.dispose([x, y]);
  }
}

describe('DARTS network vs the cost counter', () => {
  it('30 random genotypes: params and BN buffers equal the counter at two skeletons', () => {
    const rng = createRng(2019);
    const skeletons = [TINY, dartsSkeleton({ channels: 6, layers: 5, stemMultiplier: 2, inputShape: [8, 8, 1], numClasses: 3 })];
    for (let i = 0; i < 30; i++) {
      const g = dartsSpace.sample(rng);
      for (const sk of skeletons) {
        const net = buildDartsNetwork(g, sk, createRng(i));
        try {
          const cost = dartsCost(g, sk);
          expect(net.countParams(), dartsSpace.encode(g)).toBe(cost.params);
          expect(size(net.buffers), dartsSpace.encode(g)).toBe(cost.nonTrainable);
        } finally {
          net.dispose();
        }
      }
    }
  });

  it('DARTS_V2 at the published skeleton (C=36, 20 layers, 32x32x3, 10 classes) has 3,349,342 params', () => {
    const sk = dartsSkeleton({ channels: 36, layers: 20, inputShape: [32, 32, 3], numClasses: 10 });
    const net = buildDartsNetwork(DARTS_V2, sk, createRng(0));
    try {
      expect(net.countParams()).toBe(3349342);
      expect(size(net.buffers)).toBe(dartsCost(DARTS_V2, sk).nonTrainable);
    } finally {
      net.dispose();
    }
  });

  it('rejects a bad genotype or skeleton with a specific error', () => {
    const bad = { ...DARTS_V2, normal: DARTS_V2.normal.map((e, i) => (i === 3 ? ['sep_conv_3x3', 7] : e)) } as unknown as DartsGenotype;
    expect(() => buildDartsNetwork(bad, TINY, createRng(0))).toThrow('normal[3]: input 7 is not available to node 3');
    expect(() => buildDartsNetwork(DARTS_V2, { ...TINY, channels: 5 }, createRng(0))).toThrow('channels: must be even');
  });
});

describe('DARTS network training (cpu, tiny shapes)', () => {
  it('30 random genotypes: logits [N, classes], one SGD step (training mode) with a finite loss that moves the weights', async () => {
    const rng = createRng(7);
    for (let i = 0; i < 30; i++) {
      const g = dartsSpace.sample(rng);
      const net = buildDartsNetwork(g, TINY, createRng(100 + i));
      try {
        const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', i) as Tensor4D;
        const shape = tf.tidy(() => net.forward(x, false).shape);
        x.dispose();
        expect(shape).toEqual([2, 5]);
        const w0 = net.params.map((p) => p.dataSync().slice());
        const loss = await sgdStep(net, [8, 8, 3], 5, i);
        expect(Number.isFinite(loss), dartsSpace.encode(g)).toBe(true);
        const moved = net.params.filter((p, j) => p.dataSync().some((v, k) => v !== w0[j][k])).length;
        expect(moved).toBeGreaterThan(net.params.length / 2);
        expect(net.params.every((p) => p.dataSync().every(Number.isFinite))).toBe(true);
      } finally {
        net.dispose();
      }
    }
  });

  it('drop-path: seeded masks, training only, and the probability can be changed', () => {
    const g = dartsSpace.sample(createRng(5));
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1) as Tensor4D;
    const logits = (net: Network, training: boolean) => tf.tidy(() => Array.from(net.forward(x, training).dataSync()));
    const a = buildDartsNetwork(g, TINY, createRng(3), { dropPathProb: 0.5 });
    const b = buildDartsNetwork(g, TINY, createRng(3), { dropPathProb: 0.5 });
    const c = buildDartsNetwork(g, TINY, createRng(3));
    try {
      expect(logits(a, false)).toEqual(logits(c, false)); // same weights; no drop-path at inference
      expect(logits(a, true)).toEqual(logits(b, true)); // same seed, same masks
      expect(logits(a, true)).not.toEqual(logits(c, true));
      expect(a.dropPathProb).toBe(0.5);
      a.dropPathProb = 0;
      c.dropPathProb = 0;
      expect(logits(a, true)).toEqual(logits(c, true)); // both now update BN identically with no masks
      expect(() => { a.dropPathProb = 1; }).toThrow('dropPathProb');
    } finally {
      [a, b, c].forEach((n) => n.dispose());
      x.dispose();
    }
  });

  it('tensor count is flat across build + forward + SGD step + dispose cycles', async () => {
    const rng = createRng(11);
    const cycle = async (seed: number) => {
      const net = buildDartsNetwork(dartsSpace.sample(rng), TINY, createRng(seed), { dropPathProb: 0.2 });
      await sgdStep(net, [8, 8, 3], 5, seed);
      const x = tf.zeros([1, 8, 8, 3]) as Tensor4D;
      tf.tidy(() => { net.forward(x, false); });
      x.dispose();
      net.dispose();
    };
    await cycle(0);
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 4; s++) await cycle(s);
    expect(tf.memory().numTensors).toBe(before);
  });
});
