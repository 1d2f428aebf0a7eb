import { useBackend } from '../helpers/tf-node';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { parseNb201Table, type Nb201Table } from '../../src/engine/data/nb201-table';
import { hammingKernel, logAbsDet, naswot, naswotKernel, NaswotTap } from '../../src/engine/evaluator/naswot';
import { randomImages, symmetricEigenvalues } from '../../src/engine/evaluator/zero-cost';
import { createProxyScorer, TINY_NB201_SKELETON } from '../../src/engine/evaluator/proxy-scorer';
import { buildNb201Network } from '../../src/engine/space/nb201/network';
import { networkFrom } from '../../src/engine/model/network';
import { tappedRelu } from '../../src/engine/ops/activation-tap';
import { nb201Space } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';
import { kendallTau, spearman } from '../../src/engine/util/stats';

const TABLE = fileURLToPath(new URL('../../../shared/benchmarks/nb201/nb201-cifar10-valid.csv', import.meta.url));
const INPUT: [number, number, number] = [16, 16, 3];
const CFG = { inputShape: INPUT, numClasses: 10, channels: 4, cellsPerStage: 1 };
const G = nb201Space.decode('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|');

let tf: typeof tfc;
let table: Nb201Table;

beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
  table = parseNb201Table(readFileSync(TABLE, 'utf8'), { source: 'nb201-cifar10-valid.csv' });
});

describe('log|det| (float64 LU)', () => {
  test('known determinants, sign ignored, singular -> -Infinity', () => {
    expect(logAbsDet([3, 1, 1, 3], 2)).toBeCloseTo(Math.log(8), 12);
    expect(logAbsDet([0, 2, 3, 0], 2)).toBeCloseTo(Math.log(6), 12); // needs a pivot swap; det = -6
    expect(logAbsDet([1, 2, 2, 4], 2)).toBe(-Infinity);
    expect(() => logAbsDet([1, 2, 3], 2)).toThrow(/expected 4 entries/);
  });
  test('equals the sum of log eigenvalues of a random SPD matrix', () => {
    const rng = createRng(3);
    const n = 6;
    const b = Array.from({ length: n * n }, () => rng.normal());
    const a: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = i === j ? 0.5 : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      a.push(s);
    }
    const viaEig = symmetricEigenvalues(a, n).reduce((s, l) => s + Math.log(l), 0);
    expect(logAbsDet(a, n)).toBeCloseTo(viaEig, 9);
  });
});

describe('NASWOT kernel', () => {
  test('hand-made network: K_H = N_A - hamming over every tapped ReLU, score = log|det K_H|', () => {
    // 3 inputs of 2x2x1 pixels; the net taps relu(x) and relu(x - 0.5): codes x > 0 and x > 0.5.
    const px = [
      [1, -1, 0.7, 0.2],
      [1, 1, 0.3, -0.2],
      [-1, 0.6, 0.7, 0.9],
    ];
    const tap = new NaswotTap();
    const net = networkFrom([], [], (x) => {
      const a = tappedRelu(x, tap);
      const b = tappedRelu(tf.sub(x, 0.5), tap);
      return tf.reshape(tf.add(tf.mean(a, [1, 2]), tf.mean(b, [1, 2])), [x.shape[0], 1]) as tfc.Tensor2D;
    });
    const x = tf.tensor4d(px.flat(), [3, 2, 2, 1]);
    const codes = px.map((r) => [...r.map((v) => (v > 0 ? 1 : 0)), ...r.map((v) => (v > 0.5 ? 1 : 0))]);
    const expected = hammingKernel(codes);
    // Direct: N_A - hamming.
    const NA = 8;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const ham = codes[i].reduce<number>((s, c, t) => s + (c !== codes[j][t] ? 1 : 0), 0);
      expect(expected[i * 3 + j]).toBe(NA - ham);
    }
    const k = naswotKernel(net, tap, x);
    expect([k.calls, k.units, k.n]).toEqual([2, NA, 3]);
    expect(Array.from(k.kernel)).toEqual(Array.from(expected));
    expect(naswot(net, tap, x)).toBeCloseTo(logAbsDet(expected, 3), 12);
    expect(tap.active).toBe(false);
    x.dispose();
  });

  test('NB201 net: the tap sees every ReLU (14 outputs, N_A = 7936 here); off it costs nothing; no leaks, buffers restored', async () => {
    const tap = new NaswotTap();
    const plain = buildNb201Network(G, CFG, createRng(1));
    const tapped = buildNb201Network(G, CFG, createRng(1), tap);
    const x = randomImages(createRng(2), 8, INPUT);
    // Off (tap built in but not started): the same kernels and bit-identical outputs as a net without a tap.
    const prof = async (f: () => tfc.Tensor) => (await tf.profile(() => f())).kernels.map((k) => k.name);
    const kPlain = await prof(() => plain.forward(x, false));
    const kOff = await prof(() => tapped.forward(x, false));
    expect(kOff).toEqual(kPlain);
    const a = tf.tidy(() => plain.forward(x, true).arraySync());
    const b = tf.tidy(() => tapped.forward(x, true).arraySync());
    expect(b).toEqual(a);
    expect(tap.calls).toBe(0);
    // On: 3 convs x 3 cells + 2 x 2 in the reduction blocks + the final ReLU = 14 ReLUs;
    // N_A = 3 x (16*16*4 + 8*8*8 + 4*4*16) + (16*16*4 + 8*8*8) + (8*8*8 + 4*4*16) + 4*4*16.
    const buffers = tapped.buffers.map((v) => Array.from(v.dataSync()));
    naswot(tapped, tap, x); // warm-up
    const count = tf.memory().numTensors;
    const k = naswotKernel(tapped, tap, x);
    expect(tf.memory().numTensors).toBe(count);
    expect(k.calls).toBe(14);
    expect(k.units).toBe(3 * (1024 + 512 + 256) + 1536 + 768 + 256);
    expect(tapped.buffers.map((v) => Array.from(v.dataSync()))).toEqual(buffers);
    // Diagonal = N_A, symmetric, entries in [0, N_A].
    for (let i = 0; i < 8; i++) {
      expect(k.kernel[i * 8 + i]).toBe(k.units);
      for (let j = 0; j < 8; j++) {
        expect(k.kernel[i * 8 + j]).toBe(k.kernel[j * 8 + i]);
        expect(k.kernel[i * 8 + j]).toBeGreaterThanOrEqual(0);
      }
    }
    const s = naswot(tapped, tap, x);
    expect(Number.isFinite(s)).toBe(true);
    expect(naswot(tapped, tap, x)).toBe(s);
    x.dispose();
    plain.dispose();
    tapped.dispose();
  });

  test('correlation with NB201 valid_acc on 20 sampled cells (reported; only asserted > 0)', () => {
    const scorer = createProxyScorer({ proxy: 'naswot', spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: 0, batchSize: 16 });
    const start = tf.memory().numTensors;
    const s: number[] = [];
    const acc: number[] = [];
    for (let i = 0; i < 20; i++) {
      const g = nb201Space.sample(createRng(1000 + i));
      const row = table.get(nb201Space.encode(g));
      if (!row) continue;
      s.push(scorer.score(g));
      acc.push(row.metrics.valid_acc);
    }
    expect(tf.memory().numTensors).toBe(start);
    scorer.dispose();
    expect(s.length).toBeGreaterThanOrEqual(10);
    // -Infinity (identical codes for two inputs: a cell with no path) ranks last, as a very low score.
    const ranked = s.map((v) => (Number.isFinite(v) ? v : -1e9));
    const rho = spearman(ranked, acc);
    const tau = kendallTau(ranked, acc);
    console.log(`naswot vs NB201 cifar10 valid_acc (C=4, N=1, 16x16 random inputs, batch 16, n=${s.length}): spearman ${rho.toFixed(3)}, kendall ${tau.toFixed(3)}`);
    expect(rho).toBeGreaterThan(0);
    expect(tau).toBeGreaterThan(0);
  });
});
