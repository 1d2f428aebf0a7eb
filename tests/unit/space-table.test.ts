/**
 * The space table (space/table.ts): a space is ONE descriptor. This file defines a tiny test-only space
 * ("toy-conv": conv kxk to `width` channels, an activation, global average pool, dense), registers it with
 * registerSpace here and nowhere else, and then runs a real random search on it (the engine's search loop,
 * tiny training through the generic train setup), builds its networks and counts their cost through the table.
 * No other file of the project knows the toy space.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import type { DatasetSplit } from '../../src/engine/data/types';
import { createSpaceTrainSetup } from '../../src/engine/evaluator/train-setup';
import { CostGraph } from '../../src/engine/model/cost-graph';
import { networkFrom } from '../../src/engine/model/network';
import { conv2d, dense, globalAvgPool } from '../../src/engine/ops/layers';
import { genotypeInstances } from '../../src/engine/profiler/instances';
import { profilerSpace } from '../../src/engine/profiler/space';
import { runSearch } from '../../src/engine/search/loop';
import type { SkeletonBase, SpaceDescriptor } from '../../src/engine/space/descriptor';
import { hashString } from '../../src/engine/space/hash';
import { checkIndices, choicesSize, crossoverIndices, mutateIndices, neighbourIndices, sampleIndices } from '../../src/engine/space/indexed';
import { registerSpace, spaceEntry, spaceIds, type SpaceEntry } from '../../src/engine/space/table';
import type { ChoiceSpec, SearchSpace } from '../../src/engine/space/types';
import { RandomSearch } from '../../src/engine/strategy/random';
import { createRng } from '../../src/engine/util/rng';

// ---------------------------------------------------------------- the toy space, defined in this test only

const ACTS = ['relu', 'tanh'] as const;
type Act = (typeof ACTS)[number];

interface ToyConfig {
  readonly space: 'toy-conv';
  readonly kernels: readonly number[];
  readonly widths: readonly number[];
}
interface ToyGenotype {
  readonly kernel: number;
  readonly width: number;
  readonly act: Act;
}
type ToySkeleton = SkeletonBase;
type ToySpace = SearchSpace<ToyGenotype> & { readonly config: ToyConfig };

const positiveInts = (x: unknown, what: string): number[] => {
  if (!Array.isArray(x) || x.length === 0 || !x.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${what}: must be a non-empty list of positive integers`);
  return x.slice();
};

function parseToyConfig(input: unknown): ToyConfig {
  const o: Record<string, unknown> = typeof input === 'object' && input !== null ? { ...input } : {};
  return { space: 'toy-conv', kernels: positiveInts(o.kernels ?? [1, 3], 'kernels'), widths: positiveInts(o.widths ?? [4, 8], 'widths') };
}

function checkToyGenotype(value: unknown): ToyGenotype {
  const o: Record<string, unknown> = typeof value === 'object' && value !== null ? { ...value } : {};
  const { kernel, width, act } = o;
  if (typeof kernel !== 'number' || typeof width !== 'number') throw new Error(`toy genotype: kernel and width must be numbers, got ${JSON.stringify(value)}`);
  if (act !== 'relu' && act !== 'tanh') throw new Error(`toy genotype: act must be relu or tanh, got ${JSON.stringify(act)}`);
  return { kernel, width, act };
}

function createToySpace(config: ToyConfig): ToySpace {
  const name = 'toy conv';
  const choices: ChoiceSpec[] = [
    { name: 'kernel', options: config.kernels.map(String) },
    { name: 'width', options: config.widths.map(String) },
    { name: 'activation', options: ACTS },
  ];
  const toIndices = (g: ToyGenotype): number[] => [config.kernels.indexOf(g.kernel), config.widths.indexOf(g.width), ACTS.indexOf(g.act)];
  const fromIndices = (idx: readonly number[]): ToyGenotype => {
    checkIndices(name, choices, idx);
    return { kernel: config.kernels[idx[0]], width: config.widths[idx[1]], act: ACTS[idx[2]] };
  };
  const encode = (g: ToyGenotype): string => `k${g.kernel}_w${g.width}_${g.act}`;
  const validate = (value: unknown): ToyGenotype => {
    const g = checkToyGenotype(value);
    if (toIndices(g).some((i) => i < 0)) throw new Error(`toy genotype ${encode(g)} is not in this space`);
    return g;
  };
  return {
    id: 'toy-conv',
    name,
    config,
    choices,
    sample: (rng) => fromIndices(sampleIndices(choices, rng)),
    mutate: (g, rng) => fromIndices(mutateIndices(name, choices, toIndices(g), rng)),
    crossover: (a, b, rng) => fromIndices(crossoverIndices(toIndices(a), toIndices(b), [0, 1, 2], rng)),
    neighbours: (g) => neighbourIndices(choices, toIndices(g)).map(fromIndices),
    encode,
    decode: (text) => {
      const m = /^k(\d+)_w(\d+)_(relu|tanh)$/.exec(text.trim());
      if (!m) throw new Error(`toy genotype text must look like k3_w8_relu, got "${text}"`);
      return validate({ kernel: Number(m[1]), width: Number(m[2]), act: m[3] });
    },
    hash: (g) => hashString(`toy:${encode(g)}`),
    size: () => choicesSize(choices),
    toIndices,
    fromIndices,
    validate,
  };
}

function toySkeleton(partial: object): ToySkeleton {
  const o: Record<string, unknown> = { inputShape: [8, 8, 1], numClasses: 2, ...partial };
  const shape = o.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) throw new Error('inputShape: must be [height, width, channels]');
  if (typeof o.numClasses !== 'number' || !Number.isInteger(o.numClasses) || o.numClasses < 1) throw new Error('numClasses: must be a positive integer');
  return { inputShape: [shape[0], shape[1], shape[2]], numClasses: o.numClasses };
}

const toyDescriptor: SpaceDescriptor<ToyConfig, ToyGenotype, ToySkeleton, ToySpace> = {
  id: 'toy-conv',
  parseConfig: parseToyConfig,
  createSpace: createToySpace,
  checkGenotype: checkToyGenotype,
  skeleton: toySkeleton,
  runSkeleton: (_settings, io) => toySkeleton(io),
  buildNetwork: (g, sk, rng) => {
    const conv = conv2d(sk.inputShape[2], g.width, g.kernel, rng);
    const classifier = dense(g.width, sk.numClasses, rng);
    return networkFrom([...conv.params, ...classifier.params], [], (x, training) => {
      const h = conv.apply(x, training);
      return classifier.apply(globalAvgPool(g.act === 'relu' ? tf.relu(h) : tf.tanh(h)));
    });
  },
  costGraph: (g, sk) => {
    const G = new CostGraph();
    const x = G.input(sk.inputShape);
    const h = G.conv('conv', x, { k: g.kernel, cout: g.width });
    G.dense('classifier', G.gap('gap', h), sk.numClasses);
    return G;
  },
};

// ---------------------------------------------------------------- the test

const ds = quadrantDataset(48, 8, 2);
const split: DatasetSplit = {
  train: Uint32Array.from({ length: 32 }, (_, i) => i),
  valid: Uint32Array.from({ length: 16 }, (_, i) => 32 + i),
  test: new Uint32Array(0),
};
const settings = { seed: 3, channels: 1, cellsPerStage: 1, epochs: 1, batchSize: 8, learningRate: 0.05, trainSamples: 32, validSamples: 16 };

let entry: SpaceEntry;
let unregister: () => void = () => {};

beforeAll(async () => {
  await useBackend('cpu');
  ({ entry, unregister } = registerSpace(toyDescriptor));
});

afterAll(() => unregister());

describe('a space registered in a test', () => {
  it('joins the table next to the built-in spaces, and twice is refused', () => {
    expect(spaceIds()).toEqual(['nb201', 'darts', 'mobile', 'toy-conv']);
    expect(spaceEntry('toy-conv')).toBe(entry);
    expect(() => registerSpace(toyDescriptor)).toThrow(/already registered/);
  });

  it('opens from a config and checks genotypes through the table', () => {
    const space = entry.open({ space: 'toy-conv', widths: [4, 6, 8] });
    expect(space.size()).toBe(2n * 3n * 2n);
    expect(space.config).toEqual({ space: 'toy-conv', kernels: [1, 3], widths: [4, 6, 8] });
    expect(space.decode('k3_w6_tanh')).toEqual({ kernel: 3, width: 6, act: 'tanh' });
    expect(() => entry.buildNetwork({ kernel: 3 }, {}, createRng(0))).toThrow(/kernel and width must be numbers/);
    // The profiler's space look-up is the table too; the toy space has no latency table.
    expect(profilerSpace('toy-conv').encode({ kernel: 1, width: 4, act: 'relu' })).toBe('k1_w4_relu');
    expect(() => genotypeInstances('toy-conv', { kernel: 1, width: 4, act: 'relu' }, {})).toThrow(/has no latency table/);
  });

  it('builds networks whose params equal the cost counter, both through the table', () => {
    const space = entry.open({});
    for (const g of [...space.neighbours(space.sample(createRng(1))), space.sample(createRng(2))]) {
      const net = entry.buildNetwork(g, { inputShape: [8, 8, 1], numClasses: 2 }, createRng(4));
      try {
        const cost = entry.cost(g, { inputShape: [8, 8, 1], numClasses: 2 });
        const { kernel, width } = checkToyGenotype(g);
        expect(net.countParams()).toBe(cost.params);
        expect(cost.params).toBe(kernel * kernel * width + width * 2 + 2);
        expect(cost.flops).toBe(8 * 8 * width * kernel * kernel + width * 2);
        const logits = tf.tidy(() => net.forward(tf.zeros([3, 8, 8, 1]), false).shape);
        expect(logits).toEqual([3, 2]);
      } finally {
        net.dispose();
      }
    }
  });

  it('runs a random search with real tiny training, every candidate built and counted by the table', async () => {
    const space = entry.open({ space: 'toy-conv' });
    const setup = createSpaceTrainSetup(space, ds, split, settings);
    const before = tf.memory().numTensors;
    try {
      expect(setup.skeleton).toEqual({ inputShape: [8, 8, 1], numClasses: 2 });
      const result = await runSearch({ space, strategy: new RandomSearch(space, {}, 7), evaluator: setup.evaluator, budget: { queries: 5 } });
      expect(result.stopReason).toBe('budget');
      expect(result.log).toHaveLength(5);
      expect(new Set(result.log.map((e) => e.hash)).size).toBe(5);
      for (const e of result.log) {
        const g = space.decode(e.arch);
        const cost = entry.cost(g, setup.skeleton);
        expect(e.metrics.params).toBe(cost.params);
        expect(e.metrics.flops).toBe(cost.flops);
        expect(e.metrics.peak_activation_bytes).toBe(cost.peakActivationBytes);
        expect(Number.isFinite(e.metrics.train_loss)).toBe(true);
        expect(e.metrics.valid_acc).toBeGreaterThanOrEqual(0);
        expect(e.metrics.valid_acc).toBeLessThanOrEqual(100);
      }
      expect(result.best).not.toBeNull();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      setup.dispose();
    }
  }, 60_000);
});
