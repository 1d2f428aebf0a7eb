/**
 * The standalone candidate networks' fast training path (model/fast-layers.ts, built in by space/<id>/network.ts)
 * against the plain ops (`fused.candidate` off), on wasm and cpu with tiny shapes: built from the same seed, a
 * network gives the same loss, parameter gradients, BN running statistics and inference logits on both paths
 * within float32 rounding; the fused kernels really run on the fast path (and not on the plain one); and a whole
 * tiny search candidate (TrainEvaluator: train, BN recalibration, validation) gives the same metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantDataset } from '../helpers/synthetic';
import { withAccelOptions } from '../../src/engine/accel';
import { channelStats, disposeSplit, toTensorSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { TrainEvaluator } from '../../src/engine/evaluator/train-evaluator';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/engine/evaluator/train';
import type { Network } from '../../src/engine/model/network';
import { spaceEntry } from '../../src/engine/space/table';
import { nb201FromString } from '../../src/engine/space/nb201/space';
import type { DartsGenotype } from '../../src/engine/space/darts/genotype';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;

const PLAIN = { fused: { candidate: false } } as const;

/** Every NB201 op, a dead edge, and a node fed by three edges. */
const NB201_G = nb201FromString('|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|');
/** Every DARTS op; the reduction cell's input edges run at stride 2 (pools, sep/dil convs, FactorizedReduce). */
const DARTS_G: DartsGenotype = {
  normal: [['sep_conv_3x3', 0], ['dil_conv_3x3', 1], ['max_pool_3x3', 0], ['skip_connect', 2], ['avg_pool_3x3', 1], ['sep_conv_5x5', 3], ['dil_conv_5x5', 2], ['skip_connect', 4]],
  normal_concat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['sep_conv_3x3', 1], ['avg_pool_3x3', 0], ['dil_conv_5x5', 1], ['skip_connect', 0], ['dil_conv_3x3', 2], ['sep_conv_5x5', 1], ['skip_connect', 3]],
  reduce_concat: [2, 3, 4, 5],
};

/**
 * `tol`: relative tolerance of loss, gradients and statistics. The mobile networks run ~15 BNs, the later ones over
 * 8 values each (1x1 maps of 8 images), which amplify last-bit differences of the batch statistics: measured, fused
 * BN alone moves that network's gradients by up to 3e-4 of their scale (the depthwise kernels alone by 4e-6), both
 * together by up to 1.6e-3.
 */
interface Case { readonly space: string; readonly genotype: unknown; readonly skeleton: unknown; readonly tol: number }

function cases(): Case[] {
  const mobile = spaceEntry('mobile');
  const mobileSk = mobile.runSkeleton({ channels: 8, cellsPerStage: 1 }, [8, 8, 1], 2);
  return [
    { space: 'nb201', genotype: NB201_G, skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 4, cellsPerStage: 1 }, tol: 2e-4 },
    { space: 'darts', genotype: DARTS_G, skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 4, layers: 3, stemMultiplier: 1 }, tol: 2e-4 },
    ...[3, 4].map((seed) => ({ space: 'mobile', genotype: mobile.open({ space: 'mobile' }).sample(createRng(seed)), skeleton: mobileSk, tol: 5e-3 })),
  ];
}

const build = (c: Case): Network => spaceEntry(c.space).buildNetwork(c.genotype, c.skeleton, createRng(21));

async function values(ts: readonly tfType.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
}

/** max |a - b| / (tol * max(1, |b|)) < 1 everywhere. */
function expectClose(a: Float32Array[], b: Float32Array[], tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let worst = 0;
  let where = '';
  a.forEach((x, i) => {
    expect(x.length, `${what} ${i}`).toBe(b[i].length);
    x.forEach((v, j) => {
      const r = Math.abs(v - b[i][j]) / (tol * Math.max(1, Math.abs(b[i][j])));
      if (!(r <= worst)) { worst = r; where = `${what}[${i}][${j}]: ${v} vs ${b[i][j]}`; }
    });
  });
  expect(worst, where).toBeLessThan(1);
}

/** Loss and every parameter gradient of one training step's forward + backward, then the BN running statistics. */
async function lossGradsStats(net: Network): Promise<Float32Array[]> {
  const out = tf.tidy(() => {
    const x = tf.slice(train.x, [0, 0, 0, 0], [8, -1, -1, -1]) as tfType.Tensor4D;
    const y = tf.oneHot(tf.slice(train.y, [0], [8]) as tfType.Tensor1D, 2);
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true)) as tfType.Scalar, [...net.params]);
    return [value, ...net.params.map((p) => grads[p.name])];
  });
  const r = [...await values(out), ...await values(net.buffers)];
  tf.dispose(out);
  return r;
}

async function kernelNames(net: Network): Promise<Set<string>> {
  const saved = net.buffers.map((b) => tf.clone(b));
  const info = await tf.profile(() => tf.tidy(() => {
    const x = tf.slice(train.x, [0, 0, 0, 0], [4, -1, -1, -1]) as tfType.Tensor4D;
    const { value, grads } = tf.variableGrads(() => tf.mean(net.forward(x, true)) as tfType.Scalar, [...net.params]);
    return [value, ...Object.values(grads)];
  }));
  tf.dispose(info.result as tfType.Tensor[]);
  net.buffers.forEach((b, i) => b.assign(saved[i]));
  tf.dispose(saved);
  return new Set(info.kernels.map((k) => k.name));
}

describe.each(['wasm', 'cpu'] as const)('candidate networks, fast vs plain training path (%s)', (backend) => {
  beforeAll(async () => {
    tf = await useBackend(backend, { trainingKernels: true });
    const ds = quadrantDataset(64, 8, 5);
    const idx = Array.from({ length: 64 }, (_, i) => i);
    const stats = channelStats(ds, idx.slice(0, 32));
    train = toTensorSplit(ds, idx.slice(0, 32), stats);
    valid = toTensorSplit(ds, idx.slice(32), stats);
  });
  afterAll(() => { disposeSplit(train); disposeSplit(valid); });

  it.each(cases().map((c, i) => [`${c.space} #${i}`, c] as const))('%s: same loss, gradients, BN statistics and inference logits', async (_, c) => {
    const fast = build(c);
    const plain = build(c);
    try {
      expect(await values(fast.params), 'initial weights').toEqual(await values(plain.params));
      const [fastKernels, plainKernels] = [await kernelNames(fast), await withAccelOptions(PLAIN, () => kernelNames(plain))];
      expect(fastKernels.has('NasBnTrain'), 'fused BN on the fast path').toBe(true);
      expect(plainKernels.has('NasBnTrain'), 'no fused BN on the plain path').toBe(false);
      for (let step = 0; step < 2; step++) {
        const f = await lossGradsStats(fast);
        const p = await withAccelOptions(PLAIN, () => lossGradsStats(plain));
        expectClose(f, p, c.tol, `step ${step}`);
      }
      const x = tf.slice(valid.x, [0, 0, 0, 0], [4, -1, -1, -1]) as tfType.Tensor4D;
      const [yf, yp] = [tf.tidy(() => fast.forward(x, false)), withAccelOptions(PLAIN, () => tf.tidy(() => plain.forward(x, false)))];
      expectClose(await values([yf]), await values([yp]), c.tol, 'inference logits');
      tf.dispose([x, yf, yp]);
    } finally {
      fast.dispose();
      plain.dispose();
    }
  });

  it('a whole tiny search candidate gives the same metrics on both paths', async () => {
    const c = cases()[0];
    const evaluator = new TrainEvaluator<unknown>({
      train, valid, seed: 5,
      build: (g, rng) => spaceEntry(c.space).buildNetwork(g, c.skeleton, rng),
      trainOptions: { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, batchSize: 8, bnRecalibrationBatches: 2 },
    });
    const cand = { id: 0, genotype: c.genotype, hash: 'tiny' };
    let fast: Record<string, number> = {};
    const info = await tf.profile(async () => { fast = await evaluator.evaluate(cand); });
    expect(info.kernels.some((k) => k.name === 'NasBnTrain'), 'the candidate trained on the fast path').toBe(true);
    const plain = await withAccelOptions(PLAIN, () => evaluator.evaluate(cand));
    expect(Math.abs(fast.train_loss - plain.train_loss) / plain.train_loss).toBeLessThan(1e-3);
    // One validation image of 32 may flip on a near-tie; none did when this was written.
    expect(Math.abs(fast.valid_acc - plain.valid_acc)).toBeLessThanOrEqual(100 / 32);
    expect(fast.params).toBe(plain.params);
  });
});
