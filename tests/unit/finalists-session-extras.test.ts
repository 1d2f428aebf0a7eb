/**
 * The finalists worker's session (workers/finalists-session.ts) with HPO, a hand-designed baseline and
 * distillation (issue 13, items 4-6), under Node with fake-indexeddb and real tfjs cpu training on a tiny real
 * search: every model is tested once (the session's test-read hook), the baseline and both students are stored in
 * the registry by kind (the baseline without a genotype, and without a download), each report carries its HPO
 * trials and choice. A job stopped in the finalist's final training (after its HPO was stored) and again before the
 * students (after the teacher was stored), then resumed, reuses the stored HPO (the session says so, and runs no
 * trial for it) and rebuilds the teacher from the registry's weights, ending with the uninterrupted job's reports
 * and weights; the tensor count stays flat.
 */
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { runJob, searchedRun } from '../helpers/finalists-db';
import { createFinalistJob } from '../../workers/finalists-session';
import { exportModelZip } from '../../workers/finalist-export';
import { measureModelLatency } from '../../workers/finalist-latency';
import { getFinalistJob, getModelWeights, listModels, openDb } from '../../src/db';
import type { FinalistsEvent, FinalistsRequest, ModelRecord } from '../../src/protocol/finalists-api';

beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});

const request: FinalistsRequest = {
  runId: 'run-1', top: 1, pareto: false, backend: 'cpu', targets: [],
  recipe: {
    epochs: 2, batchSize: 16, learningRate: 0.05, patience: 0, bnRecalibrationBatches: 1, augment: { cropPadding: 1 },
    hpo: { enabled: true, configs: 3, eta: 3, minEpochs: 1 },
  },
  baselines: ['mobilenet'],
  distill: { student: 'narrow', temperature: 4, alpha: 0.7 },
};

const KEYS = ['baseline-mobilenet', 'student-alone', 'student-distilled'];

describe('finalists session with HPO, a baseline and distillation', () => {
  it('trains and tests every model once, stores them by kind, and resumes to the same result reusing HPO and the teacher', async () => {
    const db = await openDb(`finalists-extras-${process.pid}`);
    await searchedRun(db);
    const tensorsBefore = tf.memory().numTensors;

    const readsA = new Map<string, number>();
    const eventsA: FinalistsEvent[] = [];
    const a = await runJob(db, await createFinalistJob(db, request, 'job-a'), { reads: readsA, events: eventsA, latency: false });
    expect(a.error).toBeUndefined();
    expect(a.status).toBe('done');
    const finalistKey = a.entries[0].key;
    expect(a.extras?.map((e) => [e.key, e.kind])).toEqual([['baseline-mobilenet', 'baseline'], ['student-alone', 'student'], ['student-distilled', 'student']]);
    expect([...readsA.entries()]).toEqual([[finalistKey, 1], ...KEYS.map((k) => [k, 1])]);
    // HPO ran for every model: 3 configurations at rung 0, the winner is the final training.
    for (const k of [finalistKey, ...KEYS]) {
      expect(eventsA.filter((e) => e.type === 'hpo-trial' && e.key === k)).toHaveLength(3);
      expect(eventsA.find((e) => e.type === 'hpo' && e.key === k)).toMatchObject({ reused: false });
    }
    expect(a.entries[0].hpo?.trials).toHaveLength(3);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const modelsA = new Map((await listModels(db)).map((m) => [m.key, m]));
    const finalist = modelsA.get(finalistKey)!;
    const baseline = modelsA.get('baseline-mobilenet')!;
    const alone = modelsA.get('student-alone')!;
    const distilled = modelsA.get('student-distilled')!;
    expect([finalist.kind, baseline.kind, alone.kind, distilled.kind]).toEqual(['finalist', 'baseline', 'student', 'student']);
    if (baseline.kind !== 'baseline' || alone.kind !== 'student' || distilled.kind !== 'student' || finalist.kind !== 'finalist') throw new Error('kinds');
    expect('genotype' in baseline).toBe(false);
    expect(baseline.baseline).toBe('mobilenet');
    expect(baseline.description).toMatch(/MobileNetV2/);
    expect(baseline.inputShape).toEqual([8, 8, 1]);
    expect(distilled.student).toMatchObject({ teacher: finalistKey, distilled: true, temperature: 4, alpha: 0.7 });
    expect(alone.student.distilled).toBe(false);
    // The narrow student: the teacher's genotype at half the channels, fewer params.
    expect('arch' in distilled && distilled.arch).toBe(finalist.arch);
    expect(distilled.report.params).toBeLessThan(finalist.report.params);
    expect(alone.report.params).toBe(distilled.report.params);
    for (const m of modelsA.values()) {
      expect(m.report.hpo?.chosen.learning_rate).toBeGreaterThan(0);
      expect(m.report.test.count).toBe(24);
    }
    // No broken download for a baseline; its latency can still be measured (rebuilt from its name and input).
    await expect(exportModelZip(db, baseline.id, 'tfjs')).rejects.toThrow(/No download for the hand-designed baseline mobilenet/);
    const measured = await measureModelLatency(db, baseline.id);
    expect(measured.latencyMs.cpu).toBeGreaterThan(0);
    expect((await exportModelZip(db, distilled.id, 'tfjs')).bytes.byteLength).toBeGreaterThan(0);

    // Stopped in the finalist's final training (its HPO stored), then before the students (the teacher stored).
    const readsB = new Map<string, number>();
    const eventsB: FinalistsEvent[] = [];
    let b = await runJob(db, await createFinalistJob(db, request, 'job-b'), { reads: readsB, events: eventsB, stopWhen: (e) => e.type === 'epoch', latency: false });
    expect(b.status).toBe('paused');
    expect(b.entries[0].hpo?.chosen).toEqual(a.entries[0].hpo?.chosen);
    expect(readsB.size).toBe(0);
    const trialsOf = (key: string) => eventsB.filter((e) => e.type === 'hpo-trial' && e.key === key).length;
    expect(trialsOf(finalistKey)).toBe(3);
    b = await runJob(db, (await getFinalistJob(db, 'job-b'))!, { reads: readsB, events: eventsB, stopWhen: (e) => e.type === 'start' && e.key === 'student-alone', latency: false });
    expect(b.status).toBe('paused');
    // The finalist's HPO was read back, not searched again.
    expect(trialsOf(finalistKey)).toBe(3);
    expect(trialsOf('baseline-mobilenet')).toBe(3);
    expect(eventsB.filter((e) => e.type === 'hpo' && e.key === finalistKey).map((e) => e.type === 'hpo' && e.reused)).toEqual([false, true]);
    b = await runJob(db, (await getFinalistJob(db, 'job-b'))!, { reads: readsB, events: eventsB, latency: false });
    expect(b.status).toBe('done');
    expect([...readsB.entries()]).toEqual([[finalistKey, 1], ...KEYS.map((k) => [k, 1])]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const modelsB = new Map((await listModels(db)).filter((m) => m.jobId === 'job-b').map((m) => [m.key, m]));
    const same = (m: ModelRecord) => ({ ...m.report, latency_ms: 0 });
    for (const [key, ma] of modelsA) {
      const mb = modelsB.get(key)!;
      expect(same(mb)).toEqual(same(ma));
      expect((await getModelWeights(db, mb.id))!.params).toEqual((await getModelWeights(db, ma.id))!.params);
    }
    db.close();
  }, 180_000);

  it('refuses bad baselines and distillation settings before any training; a half-width baseline student has no genotype and no download', async () => {
    const db = await openDb(`finalists-extras-bad-${process.pid}`);
    await searchedRun(db);
    await expect(createFinalistJob(db, { ...request, baselines: ['vgg'] })).rejects.toThrow(/baseline "vgg": must be resnet or mobilenet/);
    await expect(createFinalistJob(db, { ...request, baselines: ['resnet', 'resnet'] })).rejects.toThrow(/baseline "resnet" is asked for twice/);
    await expect(createFinalistJob(db, { ...request, distill: { student: 'tiny', temperature: 4, alpha: 0.5 } })).rejects.toThrow(/distillation student: baseline "tiny"/);
    await expect(createFinalistJob(db, { ...request, distill: { student: 'narrow', temperature: 0, alpha: 0.5 } })).rejects.toThrow(/temperature must be a number > 0/);
    await expect(createFinalistJob(db, { ...request, distill: { student: 'narrow', temperature: 4, alpha: 2 } })).rejects.toThrow(/alpha must be a number in \[0, 1\]/);

    // A half-width baseline as the student: stored without a genotype, its download refused, saying why.
    const tensorsBefore = tf.memory().numTensors;
    const job = await runJob(db, await createFinalistJob(db, {
      ...request, baselines: [], recipe: { ...request.recipe, epochs: 1, hpo: { enabled: false } }, distill: { student: 'mobilenet-0.5', temperature: 2, alpha: 0.5 },
    }, 'job-s'), { reads: new Map(), latency: false });
    expect(job.status).toBe('done');
    const students = (await listModels(db)).filter((m) => m.kind === 'student');
    expect(students).toHaveLength(2);
    for (const m of students) {
      expect('genotype' in m).toBe(false);
      expect('baseline' in m && m.baseline).toBe('mobilenet-0.5');
      expect(m.report.hpo).toBeUndefined();
      await expect(exportModelZip(db, m.id, 'pytorch')).rejects.toThrow(/No download for a student built from mobilenet-0.5/);
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    db.close();
  }, 60_000);
});
