/**
 * Deleting a stored run (issue 14, item 6): the run, its candidates, its checkpoint and its finalists jobs with their
 * per-epoch states go in one transaction, re-trained models stay in the registry, and the call says about how many
 * bytes it freed; a one-shot run goes with its supernet checkpoint. Real IndexedDB semantics via fake-indexeddb.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deleteOneShotRun, deleteRun, openDb, type Db } from '../../src/db';

async function count(db: Db, store: 'runs' | 'candidates' | 'checkpoints' | 'finalistJobs' | 'finalistStates' | 'models' | 'oneshotRuns' | 'oneshotCheckpoints'): Promise<number> {
  return db.count(store);
}

describe('deleting runs', () => {
  it('removes a search run with everything that belongs to it, keeps registry models, reports the bytes freed', async () => {
    const db = await openDb(`delete-run-${process.pid}`);
    const put = (store: Parameters<Db['put']>[0], value: unknown) => db.put(store, value as never);
    for (const runId of ['keep', 'gone']) {
      await put('runs', { version: 2, id: runId, config: { name: runId }, status: 'done', createdAt: 1, updatedAt: 1, completed: 2, paretoIds: [] });
      for (const id of [0, 1]) await put('candidates', { version: 2, runId, id, arch: 'x'.repeat(100), hash: `h${id}`, metrics: { valid_acc: 1 }, objective: 1, feasible: true, parents: [] });
      await put('checkpoints', { version: 2, runId, nextId: 2, strategy: { strategy: 'random', version: 1 }, updatedAt: 1 });
      await put('finalistJobs', { version: 1, id: `job-${runId}`, runId, entries: [], status: 'paused' });
      await put('finalistStates', { jobId: `job-${runId}`, key: 'finalist-0', state: { weights: new Float32Array(1000) } });
      await put('models', { version: 1, id: `model-${runId}`, jobId: `job-${runId}`, createdAt: 1 });
    }
    const bytes = await deleteRun(db, 'gone');
    // The 4000-byte state alone is more than half of it; every record counts.
    expect(bytes).toBeGreaterThan(4000 + 2 * 200);
    expect(await db.get('runs', 'gone')).toBeUndefined();
    expect(await db.get('checkpoints', 'gone')).toBeUndefined();
    expect(await db.get('finalistJobs', 'job-gone')).toBeUndefined();
    expect(await count(db, 'candidates')).toBe(2);
    expect(await count(db, 'finalistStates')).toBe(1);
    expect(await count(db, 'runs')).toBe(1);
    expect(await count(db, 'models')).toBe(2); // the registry keeps the models of a deleted run
    expect(await deleteRun(db, 'gone')).toBe(0);

    await put('oneshotRuns', { version: 3, id: 'os', updatedAt: 1 });
    await put('oneshotCheckpoints', { runId: 'os', weights: [new Float32Array(2048)] });
    expect(await deleteOneShotRun(db, 'os')).toBeGreaterThan(8192);
    expect(await count(db, 'oneshotRuns')).toBe(0);
    expect(await count(db, 'oneshotCheckpoints')).toBe(0);
    db.close();
  });
});
