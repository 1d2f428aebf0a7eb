/**
 * Backend loss in the workers' sessions (issue 14, item 4) under Node, with real tfjs cpu training and fake-indexeddb.
 * In the browser a lost WebGPU device or WebGL context (workers/backend-loss.ts) aborts the job and makes every
 * later save throw (the sessions' `checkBackend`), because what a lost GPU computed after the loss is not to be
 * trusted. Here the loss is declared at the moment a candidate / epoch has finished training but is not yet stored
 * (the worst moment): nothing computed after it is stored, the last complete state stays, and the job resumes from
 * it. (The device and context themselves are lost for real in tests/e2e/backend-loss.test.ts.)
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantDataset } from '../helpers/synthetic';
import { runSearchSession } from '../../workers/search-session';
import { runOneShot } from '../../workers/oneshot-session';
import { createFinalistJob, runFinalistJob } from '../../workers/finalists-session';
import { validateRunConfig } from '../../workers/run-config';
import {
  emptyOneShotHistory, getCheckpoint, getFinalistJob, getFinalistState, getOneShotCheckpoint, getOneShotRun, getRun, listCandidates, listModels, openDb,
  putDataset, putOneShotRun, RUN_RECORD_VERSION, type Db,
} from '../../src/db';
import { ONESHOT_RUN_VERSION, type OneShotRunRecord } from '../../src/protocol/oneshot-api';
import type { FinalistsRequest } from '../../src/protocol/finalists-api';
import type { RunRecord } from '../../src/protocol/run';
import { RUN_FORM_VERSION } from '../../src/shared/run-form';
import { validateOneShotConfig } from '../../src/shared/oneshot-config';

beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});

let count = 0;
const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});
const ids = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);

async function freshDb(): Promise<Db> {
  const db = await openDb(`backend-loss-${process.pid}-${++count}`);
  opened.push(db);
  await putDataset(db, 'user:quadrants', quadrantDataset(96, 8, 3), { source: 'test', builtin: false, split: { method: 'stratified', seed: 0, train: ids(0, 48), valid: ids(48, 24), test: ids(72, 24) } });
  return db;
}

/** What the worker's BackendLossGuard does on a loss: the job is aborted and every later save refuses. */
function lossSwitch() {
  const ctl = new AbortController();
  let lost = false;
  return {
    signal: ctl.signal,
    lose() { lost = true; ctl.abort(); },
    checkBackend() { if (lost) throw Object.assign(new Error('The webgpu backend was lost (the GPU device was destroyed).'), { name: 'BackendLostError' }); },
  };
}

const searchConfig = () => validateRunConfig({
  version: RUN_FORM_VERSION, name: 'tiny nb201', datasetId: 'user:quadrants', space: { space: 'nb201' },
  strategy: 'evolution', seed: 3, budget: 3, channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 16, learningRate: 0.05,
  trainSamples: 48, validSamples: 24, backend: 'cpu', objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops',
});

function newRun(id: string): RunRecord {
  const now = Date.now();
  return { version: RUN_RECORD_VERSION, id, config: searchConfig(), status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
}

describe('backend loss in the sessions', () => {
  it('search: a candidate trained when the backend was lost is not stored; the resumed run has every id once', async () => {
    const db = await freshDb();
    const loss = lossSwitch();
    // Candidate 1 has trained its last epoch; the loss comes before it is stored.
    await runSearchSession(db, newRun('s'), 'cpu', (e) => { if (e.type === 'epoch' && e.id === 1) loss.lose(); }, loss.signal, () => loss.checkBackend());
    expect((await listCandidates(db, 's')).map((c) => c.id)).toEqual([0]);
    expect((await getCheckpoint(db, 's'))?.nextId).toBe(1);
    expect((await getRun(db, 's'))?.completed).toBe(1);
    const done = await runSearchSession(db, (await getRun(db, 's'))!, 'cpu', () => undefined, new AbortController().signal);
    expect(done.status).toBe('done');
    expect((await listCandidates(db, 's')).map((c) => c.id)).toEqual([0, 1, 2]);
  });

  it('one-shot: the epoch trained when the backend was lost is not checkpointed; the run is not failed and resumes from the last checkpoint', async () => {
    const db = await freshDb();
    const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8')) as Record<string, unknown>;
    const config = validateOneShotConfig({
      ...example, name: 'tiny darts', method: 'darts', space: 'nb201', datasetId: 'user:quadrants', channels: 2, epochs: 2, batchSize: 8, trainSamples: 16, validSamples: 16, backend: 'cpu',
    });
    const initial: OneShotRunRecord = {
      version: ONESHOT_RUN_VERSION, id: 'o', config, status: 'created', stopCause: null, epoch: 0, stepsPerEpoch: 0, phase: 'train',
      history: emptyOneShotHistory(), arch: null, candidates: [], createdAt: 1, updatedAt: 1,
    };
    await putOneShotRun(db, initial);
    const loss = lossSwitch();
    // The second epoch has trained; the loss comes before its checkpoint.
    const left = await runOneShot(db, initial, 'cpu', (e) => { if (e.type === 'epoch' && e.epoch === 1) loss.lose(); }, loss.signal, () => loss.checkBackend());
    const stored = (await getOneShotRun(db, 'o'))!;
    expect(left.epoch).toBe(1);
    expect(stored.status).not.toBe('failed');
    expect(stored.error).toBeUndefined();
    expect(stored.epoch).toBe(1);
    expect(stored.history.epochs.map((x) => x.epoch)).toEqual([0]);
    expect((await getOneShotCheckpoint(db, 'o'))?.epoch).toBe(1);
    const done = await runOneShot(db, { ...stored, status: 'paused' }, 'cpu', () => undefined, new AbortController().signal);
    expect(done.status).toBe('done');
    expect(done.history.epochs.map((x) => x.epoch)).toEqual([0, 1]);
  });

  it('finalists: the epoch trained when the backend was lost is not saved, no model is stored; the job resumes to done', async () => {
    const db = await freshDb();
    expect((await runSearchSession(db, newRun('run-1'), 'cpu', () => undefined, new AbortController().signal)).status).toBe('done');
    const request: FinalistsRequest = {
      runId: 'run-1', top: 1, pareto: false, backend: 'cpu',
      recipe: { epochs: 2, batchSize: 16, learningRate: 0.05, patience: 0, bnRecalibrationBatches: 1, augment: { cropPadding: 1 } },
      targets: [],
    };
    const job = await createFinalistJob(db, request, 'job');
    const loss = lossSwitch();
    // The second (last) epoch has trained; the loss comes before its state and the model are stored.
    const left = await runFinalistJob(db, job, (e) => { if (e.type === 'epoch' && e.epoch === 2) loss.lose(); }, loss.signal, { latency: false, checkBackend: () => loss.checkBackend() });
    expect(left.status).toBe('paused');
    expect(left.entries[0].epochsDone).toBe(1);
    expect((await getFinalistState(db, 'job', left.entries[0].key))?.state.epoch).toBe(1);
    expect(await listModels(db)).toEqual([]);
    const done = await runFinalistJob(db, (await getFinalistJob(db, 'job'))!, () => undefined, new AbortController().signal, { latency: false });
    expect(done.status).toBe('done');
    expect((await listModels(db)).map((m) => m.key)).toEqual([left.entries[0].key]);
  });
});
