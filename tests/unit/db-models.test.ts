/**
 * The model registry's records (src/db/models.ts) in fake-indexeddb: a database of the previous schema version
 * opens and gains the four new stores with its old records intact; a model record without its latency map is
 * read with one rebuilt from its report; a record of an unknown version is refused with a message saying what to
 * do, and left out of the list (newest first) instead of breaking it; a version-1 record (before baselines,
 * students and one-shot sources) is read as a 'finalist' of a Search-tab run of the current version.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { DB_VERSION, getModel, isSearchedModel, listModels, openDb } from '../../src/db';
import { MODEL_RECORD_VERSION, type ModelRecord } from '../../src/protocol/finalists-api';
import { DEFAULT_FINALIST_RECIPE } from '../../src/shared/finalist-recipe';

function model(id: string, createdAt: number): ModelRecord {
  return {
    version: MODEL_RECORD_VERSION, kind: 'finalist', id, jobId: 'job', key: 'finalist-0', runId: 'run', runName: 'r', candidateId: 0, space: 'nb201',
    genotype: { ops: ['none', 'none', 'none', 'none', 'none', 'none'] }, arch: 'a', hash: 'h', skeleton: {}, datasetId: 'd', classes: ['a', 'b'],
    seed: 1, recipe: DEFAULT_FINALIST_RECIPE, latencyMs: { wasm: 2 }, source: 'search', lineage: { parents: [] }, createdAt,
    report: {
      params: 10, macs: 20, latency_ms: 2, backend: 'wasm', valid_acc: 0.5,
      retrain: { epochs: 1, best_epoch: 0, stop: 'epochs', class_weights: [1, 1], flip: false, train_count: 4, history: [] },
      test: { split: 'test', count: 2, accuracy: 0.5, macro_recall: 0.5, per_class: [], confusion: [[1, 0], [1, 0]], ece: 0.1, reliability: [] },
    },
  };
}

describe('model registry records', () => {
  it('upgrades a version-5 database, migrates and checks records on read', async () => {
    const name = `db-models-${process.pid}`;
    const old = await openDB(name, 5, { upgrade(db) { db.createObjectStore('runs', { keyPath: 'id' }).createIndex('byUpdated', 'updatedAt'); } });
    await old.put('runs', { id: 'kept', updatedAt: 1 });
    old.close();
    const db = await openDb(name);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames]).toEqual(expect.arrayContaining(['finalistJobs', 'finalistStates', 'models', 'modelWeights', 'runs']));
    expect(await db.get('runs', 'kept')).toEqual({ id: 'kept', updatedAt: 1 });

    await db.put('models', model('old', 1));
    const { latencyMs: _drop, ...noMap } = model('nomap', 2);
    await db.put('models', noMap as ModelRecord);
    expect((await getModel(db, 'nomap'))?.latencyMs).toEqual({ wasm: 2 });
    expect((await listModels(db)).map((m) => m.id)).toEqual(['nomap', 'old']);

    // Version 1 had no kind and no source: every model was a searched finalist of a Search-tab run.
    const { source: _s, kind: _k, ...v1 } = { ...model('v1', 0), version: 1, lineage: { parents: [4] } };
    await db.put('models', v1 as unknown as ModelRecord);
    const read = await getModel(db, 'v1');
    expect(read).toMatchObject({ version: MODEL_RECORD_VERSION, kind: 'finalist', source: 'search', lineage: { parents: [4] } });
    expect(read && isSearchedModel(read) ? read.lineage.supernet : 'not searched').toBeUndefined();
    expect((await listModels(db)).map((m) => m.id)).toEqual(['nomap', 'old', 'v1']);
    await db.delete('models', 'v1');

    await db.put('models', { ...model('future', 3), version: 99 } as unknown as ModelRecord);
    await expect(getModel(db, 'future')).rejects.toThrow(/Stored model "future" has record version 99, which this version of the app cannot read \(expected 2\); delete it and re-train/);
    expect((await listModels(db)).map((m) => m.id)).toEqual(['nomap', 'old']);

    db.close();
  });
});
