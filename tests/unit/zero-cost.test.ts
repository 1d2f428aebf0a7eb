import { useBackend } from '../helpers/tf-node';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { parseNb201Table, type Nb201Table } from '../../src/engine/data/nb201-table';
import { gradNorm, jacobCov, randomImages, randomLabels, symmetricEigenvalues, synflow } from '../../src/engine/evaluator/zero-cost';
import { buildNb201Network } from '../../src/engine/space/nb201/network';
import type { Network } from '../../src/engine/model/network';
import { nb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';
import { kendallTau, spearman } from '../../src/engine/util/stats';

const TABLE = fileURLToPath(new URL('../../../shared/benchmarks/nb201/nb201-cifar10-valid.csv', import.meta.url));
const INPUT: [number, number, number] = [16, 16, 3];
const CFG = { inputShape: INPUT, numClasses: 10, channels: 4, cellsPerStage: 1 };
const BATCH = 8;

let tf: typeof tfc;
let table: Nb201Table;

beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
  table = parseNb201Table(readFileSync(TABLE, 'utf8'), { source: 'nb201-cifar10-valid.csv' });
});

const build = (g: Nb201Genotype, seed: number): Network => buildNb201Network(g, CFG, createRng(seed));
const G = nb201Space.decode('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|');

interface Scores {
  synflow: number;
  gradNorm: number;
  jacobCov: number;
}

function scoreAll(net: Network, seed: number): Scores {
  const rng = createRng(seed);
  const x = randomImages(rng, BATCH, INPUT);
  const y = randomLabels(rng, BATCH, CFG.numClasses);
  try {
    return { synflow: synflow(net, INPUT), gradNorm: gradNorm(net, x, y), jacobCov: jacobCov(net, x) };
  } finally {
    x.dispose();
  }
}

describe('symmetricEigenvalues', () => {
  test('matches a known spectrum', () => {
    const ev = symmetricEigenvalues([2, 1, 0, 1, 2, 0, 0, 0, 5], 3).sort((a, b) => a - b);
    expect(ev[0]).toBeCloseTo(1, 10);
    expect(ev[1]).toBeCloseTo(3, 10);
    expect(ev[2]).toBeCloseTo(5, 10);
  });
});

describe('zero-cost proxies', () => {
  test('finite, deterministic for a seed, weights restored, no leaked tensors', () => {
    const net = build(G, 1);
    const before = [...net.params, ...net.buffers].map((v) => Array.from(v.dataSync()));
    scoreAll(net, 7); // warm-up (kernel caches)
    const count = tf.memory().numTensors;
    const a = scoreAll(net, 7);
    expect(tf.memory().numTensors).toBe(count);
    const after = [...net.params, ...net.buffers].map((v) => Array.from(v.dataSync()));
    expect(after).toEqual(before); // bit-exact: synflow's |w| and gradNorm's BN updates are undone
    for (const v of Object.values(a)) expect(Number.isFinite(v)).toBe(true);
    expect(a.synflow).toBeGreaterThan(0);
    expect(a.gradNorm).toBeGreaterThan(0);
    // Same network, same seed -> identical scores; a freshly built twin (same init seed) too.
    expect(scoreAll(net, 7)).toEqual(a);
    net.dispose();
    const twin = build(G, 1);
    expect(scoreAll(twin, 7)).toEqual(a);
    twin.dispose();
  });

  test('correlation with NB201 valid_acc on sampled cells (reported, not tuned)', () => {
    const N = 20;
    const rows: { arch: string; acc: number; s: Scores }[] = [];
    const start = tf.memory().numTensors;
    for (let i = 0; i < N; i++) {
      const g = nb201Space.sample(createRng(1000 + i));
      const arch = nb201Space.encode(g);
      const row = table.get(arch);
      if (!row) continue;
      const net = build(g, 2000 + i);
      rows.push({ arch, acc: row.metrics.valid_acc, s: scoreAll(net, 3000 + i) });
      net.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const acc = rows.map((r) => r.acc);
    const result: Record<string, { n: number; spearman: number; kendall: number }> = {};
    for (const proxy of ['synflow', 'gradNorm', 'jacobCov'] as const) {
      const s = rows.map((r) => r.s[proxy]);
      for (const v of s) expect(Number.isFinite(v)).toBe(true);
      const rho = spearman(s, acc);
      const tau = kendallTau(s, acc);
      result[proxy] = { n: rows.length, spearman: rho, kendall: tau };
      for (const c of [rho, tau]) {
        expect(Number.isFinite(c)).toBe(true);
        expect(Math.abs(c)).toBeLessThanOrEqual(1 + 1e-12);
      }
    }
    console.log('zero-cost proxies vs NB201 cifar10 valid_acc (C=4, N=1, 16x16 random inputs, batch 8):\n' + JSON.stringify(result));
  });
});
