/**
 * The stored run of the finalists worker-session tests (finalists-session, finalists-session-extras): a real
 * 3-candidate NB201 evolution search on 96 quadrant images, in IndexedDB (the tests load fake-indexeddb), and a
 * job runner that counts the locked test split's reads per key.
 */
import { expect } from 'vitest';
import { quadrantDataset } from './synthetic';
import { runSearchSession } from '../../workers/search-session';
import { validateRunConfig } from '../../workers/run-config';
import { runFinalistJob } from '../../workers/finalists-session';
import { putDataset, RUN_RECORD_VERSION, type Db } from '../../src/db';
import type { FinalistJobRecord, FinalistsEvent } from '../../src/protocol/finalists-api';
import type { RunRecord } from '../../src/protocol/run';
import { RUN_FORM_VERSION } from '../../src/shared/run-form';

const idx = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);

/** Stores dataset 'user:quadrants' (48 train / 24 validation / 24 test) and run 'run-1', searched to the end. */
export async function searchedRun(db: Db): Promise<RunRecord> {
  const ds = quadrantDataset(96, 8, 3);
  await putDataset(db, 'user:quadrants', ds, { source: 'test', builtin: false, split: { method: 'stratified', seed: 0, train: idx(0, 48), valid: idx(48, 24), test: idx(72, 24) } });
  const config = validateRunConfig({
    version: RUN_FORM_VERSION, name: 'tiny nb201', datasetId: 'user:quadrants', space: { space: 'nb201' },
    strategy: 'evolution', seed: 3, budget: 3, channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 16, learningRate: 0.05,
    trainSamples: 48, validSamples: 24, backend: 'cpu', objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops',
  });
  const now = Date.now();
  const run: RunRecord = { version: RUN_RECORD_VERSION, id: 'run-1', config, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
  const done = await runSearchSession(db, run, 'cpu', () => undefined, new AbortController().signal);
  expect(done.status).toBe('done');
  return done;
}

export interface JobRun {
  /** Test-split reads per key, added to across runs. */
  readonly reads: Map<string, number>;
  /** Every event, added to across runs. */
  readonly events?: FinalistsEvent[];
  /** Aborts the job at the first event it accepts. */
  readonly stopWhen?: (e: FinalistsEvent) => boolean;
  /** Measure batch-1 latency after training. */
  readonly latency: boolean;
}

/** Runs (or resumes) the job until it ends or `stopWhen` stops it. */
export async function runJob(db: Db, job: FinalistJobRecord, o: JobRun): Promise<FinalistJobRecord> {
  const ctl = new AbortController();
  return runFinalistJob(db, job, (e) => { o.events?.push(e); if (o.stopWhen?.(e)) ctl.abort(); }, ctl.signal, {
    latency: o.latency,
    onTestRead: (key) => o.reads.set(key, (o.reads.get(key) ?? 0) + 1),
  });
}
