/**
 * Re-training a finalist with real tfjs training (wasm, our training kernels) on a tiny separable task: it learns,
 * a run stopped after epoch k and resumed from its saved state ends bit for bit where the uninterrupted run ends,
 * early stopping and the learning-curve stop fire, class weights are reported, tensors do not leak, and a
 * counting accessor proves the test split is read exactly once, after training.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { counted, TASK, taskSplit, tinyModel, tinyRecipe } from '../helpers/finalists';
import { disposeSplit, toTensorSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import type { FinalistRecipeInput } from '../../src/shared/finalist-recipe';
import { retrainFinalist, type RetrainState } from '../../src/engine/finalists/retrain';
import { snapshotWeights } from '../../src/engine/finalists/retrain-state';
import { runFinalistsStage, type StageEvent } from '../../src/engine/finalists/stage';
import { accuracy } from '../../src/engine/evaluator/train';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;
const { ds, idx, stats } = TASK;

beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
  train = taskSplit('train');
  valid = taskSplit('valid');
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

const recipe = (r: FinalistRecipeInput = {}) => tinyRecipe({ learningRate: 0.05, ...r });
const model = tinyModel();
const base = { model, seed: 17 };

/** Stops a run after epoch 2 (abort after its save), resumes it, and compares with an uninterrupted run. */
async function expectBitForBitResume(train: TensorSplit, valid: TensorSplit): Promise<void> {
  const r = recipe({ epochs: 4, patience: 3 });
  const full = await retrainFinalist({ ...base, data: { train, valid }, recipe: r });
  const fullWeights = await snapshotWeights(full.net);
  full.net.dispose();

  const saved: RetrainState[] = [];
  const signal = { aborted: false };
  await expect(retrainFinalist({
    ...base, data: { train, valid }, recipe: r, signal,
    save: (s) => { saved.push(s); if (s.epoch === 2) signal.aborted = true; },
  })).rejects.toThrow(/Re-training was cancelled/);
  expect(saved.map((s) => s.epoch)).toEqual([1, 2]);

  const before = tf.memory().numTensors;
  const resumed = await retrainFinalist({ ...base, data: { train, valid }, recipe: r, resumeFrom: saved[1] });
  const resumedWeights = await snapshotWeights(resumed.net);
  resumed.net.dispose();
  expect(tf.memory().numTensors).toBe(before);
  expect(resumed.report).toEqual(full.report);
  expect(resumedWeights.params.length).toBeGreaterThan(0);
  resumedWeights.params.forEach((p, i) => expect(Array.from(p)).toEqual(Array.from(fullWeights.params[i])));
  resumedWeights.buffers.forEach((b, i) => expect(Array.from(b)).toEqual(Array.from(fullWeights.buffers[i])));
}

describe('retrainFinalist', () => {
  it('learns the task and keeps the tensor count flat', async () => {
    const before = tf.memory().numTensors;
    const { net, report } = await retrainFinalist({ ...base, data: { train, valid }, recipe: recipe() });
    expect(report.history).toHaveLength(4);
    expect(report.validAcc).toBeGreaterThan(0.8);
    expect(report.validAcc).toBe(Math.max(...report.history.map((h) => h.validAcc)));
    expect(report.stop).toBe('epochs');
    expect(report.flip).toBe(true);
    expect(report.trainCount).toBe(64);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resumes after epoch 2 to the same final weights and metrics, bit for bit (wasm)', async () => {
    await expectBitForBitResume(train, valid);
  });

  it('resumes bit for bit on the cpu backend too', async () => {
    await useBackend('cpu', { trainingKernels: true });
    const t = taskSplit('train');
    const v = taskSplit('valid');
    try {
      await expectBitForBitResume(t, v);
    } finally {
      disposeSplit(t);
      disposeSplit(v);
      await useBackend('wasm', { trainingKernels: true });
    }
  });

  it('rejects a state that does not fit the network, naming the field', async () => {
    let state: RetrainState | undefined;
    const { net } = await retrainFinalist({ ...base, data: { train, valid }, recipe: recipe({ epochs: 1 }), save: (s) => { state = s; } });
    net.dispose();
    const bad = { ...state!, weights: { ...state!.weights, params: state!.weights.params.slice(1) } };
    await expect(retrainFinalist({ ...base, data: { train, valid }, recipe: recipe({ epochs: 2 }), resumeFrom: bad })).rejects.toThrow(/weights.params has \d+ entries, the network has \d+/);
  });

  it('stops a finalist that cannot beat the best so far by learning-curve extrapolation', async () => {
    const { net, report } = await retrainFinalist({ ...base, data: { train, valid }, recipe: recipe({ epochs: 8, curveStop: { enabled: true, margin: 0 } }), curveBestSoFar: 101 });
    net.dispose();
    expect(report.stop).toBe('curve');
    expect(report.history).toHaveLength(3);
    expect(report.predictedFinalAcc).toBeLessThanOrEqual(100);
  });

  it('stops on patience and restores the best-validation weights', async () => {
    let last: RetrainState | undefined;
    const { net, report } = await retrainFinalist({ ...base, data: { train, valid }, recipe: recipe({ epochs: 30, patience: 1, learningRate: 0.2 }), save: (s) => { last = s; } });
    // The weights handed back are the best epoch's (batch-norm buffers included), not the last epoch's.
    const returnedAcc = await accuracy(net, valid, 64);
    const returned = await snapshotWeights(net);
    net.dispose();
    expect(returnedAcc).toBe(report.validAcc);
    expect(last!.best!.epoch).toBe(report.epoch);
    expect(report.epoch).toBeLessThan(last!.epoch - 1);
    returned.params.forEach((p, i) => expect(Array.from(p)).toEqual(Array.from(last!.best!.weights.params[i])));
    expect(returned.params.some((p, i) => p.some((x, j) => x !== last!.weights.params[i][j]))).toBe(true);
    expect(report.stop).toBe('patience');
    expect(report.history.length).toBeLessThan(30);
    const best = Math.max(...report.history.map((h) => h.validAcc));
    expect(report.validAcc).toBe(best);
    expect(report.history[report.epoch].validAcc).toBe(best);
  });

  it('weights classes by inverse frequency and trains on train + valid when asked', async () => {
    // 48 images of class 0 and 16 of class 1: w = N / (K n_c) = 64 / (2 * 48), 64 / (2 * 16).
    const imbalanced = idx.filter((i) => ds.labels[i] === 0).slice(0, 48).concat(idx.filter((i) => ds.labels[i] === 1).slice(0, 16));
    const t = toTensorSplit(ds, imbalanced, stats);
    try {
      const { net, report } = await retrainFinalist({ ...base, data: { train: t, valid }, recipe: recipe({ epochs: 1 }) });
      net.dispose();
      expect(report.classWeights).toEqual([64 / 96, 2]);
      const plain = await retrainFinalist({ ...base, data: { train: t, valid }, recipe: recipe({ epochs: 1, classWeights: 'none', trainOn: 'train+valid' }) });
      plain.net.dispose();
      expect(plain.report.classWeights).toEqual([1, 1]);
      expect(plain.report.trainCount).toBe(64 + 32);
    } finally {
      disposeSplit(t);
    }
  });
});

describe('honest test evaluation', () => {
  it('reads train/valid only while training and the test split exactly once, at the end', async () => {
    const events: string[] = [];
    let readTestCalls = 0;
    const before = tf.memory().numTensors;
    const [t] = await runFinalistsStage({
      entries: [{ key: 'a', model, seed: 17, curveStop: false }],
      classes: ['zero', 'one'],
      hint: 'digit-like',
      data: { train: counted(train, 'train', events), valid: counted(valid, 'valid', events) },
      recipe: recipe({ epochs: 2 }),
      onEvent: (e: StageEvent) => { if (e.kind === 'epoch') events.push('epoch'); },
      readTest: () => { readTestCalls++; events.push('readTest'); return counted(taskSplit('test'), 'test', events); },
    }).then((r) => r.map((x) => ({ ...x.test, params: x.params, macs: x.macs })));
    expect(tf.memory().numTensors).toBe(before);
    expect(readTestCalls).toBe(1);
    const firstTest = events.indexOf('readTest');
    expect(events.lastIndexOf('epoch')).toBeLessThan(firstTest);
    expect(events.slice(0, firstTest).every((e) => e === 'train' || e === 'valid' || e === 'epoch')).toBe(true);
    expect(events.slice(firstTest + 1).every((e) => e === 'test')).toBe(true);
    expect(events.filter((e) => e === 'test').length).toBeGreaterThan(0);

    expect(t.split).toBe('test');
    expect(t.count).toBe(32);
    expect(t.confusion.flat().reduce((a, b) => a + b, 0)).toBe(32);
    expect(t.accuracy).toBeGreaterThan(0.7);
    expect(t.params).toBeGreaterThan(0);
    expect(t.macs).toBeGreaterThan(0);
    expect(t.ece).toBeGreaterThanOrEqual(0);
    expect(t.reliability).toHaveLength(15);
  });
});
