/**
 * Supernet ranking check: Kendall tau / Spearman / top-k overlap of supernet scores against standalone scores, as
 * plain JSON; and a tiny end-to-end check with SPOS scores against standalone training (TrainEvaluator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantSplits } from '../helpers/synthetic';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/engine/evaluator/train';
import { buildNb201Network } from '../../src/engine/space/nb201/network';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { rankingCheckResult, spreadSample, supernetRankingCheck } from '../../src/engine/supernet/ranking-check';
import { standaloneScorer } from '../../src/engine/supernet/standalone';
import { SposSearch } from '../../src/engine/oneshot/spos';
import { createNb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';

let train: TensorSplit;
let valid: TensorSplit;
beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  ({ train, valid } = quadrantSplits(48, 32, 4));
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

describe('ranking check result', () => {
  it('tau = 1 for the same order, -1 for the reverse; top-k overlap; plain JSON', () => {
    const sub = (s: number[], t: number[]) => s.map((x, i) => ({ arch: `a${i}`, supernetScore: x, standaloneScore: t[i] }));
    const same = rankingCheckResult(sub([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), 2);
    expect(same.kendallTau).toBeCloseTo(1, 12);
    expect(same.spearman).toBeCloseTo(1, 12);
    expect(same.topKOverlap).toBe(1);
    const rev = rankingCheckResult(sub([1, 2, 3, 4, 5], [50, 40, 30, 20, 10]), 2);
    expect(rev.kendallTau).toBeCloseTo(-1, 12);
    expect(rev.topKOverlap).toBe(0);
    expect(JSON.parse(JSON.stringify(same))).toEqual(same);
    expect(same.n).toBe(5);
    expect(spreadSample([0, 1, 2, 3, 4, 5, 6, 7, 8], 3)).toEqual([0, 4, 8]);
  });

  it('SPOS scores against standalone training, end to end (tiny)', async () => {
    const skeleton = { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 2, cellsPerStage: 1 };
    const space = createNb201Space({ ops: ['none', 'skip_connect', 'nor_conv_3x3', 'avg_pool_3x3'] });
    const net = buildNb201Supernet({ skeleton, ops: space.ops }, createRng(1));
    const spos = new SposSearch<Nb201Genotype>(net, space, { train, valid }, { epochs: 2, batchSize: 8, subnets: 6, calibrationBatches: 2, calibrationBatchSize: 8 });
    const { ranked } = await spos.run();
    const sample = spreadSample(ranked, 4).map((r) => ({ genotype: r.genotype, arch: r.arch, supernetScore: r.accuracy }));
    const score = standaloneScorer({
      space, train, valid, seed: 3,
      build: (g, rng) => buildNb201Network(g, skeleton, rng),
      trainOptions: { ...DEFAULT_TRAIN_OPTIONS, epochs: 1, batchSize: 8 },
    });
    const progress: number[] = [];
    const res = await supernetRankingCheck(sample, score, { onSubnet: (i) => progress.push(i) });
    expect(progress).toEqual([0, 1, 2, 3]);
    expect(res.n).toBe(4);
    expect(res.subnets.map((s) => s.arch)).toEqual(sample.map((s) => s.arch));
    for (const s of res.subnets) expect(s.standaloneScore).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(res.kendallTau) || (res.kendallTau >= -1 && res.kendallTau <= 1)).toBe(true);
    spos.dispose();
    net.dispose();
  });
});
