/**
 * Knowledge distillation (Hinton, Vinyals & Dean, 2015): the loss's value and gradient against a direct float64
 * computation (and that one against finite differences); the teacher picked by validation accuracy, never test;
 * and the whole thing through the finalists stage on a tiny task: both students tested once each, deterministic,
 * and a stage stopped during the distilled student resumes from the CLI's checkpoint folder with the teacher
 * rebuilt from its stored weights, ending exactly where the uninterrupted stage ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { lcgValues, quadrantDataset } from '../helpers/synthetic';
import { channelStats, disposeSplit, toTensorSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { nb201FromString } from '../../src/engine/space/nb201/space';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';
import { parseFinalistRecipe } from '../../src/shared/finalist-recipe';
import { genotypeSource } from '../../src/engine/finalists/model-source';
import { distillationLoss } from '../../src/engine/finalists/distill-loss';
import { retrainFinalist, smoothedWeightedLoss } from '../../src/engine/finalists/retrain';
import { pickTeacher, runStageWithDistillation, type DistillPlan } from '../../src/engine/finalists/distill-stage';
import type { StageEntry, StageEvent, StageOptions } from '../../src/engine/finalists/stage';
import { baselineSource } from '../../src/engine/baselines/source';
import { FinalistCheckpoint } from '../../scripts/node/finalist-checkpoint';
import type { TrainedReport } from '../../src/shared/finalist-result';
import { createRng as createRngFor } from '../../src/engine/util/rng';

let tf: typeof tfType;
beforeAll(async () => { tf = await useBackend('wasm', { trainingKernels: true }); });

/** The KD loss in float64, straight from the formula. */
function reference(s: number[][], t: number[][], y: number[], w: number[], eps: number, T: number, alpha: number): number {
  const logSoftmax = (v: number[]) => {
    const m = Math.max(...v);
    const z = Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0)) + m;
    return v.map((x) => x - z);
  };
  const k = s[0].length;
  let soft = 0;
  let hard = 0;
  let wsum = 0;
  s.forEach((si, i) => {
    const lps = logSoftmax(si.map((x) => x / T));
    const lpt = logSoftmax(t[i].map((x) => x / T));
    soft += lpt.reduce((a, l, c) => a + Math.exp(l) * (l - lps[c]), 0);
    const ls = logSoftmax(si);
    const ce = -ls.reduce((a, l, c) => a + ((c === y[i] ? 1 - eps : 0) + eps / k) * l, 0);
    hard += w[y[i]] * ce;
    wsum += w[y[i]];
  });
  return alpha * T * T * (soft / s.length) + (1 - alpha) * (hard / wsum);
}

describe('distillation loss', () => {
  const N = 3;
  const K = 4;
  const sv = Array.from(lcgValues(N * K, 7, 3));
  const tv = Array.from(lcgValues(N * K, 8, 3));
  const rows = (v: number[]) => Array.from({ length: N }, (_, i) => v.slice(i * K, (i + 1) * K));
  const y = [2, 0, 2];
  const w = [0.5, 1, 2, 1];
  const eps = 0.1;
  const settings = { temperature: 3, alpha: 0.7 };

  it('matches a direct computation in value and gradient', () => {
    const labels = tf.tensor1d(y, 'int32');
    const weights = tf.tensor1d(w);
    const teacher = tf.tensor2d(tv, [N, K]);
    const student = tf.tensor2d(sv, [N, K]);
    const f = (s: tfType.Tensor) => distillationLoss(s as tfType.Tensor2D, teacher, smoothedWeightedLoss(s as tfType.Tensor2D, labels, weights, eps), settings);
    const value = tf.tidy(() => f(student).dataSync()[0]);
    const grad = tf.tidy(() => Array.from(tf.grad(f)(student).dataSync()));
    tf.dispose([labels, weights, teacher, student]);

    const ref = (v: number[]) => reference(rows(v), rows(tv), y, w, eps, settings.temperature, settings.alpha);
    expect(value).toBeCloseTo(ref(sv), 5);
    // The analytic gradient per logit: alpha T (p_s^T - p_t^T) / N + (1 - alpha) w_i / W (softmax(s) - target) ...
    const softmax = (v: number[]) => { const m = Math.max(...v); const e = v.map((x) => Math.exp(x - m)); const z = e.reduce((a, b) => a + b); return e.map((x) => x / z); };
    const W = y.reduce((a, c) => a + w[c], 0);
    const T = settings.temperature;
    const analytic = rows(sv).flatMap((si, i) => {
      const ps = softmax(si.map((x) => x / T));
      const pt = softmax(rows(tv)[i].map((x) => x / T));
      const p = softmax(si);
      return si.map((_, c) => settings.alpha * T * (ps[c] - pt[c]) / N + (1 - settings.alpha) * (w[y[i]] / W) * (p[c] - ((c === y[i] ? 1 - eps : 0) + eps / K)));
    });
    // ... which central differences of the float64 reference confirm,
    const h = 1e-6;
    analytic.forEach((g, j) => {
      const up = sv.slice(); up[j] += h;
      const down = sv.slice(); down[j] -= h;
      expect((ref(up) - ref(down)) / (2 * h)).toBeCloseTo(g, 6);
    });
    // ... and tfjs's gradient agrees with.
    grad.forEach((g, j) => expect(g).toBeCloseTo(analytic[j], 5));
  });

  it('is the hard loss alone at alpha 0 and the soft term alone, scaled by T^2, at alpha 1', () => {
    const [a0, a1, hard, want1] = tf.tidy(() => {
      const s = tf.tensor2d(sv, [N, K]);
      const t = tf.tensor2d(tv, [N, K]);
      const h = smoothedWeightedLoss(s, tf.tensor1d(y, 'int32'), tf.tensor1d(w), eps);
      return [distillationLoss(s, t, h, { temperature: 2, alpha: 0 }), distillationLoss(s, t, h, { temperature: 2, alpha: 1 }), h]
        .map((x) => x.dataSync()[0]).concat([reference(rows(sv), rows(tv), y, w, eps, 2, 1)]);
    });
    expect(a0).toBe(hard);
    expect(a1).toBeCloseTo(want1, 5);
  });
});

describe('pickTeacher', () => {
  const entry = (key: string): StageEntry => ({ key, model: { build: () => { throw new Error('not built'); }, cost: { params: 1, macs: 1, numClasses: 2 } }, seed: 0, curveStop: true });
  const report = (valid: number, test: number) => ({ valid_acc: valid, test: { accuracy: test } }) as Pick<TrainedReport, 'valid_acc'>;

  it('takes the best validation accuracy among the allowed teachers, never the best test accuracy', () => {
    const entries = ['f1', 'f2', 'f3', 'baseline-resnet'].map(entry);
    const reports = [report(0.8, 0.99), report(0.9, 0.5), report(0.9, 0.6), report(0.95, 0.99)];
    expect(pickTeacher(entries, reports, ['f1', 'f2', 'f3'])).toBe(1); // ties: the earlier entry
    expect(() => pickTeacher(entries, reports, ['nope'])).toThrow(/none of the teachers \["nope"\] is an entry/);
  });
});

describe('distillation on the finalists stage', () => {
  const ds = quadrantDataset(112, 8, 3);
  const idx = Array.from({ length: 112 }, (_, i) => i);
  const stats = channelStats(ds, idx.slice(0, 48));
  let train: TensorSplit;
  let valid: TensorSplit;
  beforeAll(() => {
    train = toTensorSplit(ds, idx.slice(0, 48), stats);
    valid = toTensorSplit(ds, idx.slice(48, 80), stats);
  });
  afterAll(() => { disposeSplit(train); disposeSplit(valid); });

  const skeleton = nb201Skeleton({ inputShape: [8, 8, 1], numClasses: 2, channels: 4, cellsPerStage: 1 });
  const archs = [
    '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|',
    '|avg_pool_3x3~0|+|none~0|skip_connect~1|+|skip_connect~0|none~1|avg_pool_3x3~2|',
  ];
  const entries: StageEntry[] = archs.map((a, i) => ({ key: `finalist-${i}`, model: genotypeSource('nb201', nb201FromString(a), skeleton), seed: 17 + i, curveStop: true }));
  const student = baselineSource({ family: 'resnet', width: 0.25 }, { inputShape: [8, 8, 1], numClasses: 2 });
  const plan: DistillPlan = { teachers: entries.map((e) => e.key), student: () => ({ model: student, description: student.description }), seed: 5, temperature: 4, alpha: 0.9 };
  const recipe = parseFinalistRecipe({ epochs: 2, batchSize: 24, learningRate: 0.05, patience: 0, curveStop: { enabled: false } });
  const stage = (extra: Partial<StageOptions> & { reads: string[] }): StageOptions => ({
    entries, data: { train, valid }, classes: ds.classes, recipe, hint: 'digit-like',
    readTest: () => { extra.reads.push('test'); return toTensorSplit(ds, idx.slice(80), stats); },
    ...extra,
  });

  it('teaches the student from the best finalist by validation; both students tested once; a resumed stage ends the same', async () => {
    const before = tf.memory().numTensors;
    const reads: string[] = [];
    const full = await runStageWithDistillation(stage({ reads }), plan);
    expect(tf.memory().numTensors).toBe(before);
    expect(reads).toHaveLength(4); // 2 finalists + 2 students, once each
    const d = full.distillation;
    expect(d.teacher).toBe(entries[pickTeacher(entries, full.reports, plan.teachers)].key);
    expect(d.student.description).toMatch(/^ResNet-8/);
    expect(d.alone.params).toBe(student.cost.params);
    expect(d.distilled.params).toBe(student.cost.params);
    expect(d.alone.retrain.epochs).toBe(2);
    expect(d.distilled.retrain.epochs).toBe(2);
    // Same student, same seed: only the soft targets differ.
    expect(d.distilled.retrain.history[0].trainLoss).not.toBe(d.alone.retrain.history[0].trainLoss);

    // The same stage, stopped after the distilled student's first epoch, then resumed from the checkpoint folder.
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-distill-'));
    const signal = { aborted: false };
    const firstReads: string[] = [];
    await expect(runStageWithDistillation(stage({
      reads: firstReads, store: new FinalistCheckpoint(dir), signal,
      onEvent: (e: StageEvent) => { if (e.kind === 'epoch' && e.key === 'student-distilled') signal.aborted = true; },
    }), plan)).rejects.toThrow(/cancelled/);
    expect(firstReads).toHaveLength(3);

    const weightReads: string[] = [];
    class CountingCheckpoint extends FinalistCheckpoint {
      override weights(key: string) { weightReads.push(key); return super.weights(key); }
    }
    const resumedReads: string[] = [];
    const events: string[] = [];
    const resumed = await runStageWithDistillation(stage({
      reads: resumedReads, store: new CountingCheckpoint(dir), onEvent: (e: StageEvent) => { if (e.kind !== 'epoch') events.push(`${e.kind} ${e.key}${e.kind === 'start' ? ` after ${e.resumedAfterEpoch}` : ''}`); },
    }), plan);
    expect(resumedReads).toHaveLength(1); // only the distilled student is tested in this session
    expect(weightReads).toEqual([d.teacher]);
    expect(events).toEqual(['reused finalist-0', 'reused finalist-1', 'reused student-alone', 'start student-distilled after 1', 'tested student-distilled']);
    expect(resumed).toEqual(full);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains exactly as alone at alpha 0 (the teacher only enters through the soft term)', async () => {
    const teacherNet = entries[0].model.build(createRngFor(1));
    try {
      const base = { model: student, data: { train, valid }, recipe: parseFinalistRecipe({ epochs: 1, batchSize: 16, learningRate: 0.05, patience: 0 }), seed: 9 };
      const alone = await retrainFinalist(base);
      const zero = await retrainFinalist({ ...base, teacher: { forward: (x) => teacherNet.forward(x, false), temperature: 4, alpha: 0 } });
      alone.net.dispose();
      zero.net.dispose();
      expect(zero.report).toEqual(alone.report);
      await expect(retrainFinalist({ ...base, teacher: { forward: (x) => teacherNet.forward(x, false), temperature: 0, alpha: 0.5 } })).rejects.toThrow(/temperature must be a number > 0, got 0/);
    } finally {
      teacherNet.dispose();
    }
  });
});
