import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import { buildNb201Network } from '../../src/engine/space/nb201/network';
import { nb201Space, nb201FromString, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import { channelStats, disposeSplit, toTensorSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { TrainEvaluator } from '../../src/engine/evaluator/train-evaluator';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/engine/evaluator/train';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;

beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
  const ds = quadrantDataset(96, 8, 1);
  const idx = Array.from({ length: 96 }, (_, i) => i);
  const stats = channelStats(ds, idx.slice(0, 64));
  train = toTensorSplit(ds, idx.slice(0, 64), stats);
  valid = toTensorSplit(ds, idx.slice(64), stats);
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

const cfg = { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 4, cellsPerStage: 1 };

function makeEvaluator(seed: number, epochs = 3) {
  return new TrainEvaluator<Nb201Genotype>({
    train, valid, seed,
    build: (g, rng) => buildNb201Network(g, cfg, rng),
    trainOptions: { ...DEFAULT_TRAIN_OPTIONS, epochs, batchSize: 16, learningRate: 0.05, weightDecay: 0 },
  });
}

describe('NB201 candidate training (wasm backend with our training kernels)', () => {
  it('learns a separable task: validation accuracy rises well above chance', async () => {
    const g = nb201FromString('|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|');
    const m = await makeEvaluator(7, 4).evaluate({ id: 0, genotype: g, hash: nb201Space.hash(g) });
    expect(m.valid_acc).toBeGreaterThan(80);
    expect(m.params).toBeGreaterThan(0);
    expect(Number.isFinite(m.train_loss)).toBe(true);
  });

  it('is deterministic for the same seed and differs for another seed', async () => {
    const g = nb201Space.sample(createRng(3));
    const c = { id: 0, genotype: g, hash: nb201Space.hash(g) };
    const a = await makeEvaluator(11, 1).evaluate(c);
    const b = await makeEvaluator(11, 1).evaluate(c);
    const other = await makeEvaluator(12, 1).evaluate(c);
    expect(b.train_loss).toBe(a.train_loss);
    expect(b.valid_acc).toBe(a.valid_acc);
    expect(other.train_loss).not.toBe(a.train_loss);
  });

  it('keeps the tensor count flat across repeated candidate evaluations', async () => {
    const ev = makeEvaluator(5, 1);
    const rng = createRng(9);
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const g = nb201Space.sample(rng);
      await ev.evaluate({ id: i, genotype: g, hash: nb201Space.hash(g) });
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
  });

  it('counts parameters of the built model like the NB201 skeleton defines them', () => {
    // all-none cell: stem conv(3*3*1*4) + BN(2*4) + reductions + last BN + classifier
    const g = nb201FromString('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    const net = buildNb201Network(g, cfg, createRng(1));
    const C = 4;
    const reduction = (a: number, b: number) => 9 * a * b + 2 * b + 9 * b * b + 2 * b + a * b;
    const expected = 9 * 1 * C + 2 * C + reduction(C, 2 * C) + reduction(2 * C, 4 * C) + 2 * 4 * C + 4 * C * 2 + 2;
    expect(net.countParams()).toBe(expected);
    net.dispose();
  });
});

describe('bad training input', () => {
  it('reports a diverging loss with a specific error instead of storing NaN', async () => {
    const { trainNetwork, DivergedError } = await import('../../src/engine/evaluator/train');
    const g = nb201FromString('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    const net = buildNb201Network(g, cfg, createRng(1));
    const before = tf.memory().numTensors;
    await expect(trainNetwork(net, train, valid, { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, batchSize: 16, learningRate: 1e6, momentum: 0.9, weightDecay: 0 }, createRng(2)))
      .rejects.toThrow(DivergedError);
    await expect(trainNetwork(net, train, valid, { ...DEFAULT_TRAIN_OPTIONS, epochs: 1, batchSize: 16, learningRate: 1e6, momentum: 0.9, weightDecay: 0 }, createRng(2)))
      .rejects.toThrow(/Training diverged at epoch 1, step \d+: loss became (NaN|Infinity|[0-9.e+]+)\. Lower the learning rate/);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});

describe('learning-curve early stopping', () => {
  it('stops a candidate whose extrapolated accuracy cannot reach the best so far, and only then', async () => {
    const { trainNetwork } = await import('../../src/engine/evaluator/train');
    const g = nb201FromString('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|');
    const opts = { ...DEFAULT_TRAIN_OPTIONS, epochs: 6, batchSize: 32, learningRate: 0.05, weightDecay: 0 };
    const hopeless = buildNb201Network(g, cfg, createRng(4));
    const stopped = await trainNetwork(hopeless, train, valid, opts, createRng(5), { curveStop: { margin: 0, bestSoFar: () => 101 } });
    hopeless.dispose();
    expect(stopped.epochs).toHaveLength(3);
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.predictedFinalAcc).toBeLessThanOrEqual(100);
    const fine = buildNb201Network(g, cfg, createRng(4));
    const full = await trainNetwork(fine, train, valid, opts, createRng(5), { curveStop: { margin: 0, bestSoFar: () => 0 } });
    fine.dispose();
    expect(full.epochs).toHaveLength(6);
    expect(full.stoppedEarly).toBe(false);
    expect(full.predictedFinalAcc).toBeUndefined();
    // The first three epochs are the same run.
    expect(full.epochs.slice(0, 3)).toEqual(stopped.epochs);
  });
});
