/**
 * The finalists worker's session (workers/finalists-session.ts) under Node with fake-indexeddb and real tfjs cpu
 * training: a tiny real search stores a run, its top 2 candidates are re-trained (2 epochs) into the model registry.
 * A job stopped after epoch 1 and again right after its first model, then resumed, gives the same reports and
 * weights as an uninterrupted job; the locked test split is read exactly once per model across the resumes; the
 * registry round-trips (lineage, per-backend latency, weights, delete); and the tfjs export built from the registry
 * weights loads in stock tf.loadLayersModel with the engine's logits and the stored TEST accuracy; a latency
 * re-measured on WASM joins the model's cpu figure.
 */
import 'fake-indexeddb/auto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '../helpers/tf-node';
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { strFromU8, unzipSync } from 'fflate';
import { runJob, searchedRun } from '../helpers/finalists-db';
import { createFinalistJob } from '../../workers/finalists-session';
import { exportModelZip, networkOfModel, PYTORCH_WEIGHTS_FILE } from '../../workers/finalist-export';
import { measureModelLatency } from '../../workers/finalist-latency';
import {
  addModelLatency, deleteFinalistJob, deleteModel, getFinalistJob, getFinalistState, getModelWeights, listCandidates, listFinalistJobs, listModels,
  openDb,
} from '../../src/db';
import type { FinalistsEvent, FinalistsRequest, ModelRecord } from '../../src/protocol/finalists-api';
import { proxySubsets } from '../../src/engine/evaluator/train-setup';
import { channelStats, toTensorSplit } from '../../src/engine/evaluator/tensors';
import { loadSplit, loadDataset } from '../../src/db';
import { logitDiff } from '../helpers/export-cases';

beforeAll(async () => {
  // workers/backend.ts (imported through the search session) maps the wasm files to the app's bundled URLs; point
  // that map at the package's files so latency can be re-measured on WASM below.
  const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  setWasmPaths(Object.fromEntries(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [f, path.join(dist, f)])));
  await useBackend('cpu', { trainingKernels: true });
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});

const request: FinalistsRequest = {
  runId: 'run-1', top: 2, pareto: false, backend: 'cpu',
  recipe: { epochs: 2, batchSize: 16, learningRate: 0.05, patience: 0, bnRecalibrationBatches: 1, augment: { cropPadding: 1 } },
  targets: ['recall[top-left] >= 50%', 'params <= 1'],
};

/** Everything but the wall-clock latency. */
const timeless = (m: ModelRecord) => ({ ...m.report, latency_ms: 0, targets: m.report.targets?.filter((t) => !t.target.startsWith('latency')) });

describe('finalists session', () => {
  it('stops after an epoch and after a model, resumes to the uninterrupted result, reads the test split once per model', async () => {
    const db = await openDb(`finalists-session-${process.pid}`);
    await searchedRun(db);
    const tensorsBefore = tf.memory().numTensors;

    // Uninterrupted.
    const readsA = new Map<string, number>();
    const a = await runJob(db, await createFinalistJob(db, request, 'job-a'), { reads: readsA, latency: true });
    expect(a.error).toBeUndefined();
    expect(a.status).toBe('done');
    expect(a.entries).toHaveLength(2);
    expect([...readsA.values()]).toEqual([1, 1]);

    // Interrupted twice: after the first epoch of the first finalist, then right after its model was stored.
    const readsB = new Map<string, number>();
    let b = await runJob(db, await createFinalistJob(db, request, 'job-b'), { reads: readsB, stopWhen: (e) => e.type === 'epoch', latency: true });
    expect(b.status).toBe('paused');
    expect(b.entries[0].epochsDone).toBe(1);
    expect((await getFinalistState(db, 'job-b', b.entries[0].key))?.state.epoch).toBe(1);
    expect(readsB.size).toBe(0);
    b = await runJob(db, (await getFinalistJob(db, 'job-b'))!, { reads: readsB, stopWhen: (e) => e.type === 'model', latency: true });
    expect(b.status).toBe('paused');
    expect(b.entries[0].modelId).toBe(`job-b:${b.entries[0].key}`);
    // The model's checkpoint was replaced by the model in the same transaction.
    expect(await getFinalistState(db, 'job-b', b.entries[0].key)).toBeUndefined();
    const events: FinalistsEvent[] = [];
    b = await runJob(db, (await getFinalistJob(db, 'job-b'))!, { reads: readsB, events, latency: true });
    expect(b.status).toBe('done');
    expect([...readsB.entries()]).toEqual([[b.entries[0].key, 1], [b.entries[1].key, 1]]);
    expect(events.filter((e) => e.type === 'model')).toHaveLength(1); // the first model was reused, not tested again
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const models = await listModels(db);
    expect(models).toHaveLength(4);
    const byId = new Map(models.map((m) => [m.id, m]));
    const cands = new Map((await listCandidates(db, 'run-1')).map((c) => [c.id, c]));
    for (const e of a.entries) {
      const ma = byId.get(`job-a:${e.key}`)!;
      const mb = byId.get(`job-b:${e.key}`)!;
      expect(timeless(mb)).toEqual(timeless(ma));
      expect(ma.report.test.split).toBe('test');
      expect(ma.report.test.count).toBe(24);
      expect(ma.report.retrain.history).toHaveLength(2);
      expect(ma.report.targets?.map((t) => [t.target, t.met])).toEqual([['recall[top-left] >= 50%', ma.report.test.per_class[0].recall >= 0.5], ['params <= 1', false]]);
      const wa = await getModelWeights(db, ma.id);
      const wb = await getModelWeights(db, mb.id);
      expect(wb!.params).toEqual(wa!.params);
      expect(wb!.buffers).toEqual(wa!.buffers);
      // Registry fields: run, candidate, genotype, hash, seed, recipe, lineage, latency per backend.
      if (ma.kind !== 'finalist') throw new Error(`${ma.id} is a ${ma.kind}`);
      const c = cands.get(ma.candidateId)!;
      expect([ma.runId, ma.arch, ma.hash, ma.space]).toEqual(['run-1', c.arch, c.hash, 'nb201']);
      expect(ma.lineage.parents).toEqual(c.parents);
      expect([ma.source, ma.lineage.supernet]).toEqual(['search', undefined]);
      expect(ma.recipe.epochs).toBe(2);
      expect(Object.keys(ma.latencyMs)).toEqual(['cpu']);
      expect(ma.latencyMs.cpu).toBeGreaterThan(0);
    }
    expect((await listFinalistJobs(db, 'run-1')).map((j) => j.id).sort()).toEqual(['job-a', 'job-b']);

    // Latency on another backend adds to the map; deleting a model removes its weights; deleting a job its states.
    const first = byId.get(`job-a:${a.entries[0].key}`)!;
    const more = await addModelLatency(db, first.id, 'webgl', 1.5);
    expect(more.latencyMs).toEqual({ cpu: first.latencyMs.cpu, webgl: 1.5 });
    await deleteModel(db, first.id);
    expect(await getModelWeights(db, first.id)).toBeUndefined();
    expect((await listModels(db)).map((m) => m.id)).not.toContain(first.id);
    await deleteFinalistJob(db, 'job-b');
    expect(await getFinalistJob(db, 'job-b')).toBeUndefined();
    expect((await listModels(db)).filter((m) => m.jobId === 'job-b')).toHaveLength(2);
    db.close();
  }, 120_000);

  it('exports a registry model as a tfjs zip that stock tf.loadLayersModel loads with the engine\'s logits, and as PyTorch files', async () => {
    const db = await openDb(`finalists-export-${process.pid}`);
    const run = await searchedRun(db);
    const job = await runJob(db, await createFinalistJob(db, { ...request, top: 1, targets: [] }, 'job-x'), { reads: new Map(), latency: true });
    expect(job.status).toBe('done');
    const modelId = job.entries[0].modelId!;
    const zip = await exportModelZip(db, modelId, 'tfjs');
    expect(zip.name).toMatch(/^tiny-nb201-c\d+-job-x-tfjs\.zip$/);
    const files = unzipSync(zip.bytes);
    const folder = zip.name.replace(/\.zip$/, '');
    const json = JSON.parse(strFromU8(files[`${folder}/model.json`])) as { modelTopology: unknown; weightsManifest: { paths: string[]; weights: tfl.io.WeightsManifestEntry[] }[] };
    const bin = files[`${folder}/${json.weightsManifest[0].paths[0]}`];
    expect(bin.byteLength).toBeGreaterThan(0);
    expect(strFromU8(files[`${folder}/README.txt`])).toMatch(/TEST accuracy/);

    // The locked test split, normalised as the session did, through the exported model and the registry network.
    const ds = await loadDataset(db, 'user:quadrants');
    const split = (await loadSplit(db, 'user:quadrants'))!;
    const sub = proxySubsets(split, split.train.length, split.valid.length, run.config.seed);
    const test = toTensorSplit(ds, split.test, channelStats(ds, sub.train));
    const model = await tfl.loadLayersModel(tfl.io.fromMemory({
      modelTopology: json.modelTopology as tfl.io.ModelArtifacts['modelTopology'],
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }));
    const { model: record, net } = await networkOfModel(db, modelId);
    try {
      const theirs = (model.predict(test.x) as tf.Tensor).arraySync() as number[][];
      const ours = tf.tidy(() => net.forward(test.x, false)).arraySync() as number[][];
      const { maxDiff, scale } = logitDiff(ours, theirs);
      expect(maxDiff).toBeLessThan(1e-4 * scale);
      const labels = Array.from(await test.y.data());
      const correct = theirs.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length;
      expect(correct / labels.length).toBeCloseTo(record.report.test.accuracy, 10);
    } finally {
      model.dispose();
      net.dispose();
      test.x.dispose();
      test.y.dispose();
    }

    const py = await exportModelZip(db, modelId, 'pytorch');
    const pyFiles = unzipSync(py.bytes);
    const pyFolder = py.name.replace(/\.zip$/, '');
    expect(strFromU8(pyFiles[`${pyFolder}/model.py`])).toMatch(/class Net\(/);
    expect(strFromU8(pyFiles[`${pyFolder}/${PYTORCH_WEIGHTS_FILE}`].slice(0, 8))).toBe('NASPTW01');
    await expect(exportModelZip(db, 'nope', 'tfjs')).rejects.toThrow(/not in the registry/);

    // Re-measured on another backend: the figure joins the cpu one.
    await tf.setBackend('wasm');
    try {
      const before = tf.memory().numTensors;
      const m = await measureModelLatency(db, modelId);
      expect(Object.keys(m.latencyMs).sort()).toEqual(['cpu', 'wasm']);
      expect(m.latencyMs.wasm).toBeGreaterThan(0);
      expect(m.latencyMs.cpu).toBe(record.latencyMs.cpu);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await useBackend('cpu', { trainingKernels: true });
    }
    db.close();
  }, 120_000);

  it('refuses a bad request with a specific message', async () => {
    const db = await openDb(`finalists-bad-${process.pid}`);
    await expect(createFinalistJob(db, request)).rejects.toThrow(/Run run-1 is not in this browser's storage/);
    await searchedRun(db);
    await expect(createFinalistJob(db, { ...request, recipe: { epochs: 0 } })).rejects.toThrow(/epochs must be >= 1/);
    await expect(createFinalistJob(db, { ...request, targets: ['recall[top-left] => 3'] })).rejects.toThrow(/comparison must be one of/);
    await expect(createFinalistJob(db, { ...request, top: 0 })).rejects.toThrow(/Top k/);
    // A class-name typo is refused before any training, not after the first model.
    await expect(createFinalistJob(db, { ...request, targets: ['recall[top-lef] >= 0.9'] })).rejects.toThrow(/no class named "top-lef" \(classes: top-left, bottom-right\)/);
    db.close();
  }, 60_000);
});
