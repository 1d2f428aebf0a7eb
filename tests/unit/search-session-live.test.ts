/**
 * What the search worker's session tells the app while it runs (issue 15 item 1), under Node with fake-indexeddb
 * and the cpu backend: every committed candidate is followed by the run record as stored with it (`completed`
 * and `paretoIds` moved on, so the runs list and the front's count follow the run), each epoch event carries the
 * training candidate's MFLOPs, and each stored candidate keeps its per-epoch curve (record version 3).
 */
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import { runSearchSession } from '../../workers/search-session';
import { validateRunConfig } from '../../workers/run-config';
import { CANDIDATE_RECORD_VERSION, getRun, listCandidates, openDb, putDataset, RUN_RECORD_VERSION } from '../../src/db';
import type { RunRecord } from '../../src/protocol/run';
import { RUN_FORM_VERSION } from '../../src/shared/run-form';
import type { SearchEvent } from '../../src/protocol/events';

beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});

describe('search session events for the live view', () => {
  it('sends the committed run record and stores each candidate\'s curve', async () => {
    const db = await openDb(`search-session-live-${process.pid}`);
    const ds = quadrantDataset(64, 8, 3);
    const idx = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);
    await putDataset(db, 'user:quadrants', ds, { source: 'test', builtin: false, split: { method: 'stratified', seed: 0, train: idx(0, 40), valid: idx(40, 16), test: idx(56, 8) } });
    const config = validateRunConfig({
      version: RUN_FORM_VERSION, name: 'live', datasetId: 'user:quadrants', space: { space: 'nb201' },
      strategy: 'random', seed: 2, budget: 3, channels: 2, cellsPerStage: 1, epochs: 3, batchSize: 8, learningRate: 0.05,
      trainSamples: 32, validSamples: 16, backend: 'cpu', objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops',
    });
    const now = Date.now();
    const run: RunRecord = { version: RUN_RECORD_VERSION, id: 'run-live', config, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
    const events: SearchEvent[] = [];
    const done = await runSearchSession(db, run, 'cpu', (e) => events.push(e), new AbortController().signal);
    expect(done.status).toBe('done');

    const committed = events.flatMap((e) => (e.type === 'committed' ? [e.run] : []));
    expect(committed.map((r) => r.completed)).toEqual([1, 2, 3]);
    // Each committed record comes right after its candidate and is what IndexedDB held then; the last is the stored one.
    const order = events.filter((e) => e.type === 'candidate' || e.type === 'committed').map((e) => e.type);
    expect(order).toEqual(['candidate', 'committed', 'candidate', 'committed', 'candidate', 'committed']);
    const stored = (await getRun(db, 'run-live'))!;
    expect(committed[2].paretoIds).toEqual(stored.paretoIds);
    expect(stored.paretoIds.length).toBeGreaterThan(0);

    const cands = await listCandidates(db, 'run-live');
    expect(cands).toHaveLength(3);
    for (const c of cands) {
      expect(c.version).toBe(CANDIDATE_RECORD_VERSION);
      expect(c.curve.map((p) => p.epoch)).toEqual([0, 1, 2]);
      const epochs = events.flatMap((e) => (e.type === 'epoch' && e.id === c.id ? [e] : []));
      // The stored curve is exactly what the live events showed, and the last point is the candidate's accuracy.
      expect(c.curve).toEqual(epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, validAcc: e.validAcc })));
      expect(c.curve[2].validAcc).toBeCloseTo(c.metrics.valid_acc, 9);
      for (const e of epochs) expect(e.flops).toBe(c.metrics.flops);
    }
    db.close();
  }, 180_000);
});
