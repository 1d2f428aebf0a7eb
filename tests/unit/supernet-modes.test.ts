/**
 * Supernet forward modes on tiny shapes (CPU backend): weights and architecture parameters kept apart; a softmax
 * mixture with (numerically) one-hot alphas equals the single-path forward of the same genotype (the inherited-
 * weights subnet); a single-path step only reaches the weights on the path; the DARTS-space supernet builds from the
 * DARTS op table and maps genotypes to paths and back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { install } from '../../src/engine/accel';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { buildDartsSupernet } from '../../src/engine/supernet/darts-supernet';
import { crossEntropy } from '../../src/engine/supernet/loss';
import { valueAndSparseGrads } from '../../src/engine/oneshot/darts-architect';
import { nb201Space, nb201FromString } from '../../src/engine/space/nb201/space';
import { dartsSpace, DARTS_V2 } from '../../src/engine/space/darts/space';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useBackend('cpu');
  install();
});

const nb201Cfg = { skeleton: { inputShape: [8, 8, 1] as const, numClasses: 3, channels: 4, cellsPerStage: 1 } };

/** Sets alpha logits so that softmax picks op k[e] on edge e (k = -1: 'none', index `noneIndex`). */
function oneHotLogits(rows: number, cols: number, pick: readonly number[], noneIndex: number): tfType.Tensor {
  const v = new Float32Array(rows * cols);
  pick.forEach((k, e) => { v[e * cols + (k < 0 ? noneIndex : k)] = 60; });
  return tf.tensor(v, [rows, cols]);
}

describe('NB201 supernet', () => {
  it('keeps weights and architecture parameters apart and holds every op of every edge', () => {
    const net = buildNb201Supernet(nb201Cfg, createRng(1));
    const weightIds = new Set(net.weights.map((w) => w.id));
    expect(net.archParams.every((a) => !weightIds.has(a.id))).toBe(true);
    expect(net.alphas[0].variable.shape).toEqual([6, 5]);
    expect(net.betas).toEqual([]);
    // Cell convs: per edge conv1x1 (C*C) + conv3x3 (9*C*C), affine-free BN; 6 edges per cell, C = 4, 8, 16.
    const cellParams = [4, 8, 16].reduce((s, c) => s + 6 * (c * c + 9 * c * c), 0);
    const stemEtc = 9 * 4 + 2 * 4 // stem conv + BN
      + (9 * 4 * 8 + 2 * 8 + 9 * 8 * 8 + 2 * 8 + 4 * 8) + (9 * 8 * 16 + 2 * 16 + 9 * 16 * 16 + 2 * 16 + 8 * 16) // reduction blocks
      + 2 * 16 + (16 * 3 + 3); // last BN + classifier
    expect(net.weights.reduce((s, w) => s + w.size, 0)).toBe(cellParams + stemEtc);
    net.dispose();
  });

  it('a near-one-hot mixture equals the single path of the same genotype', () => {
    const net = buildNb201Supernet(nb201Cfg, createRng(2));
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3) as tfType.Tensor4D;
    for (const text of ['|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|', '|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|']) {
      const g = nb201FromString(text);
      const path = net.pathOf(g);
      expect(net.genotypeOf(path)).toEqual(g);
      net.alphas[0].variable.assign(oneHotLogits(6, 5, path[0], 0));
      const [a, b] = tf.tidy(() => [net.forward(x, { kind: 'mixture' }, true), net.forward(x, { kind: 'path', path }, true)].map((t) => Array.from(t.dataSync())));
      expect(a.length).toBe(12);
      a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    }
    x.dispose();
    net.dispose();
  });

  it('a single-path step reaches only the weights on its path', () => {
    const net = buildNb201Supernet(nb201Cfg, createRng(4));
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 5) as tfType.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    const g = nb201FromString('|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|');
    const { value, grads } = valueAndSparseGrads(() => crossEntropy(net.forward(x, { kind: 'path', path: net.pathOf(g) }, true), y), net.weights);
    const reached = grads.filter((t) => t !== null).length;
    // Off-path: per cell 6 edges x 2 convs = 12 conv weights, of which 3 (conv3x3, conv1x1, conv3x3) are on the path.
    expect(net.weights.length - reached).toBe(3 * (12 - 3));
    tf.dispose([value, ...grads.filter((t): t is tfType.Tensor => t !== null), x, y]);
    net.dispose();
  });

  it('rejects bad paths and op lists with clear errors', () => {
    const net = buildNb201Supernet({ ...nb201Cfg, ops: ['skip_connect', 'nor_conv_3x3'] }, createRng(1));
    expect(() => net.pathOf(nb201FromString('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'))).toThrow(/not a candidate/);
    expect(() => tf.tidy(() => net.forward(tf.zeros([1, 8, 8, 1]) as tfType.Tensor4D, { kind: 'path', path: [[0, 0, 0]] }, false))).toThrow(/6 op indices/);
    net.dispose();
    expect(() => buildNb201Supernet({ ...nb201Cfg, partialChannels: 3 }, createRng(1))).toThrow(/not divisible/);
  });
});

describe('DARTS-space supernet', () => {
  const cfg = { skeleton: { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 4, layers: 3, stemMultiplier: 1 } };

  it('forwards in every mode, PC-DARTS included, and maps genotypes to paths and back', () => {
    for (const pc of [false, true]) {
      const net = buildDartsSupernet({ ...cfg, partialChannels: pc ? 2 : 1, edgeNormalization: pc }, createRng(7));
      expect(net.alphas.map((a) => a.variable.shape)).toEqual([[14, 8], [14, 8]]);
      expect(net.betas.map((a) => a.variable.shape)).toEqual(pc ? [[14], [14]] : []);
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 8) as tfType.Tensor4D;
      const g = dartsSpace.sample(createRng(9));
      const path = net.pathOf(g);
      expect(dartsSpace.hash(net.genotypeOf(path))).toBe(dartsSpace.hash(g));
      const shapes = tf.tidy(() => [
        net.forward(x, { kind: 'mixture' }, true).shape,
        net.forward(x, { kind: 'mixture', drop: net.sampleDropMask(0.5, createRng(1)) }, true).shape,
        net.forward(x, { kind: 'path', path }, false).shape,
      ]);
      expect(shapes).toEqual([[2, 2], [2, 2], [2, 2]]);
      x.dispose();
      net.dispose();
    }
  });

  it('a near-one-hot mixture (none on unused edges) equals the genotype path', () => {
    const net = buildDartsSupernet(cfg, createRng(11));
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 12) as tfType.Tensor4D;
    const path = net.pathOf(DARTS_V2);
    net.alphas.forEach((a, i) => a.variable.assign(oneHotLogits(14, 8, path[i], 0)));
    const [a, b] = tf.tidy(() => [net.forward(x, { kind: 'mixture' }, true), net.forward(x, { kind: 'path', path }, true)].map((t) => Array.from(t.dataSync())));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 4));
    x.dispose();
    net.dispose();
  });
});

describe('space sampling used by SPOS', () => {
  it('NB201 genotypes round-trip through paths for the whole op list', () => {
    const net = buildNb201Supernet(nb201Cfg, createRng(1));
    const rng = createRng(3);
    for (let i = 0; i < 20; i++) {
      const g = nb201Space.sample(rng);
      expect(net.genotypeOf(net.pathOf(g))).toEqual(g);
    }
    net.dispose();
  });
});
