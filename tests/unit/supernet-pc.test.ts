/**
 * PC-DARTS pieces (CPU backend): channel shuffle is a permutation (PyTorch's view/transpose order); a partial-channel
 * edge sends exactly C/K channels (the first C/K) through the mixed op and the rest around it (max-pooled at
 * stride 2); the supernet's mixed ops are built on C/K channels; edge normalisation softmaxes the betas over each
 * node's incoming edges and weighs the edges with them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { install } from '../../src/engine/accel';
import { channelShuffle, channelShufflePermutation, partialChannelEdge } from '../../src/engine/supernet/partial-channel';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { buildDartsSupernet } from '../../src/engine/supernet/darts-supernet';
import { NB201_EDGES } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useBackend('cpu');
  install();
});

/** [1, 2, 2, C] whose channel c holds the value c everywhere. */
const channelIds = (c: number) => tf.tile(tf.reshape(tf.range(0, c), [1, 1, 1, c]), [1, 2, 2, 1]) as tfType.Tensor4D;
const channelsOf = (t: tfType.Tensor4D) => Array.from(tf.slice(t, [0, 0, 0, 0], [1, 1, 1, t.shape[3]]).dataSync());

describe('channel shuffle', () => {
  it('is a permutation matching PyTorch view(b, g, C/g, h, w).transpose(1, 2)', () => {
    for (const [c, g] of [[8, 4], [12, 3], [6, 2], [4, 4]]) {
      const out = channelsOf(channelShuffle(channelIds(c), g));
      expect([...out].sort((a, b) => a - b)).toEqual(Array.from({ length: c }, (_, i) => i));
      const per = c / g;
      expect(out).toEqual(Array.from({ length: c }, (_, o) => (o % g) * per + Math.floor(o / g)));
      expect(out).toEqual(channelShufflePermutation(c, g));
    }
    expect(channelsOf(channelShuffle(channelIds(8), 1))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => channelShuffle(channelIds(6), 4)).toThrow(/not divisible/);
  });
});

describe('partial channel edge', () => {
  it('sends exactly C/K channels through the op and the rest around it, then shuffles', () => {
    const C = 8;
    for (const K of [2, 4]) {
      const x = channelIds(C);
      const seen: number[][] = [];
      const y = partialChannelEdge(x, K, 1, (part) => {
        seen.push(channelsOf(part));
        return tf.add(part, 100) as tfType.Tensor4D;
      });
      expect(seen).toEqual([Array.from({ length: C / K }, (_, i) => i)]);
      const through = Array.from({ length: C / K }, (_, i) => 100 + i);
      const bypass = Array.from({ length: C - C / K }, (_, i) => C / K + i);
      const cat = [...through, ...bypass];
      expect(channelsOf(y)).toEqual(channelShufflePermutation(C, K).map((i) => cat[i]));
      // Exactly C/K output channels were changed by the op.
      expect(channelsOf(y).filter((v) => v >= 100).length).toBe(C / K);
    }
  });

  it('max-pools the bypass on a stride-2 edge and fills zeros when the op contributes nothing', () => {
    const x = tf.randomNormal([1, 4, 4, 4], 0, 1, 'float32', 1) as tfType.Tensor4D;
    const y = partialChannelEdge(x, 2, 2, () => null);
    expect(y.shape).toEqual([1, 2, 2, 4]);
    const pooled = tf.maxPool(tf.slice(x, [0, 0, 0, 2], [1, 4, 4, 2]), 2, 2, 'valid');
    // Shuffle with K = 2 of [z0, z1, p0, p1] -> [z0, p0, z1, p1].
    const ys = tf.unstack(y, 3);
    const ps = tf.unstack(pooled, 3);
    expect(Array.from(ys[0].dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(ys[1].dataSync())).toEqual(Array.from(ps[0].dataSync()));
    expect(Array.from(ys[3].dataSync())).toEqual(Array.from(ps[1].dataSync()));
  });

  it('the PC supernets build their mixed ops on C/K channels', () => {
    const full = buildNb201Supernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 8, cellsPerStage: 1 } }, createRng(1));
    const pc = buildNb201Supernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 8, cellsPerStage: 1 }, partialChannels: 4, edgeNormalization: true }, createRng(1));
    const convShapes = (n: typeof full) => n.weights.filter((w) => w.rank === 4 && w.shape[0] === 1 && w.shape[2] === w.shape[3]).map((w) => w.shape[2]);
    // 1x1 convs of the cells (the reduction shortcuts change width and are excluded by the square filter).
    expect(convShapes(full)).toEqual([...Array(6).fill(8), ...Array(6).fill(16), ...Array(6).fill(32)]);
    expect(convShapes(pc)).toEqual([...Array(6).fill(2), ...Array(6).fill(4), ...Array(6).fill(8)]);
    full.dispose();
    pc.dispose();
    const darts = buildDartsSupernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 8, layers: 3, stemMultiplier: 1 }, partialChannels: 4 }, createRng(2));
    // Depthwise filters of the sep/dil convs: [k, k, C/K, 1] with C = 8, 16, 32 (cells 0, 1, 2; both reductions).
    const dw = new Set(darts.weights.filter((w) => w.rank === 4 && w.shape[3] === 1).map((w) => w.shape[2]));
    expect([...dw].sort((a, b) => a! - b!)).toEqual([2, 4, 8]);
    darts.dispose();
  });
});

describe('edge normalisation', () => {
  it('softmaxes the betas over each node and weighs the edges with them', async () => {
    // ops {none, skip}: every edge is p_e * x_from. With betas, edge e is b_e * s * x_from (s = the shared skip
    // weight); without betas the same network is obtained by giving each edge its own skip weight s_e = b_e * s.
    const skeleton = { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 4, cellsPerStage: 1 };
    const ops = ['none', 'skip_connect'] as const;
    const withBeta = buildNb201Supernet({ skeleton, ops, edgeNormalization: true }, createRng(3));
    const plain = buildNb201Supernet({ skeleton, ops }, createRng(3));
    const s = 0.7;
    withBeta.alphas[0].variable.assign(tf.tensor2d(Array(6).fill([0, Math.log(s / (1 - s))])));
    const beta = [0.3, -0.5, 0.9, 0.2, 1.1, -0.7];
    withBeta.betas[0].variable.assign(tf.tensor1d(beta));
    const w = await withBeta.archWeights();
    const b = w.betas![0];
    // Node j's incoming edges: softmax over them.
    for (const j of [1, 2, 3]) {
      const es = NB201_EDGES.flatMap(([, to], e) => (to === j ? [e] : []));
      const z = es.reduce((acc, e) => acc + Math.exp(beta[e]), 0);
      es.forEach((e) => expect(b[e]).toBeCloseTo(Math.exp(beta[e]) / z, 6));
      expect(es.reduce((acc, e) => acc + b[e], 0)).toBeCloseTo(1, 6);
    }
    plain.alphas[0].variable.assign(tf.tensor2d(b.map((be) => [0, Math.log((be * s) / (1 - be * s))])));
    const x = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 4) as tfType.Tensor4D;
    const [y1, y2] = tf.tidy(() => [withBeta.forward(x, { kind: 'mixture' }, true), plain.forward(x, { kind: 'mixture' }, true)].map((t) => Array.from(t.dataSync())));
    y1.forEach((v, i) => expect(v).toBeCloseTo(y2[i], 5));
    // And the betas matter: other betas, other output.
    withBeta.betas[0].variable.assign(tf.tensor1d([0, 0, 0, 0, 0, 0]));
    const y3 = tf.tidy(() => Array.from(withBeta.forward(x, { kind: 'mixture' }, true).dataSync()));
    expect(Math.max(...y3.map((v, i) => Math.abs(v - y1[i])))).toBeGreaterThan(1e-4);
    x.dispose();
    withBeta.dispose();
    plain.dispose();
  });
});
