/**
 * The mobile macro-space supernet (SPOS choice blocks + OFA elastic width / depth / kernel) on tiny shapes, CPU
 * backend: a sampled subnet's single-path forward equals buildMobileNetwork(g) loaded with the inherited (sliced)
 * weights, in eval and training mode (BN statistics included); gradients reach only the used slices of the used
 * choice blocks; BN running statistics of unused channels stay untouched; SPOS trains, ranks (FLOP penalty) and
 * checkpoints on it, and a recalibrated subnet scores the same as its standalone copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantSplits } from '../helpers/synthetic';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { buildMobileNetwork } from '../../src/engine/space/mobile/network';
import type { Network } from '../../src/engine/model/network';
import type { MobileGenotype } from '../../src/engine/space/mobile/space';
import { buildMobileSupernet } from '../../src/engine/supernet/mobile-supernet';
import { valueAndSparseGrads } from '../../src/engine/oneshot/darts-architect';
import { SposSearch, type SposOptions } from '../../src/engine/oneshot/spos';
import { costOf } from '../../src/engine/model/cost';
import { createRng } from '../../src/engine/util/rng';
import { expectCheckpointResumes } from '../helpers/spos-resume';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;

beforeAll(async () => {
  tf = await useBackend('cpu', { trainingKernels: true });
  ({ train, valid } = quadrantSplits(48, 32, 9));
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

const skeleton = { inputShape: [8, 8, 1] as [number, number, number], numClasses: 2, stemChannels: 4, stemStride: 1 as const, headMultiplier: 2, seReduction: 2 };
/** MFLOPs from the space's own cost counter (the descriptor's, as the one-shot runner uses). */
const mflops = (g: MobileGenotype): number => costOf({ space: 'mobile', genotype: g, skeleton }).flops / 1e6;
const spaceCfg = { stages: 2, strides: [2, 1] as (1 | 2)[], expansions: [3, 6], widths: [4, 8], depths: [1, 2] };
const make = (seed: number) => buildMobileSupernet({ skeleton, space: spaceCfg }, createRng(seed));

/** A standalone network of g holding the weights and BN statistics g inherits from the supernet. */
function standaloneWith(net: ReturnType<typeof make>, g: MobileGenotype): Network {
  const sn = buildMobileNetwork(g, skeleton, createRng(999));
  const w = net.subnetWeights(g);
  expect(w.params.map((t) => t.shape)).toEqual(sn.params.map((p) => p.shape));
  expect(w.buffers.map((t) => t.shape)).toEqual(sn.buffers.map((p) => p.shape));
  sn.params.forEach((p, i) => p.assign(w.params[i]));
  sn.buffers.forEach((b, i) => b.assign(w.buffers[i]));
  tf.dispose([...w.params, ...w.buffers]);
  return sn;
}

const maxAbsDiff = (a: tfType.Tensor, b: tfType.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('mobile supernet', () => {
  it('single-path forward equals the standalone network with inherited weights (eval and training mode)', async () => {
    const net = make(1);
    const space = net.searchSpace;
    const rng = createRng(5);
    const gs = [...Array.from({ length: 6 }, () => space.sample(rng)),
      space.decode('mb6_k5_se_w8_d2_s2|ds_k3_se_w8_d2_s1'), space.decode('ds_k3_w4_d1_s2|mb3_k3_w4_d1_s1')];
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3) as tfType.Tensor4D;
    // Non-trivial BN statistics first: a few training forwards on random paths.
    for (let i = 0; i < 3; i++) tf.tidy(() => { net.forward(x, { kind: 'path', path: net.pathOf(space.sample(rng)) }, true); });
    for (const g of gs) {
      const mode = { kind: 'path' as const, path: net.pathOf(g) };
      const sn = standaloneWith(net, g);
      expect(maxAbsDiff(tf.tidy(() => net.forward(x, mode, false)), tf.tidy(() => sn.forward(x, false)))).toBeLessThan(1e-4);
      // Training mode: same batch statistics, and the same running-statistics update on the used slice.
      const a = tf.tidy(() => net.forward(x, mode, true));
      const b = tf.tidy(() => sn.forward(x, true));
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
      const after = net.subnetWeights(g);
      after.buffers.forEach((t, i) => expect(maxAbsDiff(t, sn.buffers[i])).toBeLessThan(1e-5));
      tf.dispose([a, b, ...after.params, ...after.buffers]);
      sn.dispose();
    }
    x.dispose();
    net.dispose();
  });

  it('gradients reach only the used slices of the used choice blocks; unused BN channels keep their statistics', () => {
    const net = make(2);
    const g = net.searchSpace.decode('mb3_k3_w4_d1_s2|ds_k5_se_w4_d1_s1');
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 4) as tfType.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
    const before = net.buffers.map((b) => b.dataSync().slice());
    const { value, grads } = valueAndSparseGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, { kind: 'path', path: net.pathOf(g) }, true)) as tfType.Scalar, net.weights);
    const used = grads.filter((t) => t !== null);
    const sliced = net.subnetWeights(g);
    // One gradient per inherited tensor; every other choice block / layer gets none.
    expect(used).toHaveLength(sliced.params.length);
    // Nonzero gradient entries fit inside the inherited slices.
    const nonzero = used.reduce((n, t) => n + Array.from(t!.dataSync()).filter((v) => v !== 0).length, 0);
    expect(nonzero).toBeGreaterThan(0);
    expect(nonzero).toBeLessThanOrEqual(sliced.params.reduce((n, t) => n + t.size, 0));
    // The classifier [head 16, classes]: rows of the unused head channels (8..15) get zero gradient.
    const cls = grads[grads.length - 2]!.arraySync() as number[][];
    expect(cls.slice(8).flat().every((v) => v === 0)).toBe(true);
    expect(cls.slice(0, 8).flat().some((v) => v !== 0)).toBe(true);
    // The head BN (16 channels, 8 used): running mean of channels 8..15 untouched, 0..7 updated.
    const headMean = net.buffers.length - 2;
    const rm = net.buffers[headMean].dataSync();
    expect(Array.from(rm.slice(8))).toEqual(Array.from(before[headMean].slice(8)));
    expect(Array.from(rm.slice(0, 8))).not.toEqual(Array.from(before[headMean].slice(0, 8)));
    tf.dispose([x, y, value, ...used as tfType.Tensor[], ...sliced.params, ...sliced.buffers]);
    net.dispose();
  });

  it('rejects mixtures and bad paths with clear messages', () => {
    const net = make(3);
    const x = tf.zeros([1, 8, 8, 1]) as tfType.Tensor4D;
    expect(() => net.forward(x, { kind: 'mixture' }, false)).toThrow(/only single-path/);
    expect(() => net.forward(x, { kind: 'path', path: [[0, 0, 0, 0, 0]] }, false)).toThrow(/2 stages of \[block, kernel, se, width, depth\]/);
    expect(() => net.derive([])).toThrow(/no architecture weights/);
    expect(net.genotypeOf(net.pathOf(net.searchSpace.decode('ds_k3_w4_d1_s2|mb6_k5_se_w8_d2_s1')))).toEqual(net.searchSpace.decode('ds_k3_w4_d1_s2|mb6_k5_se_w8_d2_s1'));
    x.dispose();
    net.dispose();
  });

  const options: Partial<SposOptions> = { epochs: 2, batchSize: 8, learningRate: 0.05, subnets: 4, topK: 2, calibrationBatches: 2, calibrationBatchSize: 8, evalBatchSize: 16 };
  const search = (seed: number, o: Partial<SposOptions> = options) => {
    const net = make(seed);
    return new SposSearch<MobileGenotype>(net, net.searchSpace, { train, valid }, o, mflops);
  };

  it('SPOS trains on it (flat tensor count), ranks with the FLOP penalty, and a recalibrated subnet scores as its standalone copy', async () => {
    const s = search(4, { ...options, flopsPenalty: 2 });
    const counts: number[] = [];
    while (s.phase === 'train') {
      await s.step();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    const res = await s.rank();
    expect(res.ranked).toHaveLength(4);
    for (const r of res.ranked) {
      expect(r.mflops).toBeCloseTo(mflops(r.genotype), 12);
      expect(r.objective).toBeCloseTo(r.accuracy - 2 * r.mflops, 12);
    }
    for (let i = 1; i < 4; i++) expect(res.ranked[i - 1].objective).toBeGreaterThanOrEqual(res.ranked[i].objective);
    // BN recalibration is per subnet: scoring leaves g's recalibrated statistics in its slices; its standalone copy agrees.
    const g = res.ranked[0].genotype;
    const acc = await s.evaluateSubnet(g);
    const sn = standaloneWith(s.supernet as ReturnType<typeof make>, g);
    const hits = tf.tidy(() => {
      const pred = tf.argMax(sn.forward(valid.x, false), 1);
      return tf.sum(tf.cast(tf.equal(pred, tf.cast(valid.y, 'int32')), 'int32')).dataSync()[0];
    });
    expect((100 * hits) / valid.count).toBeCloseTo(acc, 6);
    sn.dispose();
    s.dispose();
    s.supernet.dispose();
  });

  it('a checkpoint round trip takes the same next steps', async () => {
    const a = search(6);
    const b = await expectCheckpointResumes(a, () => search(66));
    [a, b].forEach((s) => { s.dispose(); s.supernet.dispose(); });
  });
});
