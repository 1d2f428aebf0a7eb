/**
 * The generic train setup (evaluator/train-setup.ts) on every space: the skeleton comes from C and N as the
 * app documents it (space/run-skeleton.ts), a candidate of a DARTS and of a user-restricted mobile space trains
 * on tiny data, and the reported params/FLOPs/peak activation are the space's cost counter's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import { createTrainSetup } from '../../src/engine/evaluator/train-setup';
import { spaceEntry } from '../../src/engine/space/table';
import { spaceFromConfig } from '../../src/engine/space/registry';
import { runSkeleton } from '../../src/engine/space/run-skeleton';
import { createRng } from '../../src/engine/util/rng';
import type { DatasetSplit } from '../../src/engine/data/types';

let tf: typeof tfType;
const ds = quadrantDataset(64, 8, 3);
const split: DatasetSplit = {
  train: Uint32Array.from({ length: 40 }, (_, i) => i),
  valid: Uint32Array.from({ length: 16 }, (_, i) => 40 + i),
  test: Uint32Array.from({ length: 8 }, (_, i) => 56 + i),
};
const settings = { seed: 5, channels: 4, cellsPerStage: 3, epochs: 1, batchSize: 8, learningRate: 0.05, trainSamples: 32, validSamples: 16 };

beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
});

describe('run skeleton from C and N', () => {
  it('maps C and N per space as documented', () => {
    expect(runSkeleton('nb201', { channels: 8, cellsPerStage: 2 }, [28, 28, 1], 10)).toEqual({ channels: 8, cellsPerStage: 2, inputShape: [28, 28, 1], numClasses: 10 });
    expect(runSkeleton('darts', { channels: 8, cellsPerStage: 5 }, [28, 28, 1], 10)).toEqual({ channels: 8, layers: 5, stemMultiplier: 3, inputShape: [28, 28, 1], numClasses: 10 });
    expect(runSkeleton('mobile', { channels: 12, cellsPerStage: 99 }, [28, 28, 1], 10)).toEqual({
      stemChannels: 12, stemStride: 2, headMultiplier: 4, seReduction: 4, inputShape: [28, 28, 1], numClasses: 10,
    });
  });

  it('names the setting that cannot work', () => {
    expect(() => runSkeleton('darts', { channels: 7, cellsPerStage: 3 }, [28, 28, 1], 10)).toThrow(/channels: must be even/);
    expect(() => runSkeleton('nb201', { channels: 8, cellsPerStage: 1 }, [30, 30, 1], 10)).toThrow(/multiples of 4/);
  });
});

describe('generic train setup', () => {
  for (const json of [
    { space: 'darts', ops: ['skip_connect', 'sep_conv_3x3', 'max_pool_3x3'] },
    { space: 'mobile', stages: 2, strides: [1, 2], blocks: ['ds'], kernels: [3], se: [false, true], widths: [8, 12], depths: [1, 2] },
    { space: 'nb201', ops: ['skip_connect', 'nor_conv_3x3'] },
  ] as const) {
    it(`trains one ${json.space} candidate on tiny data and reports the cost counter`, async () => {
      const space = spaceFromConfig(json);
      const setup = createTrainSetup(space, ds, split, settings, { latency: { now: () => performance.now(), warmup: 1, repeats: 3, maxRounds: 1 } });
      const before = tf.memory().numTensors;
      try {
        expect(setup.skeleton).toEqual(runSkeleton(space.id, settings, [8, 8, 1], 2));
        expect(setup.trainCount).toBe(32);
        expect(setup.validCount).toBe(16);
        const g = space.sample(createRng(11));
        const m = await setup.evaluator.evaluate({ id: 0, genotype: g as never, hash: space.hash(g as never) });
        const cost = spaceEntry(space.id).cost(g, setup.skeleton);
        expect(m.params).toBe(cost.params);
        expect(m.flops).toBe(cost.flops);
        expect(m.peak_activation_bytes).toBe(cost.peakActivationBytes);
        expect(Number.isFinite(m.train_loss)).toBe(true);
        expect(m.valid_acc).toBeGreaterThanOrEqual(0);
        expect(m.valid_acc).toBeLessThanOrEqual(100);
        expect(m.epochs).toBe(1);
        expect(m.latency_ms).toBeGreaterThan(0);
        // Measured inference memory (batch 1, above resident weights/data) holds at least what the liveness
        // estimate counts for one image: tfjs keeps every intermediate until the tidy ends.
        expect(m.inference_peak_bytes).toBeGreaterThanOrEqual(cost.peakActivationBytes);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        setup.dispose();
      }
    }, 120_000);
  }
});
