/**
 * Leak test (issue 14 item 11): the search worker's real session (workers/search-session.ts) for 24 tiny candidates,
 * each with the app's per-candidate latency measurement (the run form always sets evaluator.latency: warm-up, timed
 * batch-1 inferences and the tf.profile peak), and the one-shot worker's session (workers/oneshot-session.ts) for 8
 * DARTS epochs, both on tfjs wasm with fake-indexeddb. After a warm-up candidate / epoch, tfjs's live tensors and bytes
 * are identical after every one; the stored bytes grow by the same step per candidate (one candidate record, a
 * checkpoint and run counters that grow by an entry), and the one-shot run keeps exactly one checkpoint, whose
 * tensors never grow (its meta by a history line per epoch), while its run record grows by one chart entry per epoch; a paused and resumed one-shot run gives
 * every tensor back after each session (Adam's moments leaked 2 tensors per alpha per session before). Heap and the
 * long run: bench/soak.ts.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { runSearchSession } from '../../workers/search-session';
import { runOneShot } from '../../workers/oneshot-session';
import { validateRunConfig } from '../../workers/run-config';
import { emptyOneShotHistory, getOneShotRun, openDb, putDataset, putOneShotRun, RUN_RECORD_VERSION, type Db } from '../../src/db';
import type { RunRecord } from '../../src/protocol/run';
import { ONESHOT_RUN_VERSION, type OneShotCheckpointRecord, type OneShotRunRecord } from '../../src/protocol/oneshot-api';
import { RUN_FORM_VERSION } from '../../src/shared/run-form';
import { validateOneShotConfig } from '../../src/shared/oneshot-config';
import { approxBytes } from '../../src/db/record-size';
import { sample, seriesFigures, type SoakSample } from '../../bench/soak-probe';

let tf: Awaited<ReturnType<typeof useBackend>>;
const opened: Db[] = [];
beforeAll(async () => {
  // workers/backend.ts maps the .wasm files to the app's bundled URLs when imported; here they are read from node_modules.
  const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const files = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
  setWasmPaths(Object.fromEntries(files.map((f) => [f, path.join(dist, f)])));
  tf = await useBackend('wasm', { trainingKernels: true });
  // Node 20 has no navigator; the device fingerprint reads these two fields.
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});
afterAll(() => {
  for (const db of opened) db.close();
});

async function dbWithQuadrants(name: string): Promise<Db> {
  const db = await openDb(`${name}-${process.pid}`);
  opened.push(db);
  const idx = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);
  await putDataset(db, 'user:quadrants', quadrantDataset(48, 8, 3), { source: 'test', builtin: false, split: { method: 'stratified', seed: 0, train: idx(0, 24), valid: idx(24, 16), test: idx(40, 8) } });
  return db;
}

const CANDIDATES = 24;
const EPOCHS = 8;

describe('soak: no leak per candidate or epoch', () => {
  it(`search session: ${CANDIDATES} candidates with latency measured, tensors flat and storage linear`, async () => {
    const db = await dbWithQuadrants('soak-search');
    const config = validateRunConfig({
      version: RUN_FORM_VERSION, name: 'soak', datasetId: 'user:quadrants', space: 'nb201', strategy: 'random', seed: 7, budget: CANDIDATES,
      channels: 2, cellsPerStage: 1, epochs: 1, batchSize: 8, learningRate: 0.05, trainSamples: 16, validSamples: 8, backend: 'wasm',
      objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops',
    });
    expect(config.evaluator.latency).toBe(true); // what every app candidate runs
    const now = Date.now();
    const run: RunRecord = { version: RUN_RECORD_VERSION, id: 'soak', config, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
    const before = tf.memory().numTensors;
    const pending: Promise<SoakSample>[] = [];
    const done = await runSearchSession(db, run, 'wasm', (e) => {
      // Taken in the listener: the candidate is committed, its network disposed, the next not yet built.
      if (e.type === 'candidate') pending.push(sample(e.record.id, db, ['runs', 'candidates', 'checkpoints']));
    }, new AbortController().signal);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('done');
    const samples = await Promise.all(pending);
    expect(samples.map((s) => s.index)).toEqual(Array.from({ length: CANDIDATES }, (_, i) => i));
    for (const s of samples.slice(1)) expect(s.byStore.checkpoints).toBeGreaterThan(0);
    for (const [i, s] of samples.entries()) expect(s.byStore.candidates, `candidate ${i} stored`).toBeGreaterThan(0);
    // Every candidate measured its latency and inference peak.
    const cands = await db.getAll('candidates');
    for (const c of cands) expect(c.metrics.latency_ms).toBeGreaterThan(0);

    // After the first candidate (kernels' one-time constants), every candidate leaves exactly the same tensors.
    const warm = samples.slice(1);
    expect(warm.map((s) => s.numTensors)).toEqual(warm.map(() => warm[0].numTensors));
    expect(warm.map((s) => s.numBytes)).toEqual(warm.map(() => warm[0].numBytes));
    // And the session gives every tensor back when it ends.
    expect(tf.memory().numTensors).toBe(before);

    // Storage grows by about one candidate's worth per candidate: each step within 20% of the median step.
    const stored = seriesFigures(samples.map((s) => s.storedBytes));
    expect(stored.medianStep).toBeGreaterThan(0);
    expect(stored.maxStepDeviation).toBeLessThan(0.2 * stored.medianStep);
  });

  it(`one-shot session: ${EPOCHS} DARTS epochs, tensors flat, one checkpoint whose tensors keep their size`, async () => {
    const db = await dbWithQuadrants('soak-oneshot');
    const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8')) as Record<string, unknown>;
    const config = validateOneShotConfig({
      ...example, name: 'soak darts', space: 'nb201', datasetId: 'user:quadrants', channels: 2, epochs: EPOCHS, batchSize: 8, trainSamples: 16, validSamples: 16, backend: 'wasm',
      darts: { ...(example.darts as object), maxSkips: 0 }, // no DARTS+ early stop: every epoch runs
    });
    const initial: OneShotRunRecord = {
      version: ONESHOT_RUN_VERSION, id: 'soak-os', config, status: 'created', stopCause: null, epoch: 0, stepsPerEpoch: 0, phase: 'train',
      history: emptyOneShotHistory(), arch: null, candidates: [], createdAt: 1, updatedAt: 1,
    };
    await putOneShotRun(db, initial);
    const before = tf.memory().numTensors;
    const pending: Promise<SoakSample>[] = [];
    const checkpoints: Promise<OneShotCheckpointRecord | undefined>[] = [];
    const done = await runOneShot(db, initial, 'wasm', (e) => {
      if (e.type !== 'checkpoint') return;
      pending.push(sample(e.epoch, db, ['oneshotRuns', 'oneshotCheckpoints']));
      checkpoints.push(db.get('oneshotCheckpoints', 'soak-os'));
    }, new AbortController().signal);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('done');
    expect(done.stopCause).toBe('exhausted');
    // The searcher gives every tensor back when the run ends (its optimisers' moments included).
    expect(tf.memory().numTensors).toBe(before);
    const samples = await Promise.all(pending);
    const cps = await Promise.all(checkpoints);
    // One save per epoch, and the run's end saves the last epoch once more.
    expect(samples.map((s) => s.index)).toEqual([...Array.from({ length: EPOCHS }, (_, i) => i + 1), EPOCHS]);

    const warm = samples.slice(1);
    expect(warm.map((s) => s.numTensors)).toEqual(warm.map(() => warm[0].numTensors));
    expect(warm.map((s) => s.numBytes)).toEqual(warm.map(() => warm[0].numBytes));
    // One checkpoint is kept; its tensors (supernet weights, alphas, optimiser state) never grow, and its meta grows
    // by the searcher's one-line-per-epoch history only.
    expect(await db.getAllKeys('oneshotCheckpoints')).toEqual(['soak-os']);
    const tensorBytes = cps.map((c) => approxBytes(c!.tensors));
    expect(tensorBytes).toEqual(tensorBytes.map(() => tensorBytes[0]));
    const meta = seriesFigures(cps.map((c) => approxBytes(c!.meta)));
    expect(meta.max - meta.min).toBeLessThan(EPOCHS * 1024);
    // The run record grows by about one epoch's chart history per epoch.
    const runBytes = seriesFigures(samples.slice(0, EPOCHS).map((s) => s.byStore.oneshotRuns));
    expect(runBytes.medianStep).toBeGreaterThan(0);
    expect(runBytes.maxStepDeviation).toBeLessThan(0.25 * runBytes.medianStep);
  });
})
  it('one-shot session: a run paused after epoch 2 and resumed twice gives every tensor back each time', async () => {
    const db = await dbWithQuadrants('soak-oneshot-resume');
    const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8')) as Record<string, unknown>;
    const config = validateOneShotConfig({
      ...example, name: 'soak resume', space: 'nb201', datasetId: 'user:quadrants', channels: 2, epochs: 5, batchSize: 8, trainSamples: 16, validSamples: 16, backend: 'wasm',
      darts: { ...(example.darts as object), maxSkips: 0 },
    });
    const initial: OneShotRunRecord = {
      version: ONESHOT_RUN_VERSION, id: 'soak-resume', config, status: 'created', stopCause: null, epoch: 0, stepsPerEpoch: 0, phase: 'train',
      history: emptyOneShotHistory(), arch: null, candidates: [], createdAt: 1, updatedAt: 1,
    };
    await putOneShotRun(db, initial);
    const before = tf.memory().numTensors;
    // Each session stops after its second epoch; the third session finishes the run (a restore rebuilds the optimisers).
    for (const expected of ['paused', 'paused', 'done'] as const) {
      const stopper = new AbortController();
      const stored = (await getOneShotRun(db, 'soak-resume'))!;
      const startEpoch = stored.epoch;
      const run = await runOneShot(db, stored, 'wasm', (e) => { if (e.type === 'checkpoint' && e.epoch >= startEpoch + 2) stopper.abort(); }, stopper.signal);
      expect(run.error).toBeUndefined();
      expect(run.status).toBe(expected);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
;
