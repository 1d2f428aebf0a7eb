/**
 * SPOS end to end on tiny shapes (CPU backend): supernet training on sampled paths, ranking of subnets with
 * inherited weights and BN recalibration, the FLOP penalty, events, tensor count, and checkpoints (mid-training and
 * mid-ranking) that resume to the same result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantSplits } from '../helpers/synthetic';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { checkpointFromJson, checkpointToJson } from '../../src/engine/supernet/state';
import type { OneShotEvent } from '../../src/engine/supernet/events';
import { SposSearch, type SposOptions } from '../../src/engine/oneshot/spos';
import { costOf } from '../../src/engine/model/cost';
import { createNb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
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

const skeleton = { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 2, cellsPerStage: 1 };
/** MFLOPs from the space's own cost counter (the descriptor's, as the one-shot runner uses). */
const mflops = (g: Nb201Genotype): number => costOf({ space: 'nb201', genotype: g, skeleton }).flops / 1e6;
const space = createNb201Space({ ops: ['none', 'skip_connect', 'nor_conv_3x3', 'avg_pool_3x3'] });
const options: Partial<SposOptions> = { epochs: 2, batchSize: 8, learningRate: 0.1, subnets: 5, topK: 2, calibrationBatches: 2, calibrationBatchSize: 8, evalBatchSize: 16 };

function make(seed: number, o: Partial<SposOptions> = options) {
  const net = buildNb201Supernet({ skeleton, ops: space.ops }, createRng(seed));
  return new SposSearch<Nb201Genotype>(net, space, { train, valid }, o, mflops);
}

describe('SPOS search', () => {
  it('trains on sampled paths, then ranks subnets by accuracy - lambda * MFLOPs, with events, flat tensor count', async () => {
    const s = make(1, { ...options, flopsPenalty: 0.5 });
    expect(s.stepsPerEpoch).toBe(4);
    const events: OneShotEvent<Nb201Genotype>[] = [];
    const counts: number[] = [];
    while (s.phase === 'train') {
      const r = await s.step({ onEvent: (e) => events.push(e) });
      expect(space.validate(space.decode(r.arch))).toBeTruthy();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    const res = await s.rank({ onEvent: (e) => events.push(e) });
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'step')).toHaveLength(8);
    expect(types.filter((t) => t === 'epoch')).toHaveLength(2);
    expect(types.filter((t) => t === 'subnet')).toHaveLength(5);
    expect(types[types.length - 1]).toBe('ranked');
    expect(res.ranked).toHaveLength(5);
    expect(res.topK).toEqual(res.ranked.slice(0, 2));
    expect(new Set(res.ranked.map((r) => space.hash(r.genotype))).size).toBe(5);
    for (const r of res.ranked) {
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(100);
      expect(r.mflops).toBeCloseTo(mflops(r.genotype), 12);
      expect(r.objective).toBeCloseTo(r.accuracy - 0.5 * r.mflops, 12);
    }
    for (let i = 1; i < res.ranked.length; i++) expect(res.ranked[i - 1].objective).toBeGreaterThanOrEqual(res.ranked[i].objective);
    // After training, the subnets score above chance on this easy task (on average).
    expect(res.ranked.reduce((a, r) => a + r.accuracy, 0) / 5).toBeGreaterThan(55);
    expect([s.status, s.stopCause]).toEqual(['done', 'exhausted']);
    s.dispose();
    s.supernet.dispose();
  });

  it('scoring a subnet is repeatable (BN recalibration does not depend on the previous subnet)', async () => {
    const s = make(2, { ...options, epochs: 1 });
    await s.trainSupernet();
    const [a, b] = [space.sample(createRng(1)), space.sample(createRng(2))];
    const calib = Array.from({ length: 16 }, (_, i) => i);
    const first = await s.evaluateSubnet(a, calib);
    await s.evaluateSubnet(b, calib);
    expect(await s.evaluateSubnet(a, calib)).toBe(first);
    s.dispose();
    s.supernet.dispose();
  });

  it('a checkpoint mid-training resumes to the same next steps and the same ranking', async () => {
    const a = make(3);
    const b = await expectCheckpointResumes(a, () => make(77));
    const resA = await a.run();
    const resB = await b.run();
    expect(resB.ranked.map((r) => [r.arch, r.accuracy])).toEqual(resA.ranked.map((r) => [r.arch, r.accuracy]));
    [a, b].forEach((s) => { s.dispose(); s.supernet.dispose(); });
  });

  it('a checkpoint mid-ranking resumes with the next unscored subnet', async () => {
    const a = make(4, { ...options, epochs: 1 });
    await a.trainSupernet();
    const full = await a.rank();
    // The same search again, cancelled after 2 subnets, checkpointed, and resumed in a fresh searcher.
    const c = make(4, { ...options, epochs: 1 });
    await c.trainSupernet();
    const ctrl = { aborted: false };
    await expect(c.rank({ signal: ctrl, onEvent: (e) => { if (e.type === 'subnet' && e.index === 1) ctrl.aborted = true; } })).rejects.toThrow(/cancelled/);
    const saved = JSON.stringify(checkpointToJson(await c.stateDict()));
    const d = make(55, { ...options, epochs: 1 });
    d.loadStateDict(checkpointFromJson(JSON.parse(saved)));
    const scored: number[] = [];
    const res = await d.rank({ onEvent: (e) => { if (e.type === 'subnet') scored.push(e.index); } });
    expect(scored).toEqual([2, 3, 4]);
    expect(res.ranked.map((r) => [r.arch, r.accuracy])).toEqual(full.ranked.map((r) => [r.arch, r.accuracy]));
    [a, c, d].forEach((s) => { s.dispose(); s.supernet.dispose(); });
  });
});
