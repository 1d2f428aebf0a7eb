/**
 * Finalists of a One-shot-tab run (issue 13, items 1 and 7) through the finalists worker's session
 * (workers/finalists-session.ts + workers/finalists-source.ts) under Node with fake-indexeddb and real tfjs cpu
 * training: a tiny real SPOS run (workers/oneshot-session.ts) is stored, its top architecture (the first of the
 * run's selected top k) is re-trained for 1 epoch as the standalone network of the supernet's own skeleton and
 * tested once. The registry record names its source and the supernet it was ranked in; the weights load back into
 * that network. A tiny DARTS run's final derived cell is stopped after its first re-training epoch and resumed to
 * the end, still tested once, naming the supernet of the epoch it was derived at. An imported copy of the run
 * re-trains while its dataset is stored and says what to do when it is not.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { quadrantDataset } from '../helpers/synthetic';
import {
  emptyOneShotHistory, exportOneShotRunFile, getOneShotRun, importOneShotRunFile, listFinalistJobs, listModels, openDb, putDataset, putOneShotRun, type Db,
  isSearchedModel,
} from '../../src/db';
import { ONESHOT_RUN_VERSION, type OneShotRunRecord } from '../../src/protocol/oneshot-api';
import type { FinalistsRequest } from '../../src/protocol/finalists-api';
import { validateOneShotConfig } from '../../src/shared/oneshot-config';
import { oneShotSkeleton, pickOneShot } from '../../src/engine/finalists/oneshot-plan';
import { runOneShot } from '../../workers/oneshot-session';
import { createFinalistJob, runFinalistJob } from '../../workers/finalists-session';
import { networkOfModel } from '../../workers/finalist-export';

const opened: Db[] = [];
let dbCount = 0;
async function freshDb(withDataset: boolean): Promise<Db> {
  const db = await openDb(`test-finalists-oneshot-${process.pid}-${++dbCount}`);
  opened.push(db);
  if (withDataset) {
    const ids = (from: number, to: number) => Uint32Array.from({ length: to - from }, (_, i) => from + i);
    await putDataset(db, 'user:quads', quadrantDataset(48, 8, 2), { source: 'test', builtin: false, split: { method: 'test', seed: 1, train: ids(0, 16), valid: ids(16, 32), test: ids(32, 48) } });
  }
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});
beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
});

const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8')) as Record<string, unknown>;
const SPOS = validateOneShotConfig({
  ...example, name: 'tiny spos', space: 'nb201', datasetId: 'user:quads', channels: 2, epochs: 1, batchSize: 8, trainSamples: 16, validSamples: 16, backend: 'cpu',
  method: 'spos', spos: { subnets: 4, flopsPenalty: 0.5, topK: 2, rankingCheck: 2, rankingCheckEpochs: 1 },
});

const DARTS = validateOneShotConfig({ ...SPOS, name: 'tiny darts', method: 'darts', epochs: 2 });

async function sposRun(db: Db, id = 'spos-run', config = SPOS): Promise<OneShotRunRecord> {
  const initial: OneShotRunRecord = {
    version: ONESHOT_RUN_VERSION, id, config, status: 'created', stopCause: null, epoch: 0, stepsPerEpoch: 0, phase: 'train',
    history: emptyOneShotHistory(), arch: null, candidates: [], createdAt: 1, updatedAt: 1,
  };
  await putOneShotRun(db, initial);
  const done = await runOneShot(db, initial, 'cpu', () => undefined, new AbortController().signal);
  expect(done.error).toBeUndefined();
  return (await getOneShotRun(db, id))!;
}

const request = (runId: string): FinalistsRequest => ({
  source: 'oneshot', runId, top: 1, pareto: false, backend: 'cpu', targets: ['accuracy >= 10%'],
  recipe: { epochs: 1, batchSize: 8, learningRate: 0.05, patience: 0, bnRecalibrationBatches: 1 },
});

describe('finalists of a one-shot run', () => {
  it('re-trains the top SPOS architecture on the supernet skeleton, tests it once, records the supernet it was ranked in', async () => {
    const db = await freshDb(true);
    const run = await sposRun(db);
    expect(run.status).toBe('done');
    const top = pickOneShot(run.candidates, 1)[0];
    expect(top.selected).toBe(true);

    const tensors = tf.memory().numTensors;
    const reads: string[] = [];
    const job = await createFinalistJob(db, request(run.id), 'job-os');
    expect(job.runName).toBe('tiny spos');
    expect(job.entries.map((e) => [e.candidateId, e.arch, e.hash])).toEqual([[top.id, top.arch, top.hash]]);
    const done = await runFinalistJob(db, job, () => undefined, new AbortController().signal, { latency: false, onTestRead: (k) => reads.push(k) });
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('done');
    expect(reads).toEqual([job.entries[0].key]);
    expect(tf.memory().numTensors).toBe(tensors);

    const [model] = (await listModels(db)).filter(isSearchedModel);
    expect(model.source).toBe('oneshot');
    expect(model.lineage).toEqual({ parents: [], supernet: top.supernet });
    expect(model.lineage.supernet?.runId).toBe('spos-run');
    expect(model.lineage.supernet?.epoch).toBe(1);
    expect([model.runId, model.space, model.arch, model.hash, model.datasetId]).toEqual(['spos-run', 'nb201', top.arch, top.hash, 'user:quads']);
    expect(model.skeleton).toEqual(oneShotSkeleton(SPOS, { inputShape: [8, 8, 1], numClasses: 2 }));
    expect(model.report.test).toMatchObject({ split: 'test', count: 16 });
    expect(model.report.retrain.history).toHaveLength(1);
    expect(model.report.targets?.[0].target).toBe('accuracy >= 10%');
    expect((await listFinalistJobs(db, 'spos-run')).map((j) => j.id)).toEqual(['job-os']);
    // The stored weights rebuild the standalone network (what the exports are made from).
    const { net } = await networkOfModel(db, model.id);
    expect(net.countParams()).toBe(model.report.params);
    net.dispose();
  }, 120_000);

  it('DARTS: the final derived cell, stopped after its first epoch and resumed, tested once, naming the 2-epoch supernet', async () => {
    const db = await freshDb(true);
    const run = await sposRun(db, 'darts-run', DARTS);
    expect(run.candidates.map((c) => c.source)).toEqual(['derived', 'derived']);
    const last = run.candidates[1];
    const reads: string[] = [];
    const hooks = { latency: false, onTestRead: (k: string) => reads.push(k) };
    const job = await createFinalistJob(db, { ...request('darts-run'), recipe: { ...request('darts-run').recipe, epochs: 2 } }, 'job-darts');
    expect(job.entries.map((e) => e.arch)).toEqual([last.arch]);
    const tensors = tf.memory().numTensors;
    const ctl = new AbortController();
    const paused = await runFinalistJob(db, job, (e) => { if (e.type === 'epoch') ctl.abort(); }, ctl.signal, hooks);
    expect([paused.status, paused.entries[0].epochsDone, reads.length]).toEqual(['paused', 1, 0]);
    const done = await runFinalistJob(db, paused, () => undefined, new AbortController().signal, hooks);
    expect(done.status).toBe('done');
    expect(reads).toEqual([job.entries[0].key]);
    expect(tf.memory().numTensors).toBe(tensors);
    const [model] = (await listModels(db)).filter(isSearchedModel);
    expect(model.report.retrain.history).toHaveLength(2);
    expect(model.lineage.supernet).toEqual(last.supernet);
    expect(model.lineage.supernet?.epoch).toBe(2);
  }, 120_000);

  it('an imported one-shot run re-trains while its dataset is stored and names the missing dataset otherwise', async () => {
    const db = await freshDb(true);
    await sposRun(db);
    const file = JSON.parse(JSON.stringify(await exportOneShotRunFile(db, 'spos-run'))) as unknown;
    const copy = await importOneShotRunFile(db, file, 'tiny.nas-run.json', () => 'copy');
    const job = await createFinalistJob(db, request(copy.id), 'job-copy');
    const done = await runFinalistJob(db, job, () => undefined, new AbortController().signal, { latency: false });
    expect(done.status).toBe('done');
    const model = (await listModels(db)).filter(isSearchedModel).find((m) => m.runId === 'copy')!;
    // The lineage names the supernet of the run that trained it, not the imported copy.
    expect(model.lineage.supernet?.runId).toBe('spos-run');

    const bare = await freshDb(false);
    await importOneShotRunFile(bare, file, 'tiny.nas-run.json', () => 'copy');
    await expect(createFinalistJob(bare, request('copy'))).rejects.toThrow('Dataset "user:quads" of one-shot run "tiny spos" is not stored in this browser; import it (Data tab) to re-train this run\'s finalists');
    await expect(createFinalistJob(bare, { ...request('copy'), pareto: true })).rejects.toThrow(/not stored in this browser/);
    await expect(createFinalistJob(db, { ...request('copy'), pareto: true })).rejects.toThrow('One-shot run "tiny spos" has no Pareto axes');
    await expect(createFinalistJob(db, request('nope'))).rejects.toThrow("One-shot run nope is not in this browser's storage");
  }, 120_000);
});
