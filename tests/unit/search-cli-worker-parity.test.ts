/**
 * One search core, two hosts: the same config and seed run through the headless runner's host
 * (scripts/node/search-run.ts, checkpoint file) and through the search worker's session (workers/search-session.ts,
 * fake IndexedDB) give identical candidate logs — ids, architectures, hashes, metrics (valid_acc, train_loss,
 * params, flops, ...) and objectives — with real training on the same backend, also when each run is stopped after
 * two candidates and resumed from what its host stored. The config is one object in the one run-config schema: the
 * runner's file format and what the worker stores. Only the wall-clock train_ms may differ.
 */
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useBackend } from '../helpers/tf-node';
import { runSearchConfig } from '../../scripts/node/search-run';
import { loadBuiltinMnist } from '../../scripts/node/builtin';
import { runSearchSession } from '../../workers/search-session';
import { validateRunConfig } from '../../workers/run-config';
import { parseRunConfig } from '../../src/shared/run-config';
import type { LoggedCandidate } from '../../src/engine/search/loop';
import { MNIST_10K } from '../../src/engine/data/builtin';
import { getRun, listCandidates, openDb, putDataset, RUN_RECORD_VERSION } from '../../src/db';
import type { RunRecord } from '../../src/protocol/run';

const root = path.resolve(import.meta.dirname, '../..');
const quiet = () => undefined;

beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});

const SEED = 5;
const BUDGET = 4;
const STOP_AFTER = 2;
const TRAIN = { channels: 2, cellsPerStage: 1, epochs: 1, batchSize: 16, learningRate: 0.05, trainSamples: 48, validSamples: 32 };
/** The run, as a --config file would hold it and as the worker stores it. */
const CONFIG = {
  version: 3, name: 'parity', space: 'nb201', strategy: { name: 'reinforce', options: {} }, seed: SEED, budget: { queries: BUDGET },
  objective: { metric: 'valid_acc', penalties: [{ metric: 'params', lambda: 1e-4 }], constraints: [] },
  evaluator: { kind: 'train', dataset: MNIST_10K.id, backend: 'cpu', latency: false, ...TRAIN }, pareto: { accuracy: 'valid_acc', cost: 'flops' },
};

/** Wall-clock numbers: the only metrics two runs of the same candidate may disagree on. */
const WALL_CLOCK = /^train_ms$/;

/** What the test compares of a log entry or a stored candidate record. */
function comparable(e: LoggedCandidate): object {
  const metrics = Object.fromEntries(Object.entries(e.metrics).filter(([k]) => !WALL_CLOCK.test(k)).sort(([a], [b]) => a.localeCompare(b)));
  return { id: e.id, arch: e.arch, hash: e.hash, objective: e.objective, feasible: e.feasible, metrics };
}

async function viaCli(stopAfter: number | null): Promise<LoggedCandidate[]> {
  const cfg = parseRunConfig(CONFIG);
  const checkpoint = path.join(mkdtempSync(path.join(tmpdir(), 'nas-parity-')), 'run.checkpoint.json');
  if (stopAfter !== null) {
    const ac = new AbortController();
    const first = await runSearchConfig(cfg, {
      repoRoot: root, log: quiet, checkpoint, signal: ac.signal,
      onEvent: (e) => { if (e.type === 'candidate' && e.entry.id === stopAfter - 1) ac.abort(); },
    });
    expect([first.stopReason, first.queries]).toEqual(['aborted', stopAfter]);
  }
  const evaluated: number[] = [];
  const result = await runSearchConfig(cfg, { repoRoot: root, log: quiet, checkpoint, onEvent: (e) => { if (e.type === 'candidate') evaluated.push(e.entry.id); } });
  expect(result.stopReason).toBe('budget');
  // A resumed run evaluates only what the checkpoint file does not hold.
  expect(evaluated).toEqual(Array.from({ length: BUDGET - (stopAfter ?? 0) }, (_, i) => (stopAfter ?? 0) + i));
  return [...result.log];
}

async function viaWorker(stopAfter: number): Promise<LoggedCandidate[]> {
  const db = await openDb(`search-parity-${process.pid}`);
  // The built-in MNIST subset with its locked split, as the app stores it.
  const { ds, split } = await loadBuiltinMnist(root);
  await putDataset(db, MNIST_10K.id, ds, { source: MNIST_10K.source, builtin: true, split: { method: 'stratified', seed: MNIST_10K.split.seed, ...split } });
  const config = validateRunConfig(CONFIG);
  const now = Date.now();
  const run: RunRecord = { version: RUN_RECORD_VERSION, id: 'parity', config, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
  const stopper = new AbortController();
  const paused = await runSearchSession(db, run, 'cpu', (e) => { if (e.type === 'candidate' && e.record.id === stopAfter - 1) stopper.abort(); }, stopper.signal);
  expect([paused.status, paused.completed, paused.error]).toEqual(['paused', stopAfter, undefined]);
  const started: number[] = [];
  const done = await runSearchSession(db, (await getRun(db, 'parity'))!, 'cpu', (e) => { if (e.type === 'candidate-start') started.push(e.id); }, new AbortController().signal);
  expect(started).toEqual([STOP_AFTER, STOP_AFTER + 1]);
  expect([done.status, done.completed]).toEqual(['done', BUDGET]);
  const records = await listCandidates(db, 'parity');
  db.close();
  return records;
}

describe('the headless runner and the search worker host the same search core', () => {
  it('give identical candidate logs for the same config and seed, across a stop/resume boundary', async () => {
    const uninterrupted = await viaCli(null);
    const cli = await viaCli(STOP_AFTER);
    const worker = await viaWorker(STOP_AFTER);
    expect(uninterrupted.map((e) => e.id)).toEqual([0, 1, 2, 3]);
    for (const key of ['valid_acc', 'train_loss', 'params', 'flops']) expect(Object.keys(uninterrupted[0].metrics)).toContain(key);
    expect(cli.map(comparable)).toEqual(uninterrupted.map(comparable));
    expect(worker.map(comparable)).toEqual(uninterrupted.map(comparable));
    for (const r of worker) expect(r.metrics.latency_ms).toBeUndefined(); // evaluator.latency: false, on both hosts
  }, 240_000);
});
