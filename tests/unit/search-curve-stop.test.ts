/**
 * Learning-curve stopping in a search (engine/evaluator/curve-stop.ts), with real training on a tiny synthetic set:
 * with the run config's evaluator.curveStop, hopeless candidates stop after 3 of their 6 epochs, are logged with
 * their measured accuracy, curve_stopped 1, predicted_final_acc, curve_bar and epochs_planned, and never become the
 * best; the run is deterministic — the headless runner's host uninterrupted and the search worker's session stopped
 * after two candidates and resumed give the same log. Without the option nothing changes: every candidate trains
 * all its epochs and one that was not stopped has the very same metrics (bar the curve_stopped flag).
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import { runSearchConfig } from '../../scripts/node/search-run';
import { runSearchSession } from '../../workers/search-session';
import { validateRunConfig } from '../../workers/run-config';
import { parseRunConfig } from '../../src/shared/run-config';
import type { LoggedCandidate, RunLogEntry } from '../../src/engine/search/loop';
import { getRun, listCandidates, openDb, putDataset, RUN_RECORD_VERSION } from '../../src/db';
import type { RunRecord } from '../../src/protocol/run';
import { curveStopDecision } from '../../src/engine/evaluator/curve-stop';

const root = path.resolve(import.meta.dirname, '../..');
const quiet = () => undefined;

beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});

const EPOCHS = 6;
const BUDGET = 4;
const ds = quadrantDataset(96, 8, 3);
const idx = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);
const split = { train: idx(0, 48), valid: idx(48, 32), test: idx(80, 16) };
const DATASET = 'user:quadrants';

/** One run config (the runner's file format and what the worker stores); curveStop added by the caller. */
const config = (curveStop?: object) => ({
  version: 3, name: 'curve stop', space: 'nb201', strategy: { name: 'random', options: {} }, seed: 4, budget: { queries: BUDGET },
  objective: { metric: 'valid_acc', penalties: [], constraints: [] }, pareto: { accuracy: 'valid_acc', cost: 'flops' },
  evaluator: {
    kind: 'train', dataset: DATASET, backend: 'cpu', latency: false, channels: 2, cellsPerStage: 1, epochs: EPOCHS, batchSize: 8,
    learningRate: 0.01, trainSamples: 48, validSamples: 32, ...(curveStop ? { curveStop } : {}),
  },
});

const viaCli = async (cfg: object): Promise<readonly RunLogEntry[]> =>
  (await runSearchConfig(parseRunConfig(cfg), { repoRoot: root, log: quiet, data: { ds, split, name: 'quadrants' } })).log;

let cached: Promise<readonly RunLogEntry[]> | undefined;
/** The CLI host's run with curve stopping (margin 0), run once for both tests. */
const withCurveStop = () => (cached ??= viaCli(config({ margin: 0 })));

/** What two runs of the same candidate must agree on (train_ms is wall-clock). */
function comparable(e: LoggedCandidate): object {
  const metrics = Object.fromEntries(Object.entries(e.metrics).filter(([k]) => k !== 'train_ms').sort(([a], [b]) => a.localeCompare(b)));
  return { id: e.id, arch: e.arch, hash: e.hash, objective: e.objective, feasible: e.feasible, metrics };
}

describe('learning-curve stopping of a search\'s candidates', () => {
  it('stops hopeless candidates early with honest metrics, the same way on both hosts and across a resume', async () => {
    const before = tf.memory().numTensors;
    const log = await withCurveStop();
    expect(tf.memory().numTensors).toBe(before);
    expect(log.map((e) => e.id)).toEqual([0, 1, 2, 3]);
    const stopped = log.filter((e) => e.metrics.curve_stopped === 1);
    expect(stopped.length).toBeGreaterThanOrEqual(2);
    expect(log[0].metrics.curve_stopped).toBe(0); // nothing to compare the first candidate with
    for (const e of log) {
      if (e.metrics.curve_stopped === 1) {
        expect(e.metrics.epochs).toBe(3); // extrapolated from three epochs, three saved
        expect(e.metrics.epochs_planned).toBe(EPOCHS);
        expect(e.metrics.stopped_early).toBe(1);
        // The bar is the best objective logged before it; neither its measured nor its predicted accuracy reaches it.
        expect(e.metrics.curve_bar).toBe(log[e.id - 1].best_so_far);
        expect(e.metrics.valid_acc).toBeLessThan(e.metrics.curve_bar);
        expect(e.metrics.predicted_final_acc).toBeLessThan(e.metrics.curve_bar);
        expect(e.objective).toBe(e.metrics.valid_acc);
        expect(e.best_id).not.toBe(e.id); // a stopped candidate never becomes the run's best
      } else {
        expect(e.metrics.epochs).toBe(EPOCHS);
        for (const k of ['curve_bar', 'epochs_planned', 'predicted_final_acc']) expect(e.metrics[k]).toBeUndefined();
      }
    }

    // The search worker's session on the same config, stopped after two candidates and resumed, stops the same ones.
    const db = await openDb(`search-curve-stop-${process.pid}`);
    await putDataset(db, DATASET, ds, { source: 'test', builtin: false, split: { method: 'stratified', seed: 0, ...split } });
    const now = Date.now();
    const run: RunRecord = { version: RUN_RECORD_VERSION, id: 'cs', config: validateRunConfig(config({ margin: 0 })), status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
    const stopper = new AbortController();
    const paused = await runSearchSession(db, run, 'cpu', (e) => { if (e.type === 'candidate' && e.record.id === 1) stopper.abort(); }, stopper.signal);
    expect([paused.status, paused.completed]).toEqual(['paused', 2]);
    const epochsSeen = new Map<number, number[]>();
    const done = await runSearchSession(db, (await getRun(db, 'cs'))!, 'cpu', (e) => {
      if (e.type === 'epoch') epochsSeen.set(e.id, [...(epochsSeen.get(e.id) ?? []), e.epoch]);
    }, new AbortController().signal);
    expect(done.status).toBe('done');
    const records = await listCandidates(db, 'cs');
    db.close();
    expect(records.map(comparable)).toEqual(log.map(comparable));
    // The per-epoch events end where training stopped.
    for (const id of [2, 3]) expect(epochsSeen.get(id)).toEqual(Array.from({ length: log[id].metrics.epochs }, (_, i) => i));
  }, 180_000);

  it('changes nothing when it is off: every candidate trains all its epochs, with the same metrics', async () => {
    const [on, off] = [await withCurveStop(), await viaCli(config())];
    expect(off.map((e) => e.arch)).toEqual(on.map((e) => e.arch));
    for (const e of off) {
      expect(e.metrics.epochs).toBe(EPOCHS);
      for (const k of ['curve_stopped', 'curve_bar', 'epochs_planned', 'predicted_final_acc']) expect(e.metrics[k]).toBeUndefined();
    }
    // The first candidate (never stopped: nothing to compare it with) trained exactly as without the option.
    const first = comparable(on[0]) as { metrics: Record<string, number> };
    const { curve_stopped: flag, ...metrics } = first.metrics;
    expect(flag).toBe(0);
    expect({ ...first, metrics }).toEqual(comparable(off[0]));
  }, 180_000);
});

describe('the stopping rule', () => {
  const hopeless = [40, 45, 47, 48]; // saturating near 50
  it('stops only when both the prediction and the best measured accuracy, plus the margin, stay below the bar', () => {
    const d = curveStopDecision(hopeless.slice(0, 3), 90, 10, 0);
    expect(d?.bar).toBe(90);
    expect(d?.predictedFinalAcc).toBeLessThan(60);
    expect(curveStopDecision(hopeless.slice(0, 3), 90, 10, 45)).toBeNull(); // a margin that reaches the bar
    expect(curveStopDecision(hopeless.slice(0, 3), 46, 10, 0)).toBeNull(); // already measured above the bar
    expect(curveStopDecision([70, 20, 21], 60, 10, 0)).toBeNull(); // measured 70 once: not called hopeless
  });
  it('never decides on fewer than 3 epochs, at the last epoch, or without a finite bar', () => {
    expect(curveStopDecision(hopeless.slice(0, 2), 90, 10, 0)).toBeNull();
    expect(curveStopDecision(hopeless, 90, 4, 0)).toBeNull();
    expect(curveStopDecision(hopeless, null, 10, 0)).toBeNull();
    expect(curveStopDecision(hopeless, -Infinity, 10, 0)).toBeNull();
  });
});
