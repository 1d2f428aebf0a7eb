/**
 * DARTS / PC-DARTS searcher state (CPU backend, tiny NB201 supernet): a checkpoint taken mid-run, sent through a JSON
 * round trip and loaded into a fresh searcher on a fresh supernet, gives the same next steps (losses, weights, BN
 * statistics, alphas, optimiser state) as the uninterrupted run, across an epoch boundary; tensor count stays flat
 * over 20 steps with every option on; events arrive in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantSplits } from '../helpers/synthetic';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { buildNb201Supernet, type Nb201SupernetConfig } from '../../src/engine/supernet/nb201-supernet';
import { checkpointFromJson, checkpointToJson } from '../../src/engine/supernet/state';
import type { OneShotEvent } from '../../src/engine/supernet/events';
import { DartsSearch, type DartsOptionsInput, type StepReport } from '../../src/engine/oneshot/darts';
import { createPcDartsSearch } from '../../src/engine/oneshot/pc-darts';
import type { Nb201Genotype } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;

beforeAll(async () => {
  tf = await useBackend('cpu', { trainingKernels: true });
  ({ train, valid } = quadrantSplits(32, 16, 5));
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

const skeleton = { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 4, cellsPerStage: 1 };

async function snapshot(s: DartsSearch<Nb201Genotype>): Promise<number[][]> {
  const net = s.supernet;
  return Promise.all([...net.weights, ...net.buffers, ...net.archParams].map(async (v) => Array.from(await v.data())));
}

async function resumeCheck(netCfg: Omit<Nb201SupernetConfig, 'skeleton'>, options: DartsOptionsInput, pc: boolean): Promise<void> {
  const make = (seed: number) => {
    const net = buildNb201Supernet({ skeleton, ...netCfg }, createRng(seed));
    const s = pc ? createPcDartsSearch(net, { train, valid }, options) : new DartsSearch(net, { train, valid }, options);
    return s;
  };
  const a = make(1);
  expect(a.stepsPerEpoch).toBe(2);
  for (let i = 0; i < 3; i++) await a.step();
  const saved = JSON.stringify(checkpointToJson(await a.stateDict()));
  const eventsA: OneShotEvent<Nb201Genotype>[] = [];
  const nextA: StepReport[] = [await a.step({ onEvent: (e) => eventsA.push(e) }), await a.step()];
  const b = make(99);
  b.loadStateDict(checkpointFromJson(JSON.parse(saved)));
  const eventsB: OneShotEvent<Nb201Genotype>[] = [];
  const nextB: StepReport[] = [await b.step({ onEvent: (e) => eventsB.push(e) }), await b.step()];
  nextA.forEach((r, i) => {
    expect(nextB[i].epoch).toBe(r.epoch);
    expect(nextB[i].globalStep).toBe(r.globalStep);
    expect(Math.abs(nextB[i].trainLoss - r.trainLoss)).toBeLessThan(1e-6);
    expect(Math.abs(nextB[i].validLoss - r.validLoss)).toBeLessThan(1e-6);
  });
  // The 4th step ends epoch 1: the same epoch-end events (alphas, genotype, eigenvalue ...).
  expect(eventsB.map((e) => e.type)).toEqual(eventsA.map((e) => e.type));
  expect(eventsA.map((e) => e.type)).toContain('genotype');
  const [sa, sb] = [await snapshot(a), await snapshot(b)];
  sa.forEach((vals, i) => vals.forEach((v, j) => expect(Math.abs(v - sb[i][j])).toBeLessThan(1e-6)));
  expect(JSON.stringify((await b.stateDict()).meta)).toBe(JSON.stringify((await a.stateDict()).meta));
  a.dispose(); b.dispose(); a.supernet.dispose(); b.supernet.dispose();
}

describe('DARTS checkpoints', () => {
  it('first order, PC-DARTS supernet (betas), op dropout, entropy, eigenvalue: the next steps are identical', async () => {
    await resumeCheck(
      { ops: ['none', 'skip_connect', 'nor_conv_3x3', 'avg_pool_3x3'], partialChannels: 2, edgeNormalization: true },
      { epochs: 4, batchSize: 8, warmupEpochs: 0, antiCollapse: { opDropout: 0.3, entropyWeight: 0.1, eigenvalueEvery: 1, eigenIterations: 2, eigenBatchSize: 8 } },
      true,
    );
  });

  it('second order DARTS: the next steps are identical', async () => {
    await resumeCheck({ ops: ['none', 'skip_connect', 'nor_conv_3x3'] }, { epochs: 4, batchSize: 8, order: 'second' }, false);
  });

  it('rejects a checkpoint of another strategy or supernet', async () => {
    const net = buildNb201Supernet({ skeleton, ops: ['none', 'skip_connect'] }, createRng(1));
    const s = new DartsSearch(net, { train, valid }, { epochs: 1, batchSize: 8 });
    const c = await s.stateDict();
    const other = buildNb201Supernet({ skeleton, ops: ['none', 'skip_connect', 'nor_conv_3x3'] }, createRng(1));
    const t = new DartsSearch(other, { train, valid }, { epochs: 1, batchSize: 8 });
    expect(() => t.loadStateDict(c)).toThrow(/different supernet/);
    expect(() => t.loadStateDict({ ...c, meta: { ...c.meta, strategy: 'spos' } })).toThrow(/strategy "spos"/);
    s.dispose(); t.dispose(); net.dispose(); other.dispose();
  });
});

describe('DARTS resources and events', () => {
  it('keeps the tensor count flat over 20 steps (dropout, entropy, eigenvalue, epoch ends on)', async () => {
    const net = buildNb201Supernet({ skeleton: { ...skeleton, channels: 2 }, ops: ['none', 'skip_connect', 'nor_conv_3x3'] }, createRng(3));
    const s = new DartsSearch(net, { train, valid }, {
      epochs: 10, batchSize: 8,
      antiCollapse: { opDropout: 0.2, entropyWeight: 0.05, eigenvalueEvery: 3, eigenIterations: 2, eigenBatchSize: 8, stableEpochs: 0 },
    });
    const counts: number[] = [];
    const types = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await s.step({ onEvent: (e) => types.add(e.type) });
      counts.push(tf.memory().numTensors);
    }
    if (new Set(counts).size !== 1) console.log('tensor counts', counts.join(' '));
    expect(new Set(counts).size).toBe(1);
    expect([...types].sort()).toEqual(['alphas', 'eigenvalue', 'epoch', 'genotype', 'step']);
    expect([s.status, s.stopCause]).toEqual(['done', 'exhausted']);
    s.dispose();
    net.dispose();
  });

  it('run() emits steps, epoch summaries, softmaxed alphas and genotypes; DARTS+ stops on 2 skips; abort throws', async () => {
    const net = buildNb201Supernet({ skeleton: { ...skeleton, channels: 2 }, ops: ['none', 'skip_connect', 'nor_conv_3x3'] }, createRng(4));
    // Start from skip-heavy alphas so that DARTS+ fires at the first epoch end.
    net.alphas[0].variable.assign(tf.tensor2d(Array(6).fill([0, 2, 0])));
    const s = new DartsSearch(net, { train, valid }, { epochs: 5, batchSize: 8, antiCollapse: { maxSkips: 2, earlyStopWarmup: 0 } });
    const events: OneShotEvent<Nb201Genotype>[] = [];
    const res = await s.run({ onEvent: (e) => events.push(e) });
    expect([res.status, res.stopCause]).toEqual(['done', 'early-stop']);
    expect(res.stopReason).toMatch(/skip connections/);
    expect(events.map((e) => e.type)).toEqual(['step', 'step', 'epoch', 'alphas', 'genotype', 'early-stop']);
    const alphas = events.find((e) => e.type === 'alphas');
    if (alphas?.type !== 'alphas') throw new Error('no alphas event');
    expect(alphas.alphas).toHaveLength(6);
    alphas.alphas.forEach((row) => expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6));
    expect(alphas.edges[0]).toBe('cell:0->1');
    await expect(s.step()).rejects.toThrow(/the search is done \(early-stop\); nothing more to step/);
    s.dispose();
    const t = new DartsSearch(net, { train, valid }, { epochs: 5, batchSize: 8 });
    await expect(t.run({ signal: { aborted: true } })).rejects.toThrow(/cancelled/);
    t.dispose();
    // Without gradient clipping as well.
    const u = new DartsSearch(net, { train, valid }, { epochs: 1, batchSize: 8, gradClip: 0 });
    expect(Number.isFinite((await u.step()).trainLoss)).toBe(true);
    u.dispose();
    net.dispose();
  });
});
