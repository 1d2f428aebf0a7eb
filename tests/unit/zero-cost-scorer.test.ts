import { useBackend } from '../helpers/tf-node';
import { beforeAll, describe, expect, test } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import type { ImageDataset } from '../../src/engine/data/types';
import { createProxyScorer, TINY_NB201_SKELETON, trainProxyBatch } from '../../src/engine/evaluator/proxy-scorer';
import { proxySubsets } from '../../src/engine/evaluator/train-setup';
import { randomImages } from '../../src/engine/evaluator/zero-cost';
import { nb201Space } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';
import { ZERO_COST_PROXIES } from '../../src/engine/strategy/prerank';

let tf: typeof tfc;
beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
});

const G = [0, 1, 2].map((i) => nb201Space.sample(createRng(50 + i)));

describe('proxy scorer (genotype -> score) for the warm start', () => {
  test.each(ZERO_COST_PROXIES.map((p) => [p]))('%s: finite, depends on the cell only (any order), cached, no leaked tensors', (proxy) => {
    const start = tf.memory().numTensors;
    const a = createProxyScorer({ proxy, spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: 3, batchSize: 8 });
    const b = createProxyScorer({ proxy, spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: 3, batchSize: 8 });
    const sa = G.map((g) => a.score(g));
    const sb = G.slice().reverse().map((g) => b.score(g)).reverse();
    expect(sb).toEqual(sa);
    for (const s of sa) expect(typeof s).toBe('number');
    expect(a.score(G[0])).toBe(sa[0]);
    expect(a.scored()).toBe(3);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(start);
  }, 60_000);

  test('clear errors: naswot outside NB201, a batch of the wrong image size, jacob_cov on one image', () => {
    expect(() => createProxyScorer({ proxy: 'naswot', spaceId: 'mobile', skeleton: {} as never, seed: 0 })).toThrow(/naswot proxy needs the NB201 network's ReLU tap; space "mobile" can use synflow, jacob_cov or grad_norm/);
    const x = randomImages(createRng(1), 4, [8, 8, 3]);
    expect(() => createProxyScorer({ proxy: 'synflow', spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: 0, batch: { x, y: [0, 1, 2, 3] } })).toThrow('warm start: batch images are 8x8x3, the skeleton takes 16x16x3');
    x.dispose();
    expect(() => createProxyScorer({ proxy: 'jacob_cov', spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: 0, batchSize: 1 })).toThrow('jacob_cov needs a batch of at least 2 images');
  });

  test('trainProxyBatch: the first n images of the seeded training proxy subset, normalised with its statistics', () => {
    const count = 40;
    const images = new Uint8Array(count * 4 * 4 * 1).map((_, i) => (i * 37) % 256);
    const labels = new Uint8Array(count).map((_, i) => i % 3);
    const ds: ImageDataset = { name: 'toy', classes: ['a', 'b', 'c'], shape: [4, 4, 1], count, images, labels };
    const split = { train: Uint32Array.from({ length: 30 }, (_, i) => i), valid: Uint32Array.from({ length: 10 }, (_, i) => 30 + i), test: new Uint32Array(0) };
    const s = { trainSamples: 20, validSamples: 5, seed: 9 };
    const b = trainProxyBatch(ds, split, s, 6);
    const idx = proxySubsets(split, 20, 5, 9).train;
    expect(b.x.shape).toEqual([6, 4, 4, 1]);
    expect(b.y).toEqual(idx.slice(0, 6).map((i) => labels[i]));
    // Normalised with the mean/std of all 20 subset images (not just the 6).
    let sum = 0, sq = 0;
    for (const i of idx) for (let p = 0; p < 16; p++) { const v = images[i * 16 + p] / 255; sum += v; sq += v * v; }
    const mean = sum / (20 * 16);
    const std = Math.sqrt(sq / (20 * 16) - mean * mean);
    const first = b.x.dataSync()[0];
    expect(first).toBeCloseTo((images[idx[0] * 16] / 255 - mean) / std, 5);
    b.x.dispose();
  });
});
