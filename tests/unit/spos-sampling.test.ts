/**
 * SPOS path sampling: uniform per edge (chi-square over many seeded samples, NB201 and DARTS spaces), reproducible
 * for a seed; batch-norm recalibration gives the plain average of the calibration batches' statistics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantSplits } from '../helpers/synthetic';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { buildDartsSupernet } from '../../src/engine/supernet/darts-supernet';
import { recalibrateBatchNorm } from '../../src/engine/supernet/bn-recalibrate';
import { batchNorm } from '../../src/engine/ops/layers';
import { SposSearch } from '../../src/engine/oneshot/spos';
import { nb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import { dartsSpace } from '../../src/engine/space/darts/space';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;

beforeAll(async () => {
  tf = await useBackend('cpu', { trainingKernels: true });
  ({ train, valid } = quadrantSplits(16, 8, 1));
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

/** Pearson chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  const e = n / counts.length;
  return counts.reduce((s, o) => s + ((o - e) * (o - e)) / e, 0);
}
// Upper 0.1% points of chi-square: df 4 -> 18.47, df 6 -> 22.46.
const CHI2_999: Record<number, number> = { 4: 18.47, 6: 22.46 };

describe('SPOS uniform path sampling', () => {
  it('NB201: every edge takes each of the 5 ops uniformly (chi-square, 6000 seeded samples)', () => {
    const net = buildNb201Supernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 2, cellsPerStage: 1 } }, createRng(1));
    const s = new SposSearch(net, nb201Space, { train, valid }, { seed: 42 });
    const counts = Array.from({ length: 6 }, () => new Array(5).fill(0));
    const N = 6000;
    for (let i = 0; i < N; i++) {
      const { mode } = s.samplePath();
      if (mode.kind !== 'path') throw new Error('expected a path');
      mode.path[0].forEach((k, e) => counts[e][k]++);
    }
    for (const c of counts) {
      expect(c.reduce((a, b) => a + b, 0)).toBe(N);
      expect(chiSquare(c)).toBeLessThan(CHI2_999[4]);
    }
    // Same seed, same sequence; another seed, another one.
    const make = (seed: number) => new SposSearch(net, nb201Space, { train, valid }, { seed });
    const seq = (x: SposSearch<Nb201Genotype>) => Array.from({ length: 5 }, () => JSON.stringify(x.samplePath().genotype));
    const [a, b, c] = [make(42), make(42), make(43)];
    expect(seq(a)).toEqual(seq(b));
    expect(seq(c)).not.toEqual(seq(make(42)));
    [s, a, b, c].forEach((x) => x.dispose());
    net.dispose();
  });

  it('DARTS space: each node draws its 7 ops uniformly and its input pairs uniformly', () => {
    const net = buildDartsSupernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 2, layers: 1, stemMultiplier: 1 } }, createRng(1));
    const s = new SposSearch(net, dartsSpace, { train, valid }, { seed: 7 });
    const N = 3000;
    const opCounts = new Array(8).fill(0); // over ops of the normal cell's first edge of node 2 (never 'none')
    const pairCounts: Record<string, number> = {};
    for (let i = 0; i < N; i++) {
      const g = s.samplePath().genotype;
      opCounts[net.ops.indexOf(g.normal[0][0])]++;
      const key = `${g.normal[6][1]},${g.normal[7][1]}`; // node 5: ordered pair of distinct inputs from 0..4
      pairCounts[key] = (pairCounts[key] ?? 0) + 1;
    }
    expect(opCounts[0]).toBe(0);
    expect(chiSquare(opCounts.slice(1))).toBeLessThan(CHI2_999[6]);
    expect(Object.keys(pairCounts)).toHaveLength(20);
    // 20 cells, df 19: upper 0.1% point 43.82.
    expect(chiSquare(Object.values(pairCounts))).toBeLessThan(43.82);
    s.dispose();
    net.dispose();
  });
});

describe('batch-norm recalibration', () => {
  it('sets the running statistics to the average of the calibration batches (mean and unbiased variance)', () => {
    const bn = batchNorm(3, false);
    bn.runningMean.assign(tf.tensor1d([5, 5, 5]));
    bn.runningVar.assign(tf.tensor1d([9, 9, 9]));
    const batches = [0, 1, 2].map((i) => tf.randomNormal([4, 2, 2, 3], i, 1 + i, 'float32', 10 + i) as tfType.Tensor4D);
    const count = tf.memory().numTensors;
    recalibrateBatchNorm(bn.buffers, batches.length, (i) => { bn.apply(batches[i], true); });
    expect(tf.memory().numTensors).toBe(count);
    const means = tf.tidy(() => tf.stack(batches.map((b) => tf.mean(b, [0, 1, 2]))).arraySync() as number[][]);
    const vars = tf.tidy(() => tf.stack(batches.map((b) => tf.mul(tf.moments(b, [0, 1, 2]).variance, 16 / 15))).arraySync() as number[][]);
    const avg = (rows: number[][]) => rows[0].map((_, c) => rows.reduce((s, r) => s + r[c], 0) / rows.length);
    Array.from(bn.runningMean.dataSync()).forEach((v, c) => expect(v).toBeCloseTo(avg(means)[c], 4));
    Array.from(bn.runningVar.dataSync()).forEach((v, c) => expect(v).toBeCloseTo(avg(vars)[c], 4));
    tf.dispose([...batches, ...bn.buffers]);
  });
});
