/**
 * The mobile macro-space builder (MnasNet-style, Tan et al., CVPR 2019; blocks of MobileNetV1/V2 and SE) against
 * the cost counter (model/cost-mobile.ts, which follows space/mobile/skeleton.ts): exact params and BN buffers for random
 * genotypes at several skeletons, output shapes, one SGD step per genotype on the CPU backend, SE and residual
 * wiring, and a flat tensor count across build/train/dispose cycles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// tfjs-core must load before the ESM gradient registrations (see kernels-torch.test.ts).
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Scalar, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { install } from '../../src/engine/accel';
import { mobileCost } from '../../src/engine/model/cost';
import { buildMobileNetwork } from '../../src/engine/space/mobile/network';
import type { Network } from '../../src/engine/model/network';
import { MOBILE_BLOCK_FACTORIES, squeezeExcite } from '../../src/engine/ops/mobile-ops';
import { Sgd } from '../../src/engine/optim/sgd';
import { createMobileSpace, mobileSkeleton, mobileSpace } from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

type Tf = Awaited<ReturnType<typeof useBackend>>;
let tf: Tf;
beforeAll(async () => {
  tf = await useBackend('cpu');
  install();
});
afterAll(() => { tf?.disposeVariables(); });

const size = (vs: readonly { size: number }[]) => vs.reduce((n, v) => n + v.size, 0);
const SMALL = mobileSkeleton({ stemChannels: 8, stemStride: 2, headMultiplier: 2, seReduction: 4, inputShape: [8, 8, 3], numClasses: 4 });

async function sgdStep(net: Network, shape: readonly [number, number, number], classes: number, seed: number): Promise<number> {
  const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', seed) as Tensor4D;
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, classes - 1], 'int32'), classes)) as Tensor2D;
  const sgd = new Sgd(net.params, { learningRate: 0.05, momentum: 0.9, weightDecay: 4e-5 });
  try {
    return await sgd.step(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true)) as Scalar);
  } finally {
    sgd.dispose();
    tf.dispose([x, y]);
  }
}

describe('mobile network vs the cost counter', () => {
  it('30 random genotypes: params and BN buffers equal the counter at four skeletons (the default one for 10)', () => {
    const rng = createRng(2019);
    const skeletons = [
      SMALL,
      mobileSkeleton(), // the worked example's defaults: 32x32x3, stem 16 stride 2, head x4, SE /4
      mobileSkeleton({ stemChannels: 5, stemStride: 1, headMultiplier: 0, seReduction: 8, inputShape: [15, 15, 1], numClasses: 3 }),
      mobileSkeleton({ stemChannels: 16, stemStride: 2, headMultiplier: 1, seReduction: 64, inputShape: [9, 11, 2], numClasses: 2 }),
    ];
    for (let i = 0; i < 30; i++) {
      const g = mobileSpace.sample(rng);
      // The default skeleton's nets are the largest to initialise: a third of the genotypes suffice there.
      for (const sk of i % 3 === 0 ? skeletons : skeletons.filter((s) => s !== skeletons[1])) {
        const net = buildMobileNetwork(g, sk, createRng(i));
        try {
          const cost = mobileCost(g, sk);
          expect(net.countParams(), mobileSpace.encode(g)).toBe(cost.params);
          expect(size(net.buffers), mobileSpace.encode(g)).toBe(cost.nonTrainable);
        } finally {
          net.dispose();
        }
      }
    }
  });

  it('the hand-computed example of cost-mobile.test.ts (37,478 params) builds with that many', () => {
    const g = createMobileSpace({ strides: [1, 2] }).decode('ds_k3_w16_d1_s1|mb6_k5_se_w24_d2_s2');
    const net = buildMobileNetwork(g, mobileSkeleton(), createRng(0));
    expect(net.countParams()).toBe(37478);
    net.dispose();
  });
});

describe('mobile blocks', () => {
  it('ds and mb blocks: output shape ceil(h / stride), residual only when stride 1 and cIn == cOut', () => {
    const x = tf.randomNormal([2, 7, 7, 8], 0, 1, 'float32', 4) as Tensor4D;
    for (const block of ['ds', 'mb'] as const) {
      for (const [stride, cOut] of [[1, 8], [1, 12], [2, 8]] as const) {
        const ctx = { cIn: 8, cOut, kernel: 5, stride, expand: 3, se: true, seReduction: 4, rng: createRng(1) };
        const m = MOBILE_BLOCK_FACTORIES[block](ctx);
        const shape = tf.tidy(() => m.apply(x, false).shape);
        expect(shape).toEqual([2, stride === 2 ? 4 : 7, stride === 2 ? 4 : 7, cOut]);
        if (stride === 1 && cOut === 8) {
          // Zeroing the last BN's gamma and beta silences the body: a residual block returns its input.
          const [gamma, beta] = m.params.slice(-2);
          gamma.assign(tf.zerosLike(gamma));
          beta.assign(tf.zerosLike(beta));
          const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(m.apply(x, false), x))).dataSync()[0]);
          expect(diff).toBeLessThan(1e-6);
        }
        tf.dispose([...m.params, ...m.buffers]);
      }
    }
    x.dispose();
  });

  it('SE scales each channel by sigmoid(dense(relu(dense(mean)))) in (0, 1)', () => {
    const x = tf.randomNormal([1, 4, 4, 6], 2, 1, 'float32', 9) as Tensor4D;
    const se = squeezeExcite(6, 2, createRng(3));
    expect(se.params.map((p) => p.shape)).toEqual([[6, 2], [2], [2, 6], [6]]);
    const ratio = tf.tidy(() => tf.div(se.apply(x, false), x).arraySync() as number[][][][]);
    for (let c = 0; c < 6; c++) {
      const r = ratio[0][0][0][c];
      expect(r).toBeGreaterThan(0);
      expect(r).toBeLessThan(1);
      expect(Math.abs(ratio[0][3][2][c] - r)).toBeLessThan(1e-5);
    }
    tf.dispose([x, ...se.params]);
  });
});

describe('mobile network training (cpu, tiny shapes)', () => {
  it('30 random genotypes: logits [N, classes], one SGD step (training mode) with a finite loss that moves the weights', async () => {
    const rng = createRng(7);
    for (let i = 0; i < 30; i++) {
      const g = mobileSpace.sample(rng);
      const net = buildMobileNetwork(g, SMALL, createRng(100 + i));
      try {
        const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', i) as Tensor4D;
        const shape = tf.tidy(() => net.forward(x, false).shape);
        x.dispose();
        expect(shape).toEqual([2, 4]);
        const w0 = net.params.map((p) => p.dataSync().slice());
        const loss = await sgdStep(net, [8, 8, 3], 4, i);
        expect(Number.isFinite(loss), mobileSpace.encode(g)).toBe(true);
        const moved = net.params.filter((p, j) => p.dataSync().some((v, k) => v !== w0[j][k])).length;
        expect(moved).toBeGreaterThan(net.params.length / 2);
        expect(net.params.every((p) => p.dataSync().every(Number.isFinite))).toBe(true);
      } finally {
        net.dispose();
      }
    }
  });

  it('tensor count is flat across build + forward + SGD step + dispose cycles', async () => {
    const rng = createRng(11);
    const cycle = async (seed: number) => {
      const net = buildMobileNetwork(mobileSpace.sample(rng), SMALL, createRng(seed));
      await sgdStep(net, [8, 8, 3], 4, seed);
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
