/**
 * Dataset storage in IndexedDB (fake-indexeddb): chunking and round trips (pixels, labels, fields,
 * split), rename, delete, failures mid-write that must leave nothing behind (a throw, a cancel, a full
 * store), versioned records and the migration of a database written by an older version of the app.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import {
  DATASET_RECORD_VERSION,
  DB_VERSION,
  SPLIT_RECORD_VERSION,
  StoreCancelledError,
  deleteDataset,
  getDatasetMeta,
  getSplitRecord,
  listStoredDatasets,
  loadDataset,
  loadSplit,
  openDb,
  putDataset,
  renameDataset,
  runsUsingDataset,
  type Db,
} from '../../src/db';
import type { ImageDataset } from '../../src/engine/data/types';
import type { RunRecord } from '../../src/protocol/run';
import { RUN_FORM_VERSION } from '../../src/shared/run-form';
import { migrateRunConfig } from '../../src/db/runs';

let dbCount = 0;
const opened: Db[] = [];
async function freshDb(): Promise<{ db: Db; name: string }> {
  const name = `test-datasets-${process.pid}-${++dbCount}`;
  const db = await openDb(name);
  opened.push(db);
  return { db, name };
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

/** n images of 2x3x1 whose pixels encode their index; labels i % 3; a `week` field. */
function tiny(n: number, name = 'tiny'): ImageDataset {
  const px = 6;
  const images = new Uint8Array(n * px);
  for (let i = 0; i < n; i++) images.fill(i % 256, i * px, (i + 1) * px);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 3);
  const week = Uint8Array.from({ length: n }, (_, i) => Math.floor(i / 4));
  return { name, classes: ['a', 'b', 'c'], shape: [2, 3, 1], count: n, images, labels, fields: { week } };
}

const split10 = {
  method: 'temporal',
  seed: 0,
  train: Uint32Array.from([0, 1, 2, 3, 4, 5]),
  valid: Uint32Array.from([6, 7]),
  test: Uint32Array.from([8, 9]),
  spec: { method: 'temporal' as const, field: 'week', valid: 0.2, test: 0.2 },
  fingerprint: 'split1-test',
};

async function storeCounts(db: Db): Promise<{ datasets: number; chunks: number; splits: number }> {
  return { datasets: await db.count('datasets'), chunks: await db.count('datasetChunks'), splits: await db.count('splits') };
}

function run(id: string, datasetId: string, name: string): RunRecord {
  return {
    version: 1, id, status: 'paused', createdAt: 1, updatedAt: Number(id.replace(/\D/g, '')) || 1, completed: 0, paretoIds: [],
    config: migrateRunConfig({
      version: RUN_FORM_VERSION, name, datasetId, space: { space: 'nb201', ops: ['nor_conv_3x3'] }, strategy: 'random', seed: 1, budget: 1, channels: 8, cellsPerStage: 1,
      epochs: 1, batchSize: 32, learningRate: 0.1, trainSamples: 10, validSamples: 10, backend: 'auto',
      objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops',
    }),
  };
}

describe('dataset storage', () => {
  it('stores in chunks and reads back pixels, labels, fields and the split', async () => {
    const { db } = await freshDb();
    const ds = tiny(10);
    const progress: number[] = [];
    const meta = await putDataset(db, 'user:a', ds, { source: 'test', builtin: false, split: split10, chunkSize: 4, onProgress: (d) => progress.push(d) });
    expect(meta).toMatchObject({ version: DATASET_RECORD_VERSION, chunks: 3, chunkSize: 4, count: 10, fields: ['week'], classCounts: [4, 3, 3] });
    expect(meta.bytes).toBe(60 + 10 + 10);
    expect(progress).toEqual([1, 2, 3]);
    const chunks = await db.getAllFromIndex('datasetChunks', 'byDataset', 'user:a');
    expect(chunks.map((c) => c.labels.length)).toEqual([4, 4, 2]);
    expect(chunks[2].fields?.week).toEqual(Uint8Array.from([2, 2]));

    const back = await loadDataset(db, 'user:a');
    expect(back.shape).toEqual([2, 3, 1]);
    expect(back.classes).toEqual(['a', 'b', 'c']);
    expect(back.images).toEqual(ds.images);
    expect(back.labels).toEqual(ds.labels);
    expect(back.fields?.week).toEqual(ds.fields!.week);

    expect(await loadSplit(db, 'user:a')).toEqual({ train: split10.train, valid: split10.valid, test: split10.test });
    const rec = await getSplitRecord(db, 'user:a');
    expect(rec).toMatchObject({ version: SPLIT_RECORD_VERSION, method: 'temporal', spec: split10.spec, fingerprint: 'split1-test', testOrigin: { test: 'carved' } });
    expect(rec!.counts).toEqual({ train: [2, 2, 2], valid: [1, 1, 0], test: [1, 0, 1] });

    const listed = await listStoredDatasets(db);
    expect(listed).toHaveLength(1);
    expect(listed[0].split?.sizes).toEqual({ train: 6, valid: 2, test: 2 });
    expect(listed[0].split).not.toHaveProperty('train');
  });

  it('round-trips a dataset without fields whose size is a multiple of the chunk size', async () => {
    const { db } = await freshDb();
    const { fields: _f, ...plain } = tiny(8);
    const meta = await putDataset(db, 'user:b', plain, { source: 'test', builtin: false, chunkSize: 4 });
    expect(meta.chunks).toBe(2);
    expect(meta.fields).toEqual([]);
    const back = await loadDataset(db, 'user:b');
    expect(back.images).toEqual(plain.images);
    expect(back.fields).toBeUndefined();
    expect(await getSplitRecord(db, 'user:b')).toBeUndefined();
  });

  it('renames (trimmed), refuses empty names and built-in datasets', async () => {
    const { db } = await freshDb();
    await putDataset(db, 'user:a', tiny(5), { source: 'test', builtin: false });
    await putDataset(db, 'builtin:x', tiny(5, 'builtin'), { source: 'test', builtin: true });
    const before = (await getDatasetMeta(db, 'user:a'))!;
    const renamed = await renameDataset(db, 'user:a', '  Panels, week 0-11  ');
    expect(renamed.name).toBe('Panels, week 0-11');
    expect((await getDatasetMeta(db, 'user:a'))!.name).toBe('Panels, week 0-11');
    expect(renamed.updatedAt).toBeGreaterThanOrEqual(before.updatedAt);
    expect((await loadDataset(db, 'user:a')).name).toBe('Panels, week 0-11');
    await expect(renameDataset(db, 'user:a', '   ')).rejects.toThrow(/must not be empty/);
    await expect(renameDataset(db, 'builtin:x', 'mine')).rejects.toThrow(/built in/);
    await expect(renameDataset(db, 'user:nope', 'x')).rejects.toThrow(/not in this browser's storage/);
  });

  it('deletes meta, every chunk and the split, and nothing of other datasets', async () => {
    const { db } = await freshDb();
    await putDataset(db, 'user:a', tiny(10), { source: 'test', builtin: false, split: split10, chunkSize: 3 });
    await putDataset(db, 'user:b', tiny(10, 'other'), { source: 'test', builtin: false, split: split10, chunkSize: 3 });
    expect(await storeCounts(db)).toEqual({ datasets: 2, chunks: 8, splits: 2 });
    await deleteDataset(db, 'user:a');
    expect(await storeCounts(db)).toEqual({ datasets: 1, chunks: 4, splits: 1 });
    expect(await getDatasetMeta(db, 'user:a')).toBeUndefined();
    expect((await loadDataset(db, 'user:b')).name).toBe('other');
  });

  it('lists the runs that use a dataset (the delete confirmation names them)', async () => {
    const { db } = await freshDb();
    await db.put('runs', run('r1', 'user:a', 'first'));
    await db.put('runs', run('r2', 'user:b', 'other'));
    await db.put('runs', run('r3', 'user:a', 'second'));
    expect((await runsUsingDataset(db, 'user:a')).map((r) => r.config.name)).toEqual(['second', 'first']);
    expect(await runsUsingDataset(db, 'user:c')).toEqual([]);
  });
});

describe('a failed store leaves nothing behind', () => {
  it('a crash after some chunks were written rolls the whole transaction back', async () => {
    const { db } = await freshDb();
    await putDataset(db, 'user:keep', tiny(6, 'keep'), { source: 'test', builtin: false, split: split10, chunkSize: 4 });
    const before = await storeCounts(db);
    await expect(
      putDataset(db, 'user:new', tiny(40), {
        source: 'test', builtin: false, split: split10, chunkSize: 4,
        onProgress: (done) => {
          if (done === 3) throw new Error('simulated crash mid-write');
        },
      }),
    ).rejects.toThrow('simulated crash mid-write');
    expect(await storeCounts(db)).toEqual(before);
    expect(await getDatasetMeta(db, 'user:new')).toBeUndefined();
    expect((await loadDataset(db, 'user:keep')).count).toBe(6);
  });

  it('a cancel mid-write aborts the transaction', async () => {
    const { db } = await freshDb();
    const controller = new AbortController();
    const err = await putDataset(db, 'user:new', tiny(40), {
      source: 'test', builtin: false, split: split10, chunkSize: 4, signal: controller.signal,
      onProgress: (done) => {
        if (done === 2) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreCancelledError);
    expect((err as Error).name).toBe('AbortError');
    expect((err as Error).message).toMatch(/cancelled; nothing was stored/);
    expect(await storeCounts(db)).toEqual({ datasets: 0, chunks: 0, splits: 0 });
  });

  it('a full store (QuotaExceededError) says "Storage is full" and keeps what was stored before', async () => {
    const { db } = await freshDb();
    await putDataset(db, 'user:keep', tiny(6, 'keep'), { source: 'test', builtin: false, split: split10, chunkSize: 4 });
    const before = await storeCounts(db);
    const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { put: (...a: unknown[]) => unknown } } }).IDBObjectStore.prototype;
    const put = proto.put;
    let chunkPuts = 0;
    proto.put = function (this: { name: string }, ...args: unknown[]) {
      if (this.name === 'datasetChunks' && ++chunkPuts === 4) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      await expect(putDataset(db, 'user:big', tiny(40), { source: 'test', builtin: false, split: split10, chunkSize: 4 })).rejects.toThrow(
        /^Storage is full while storing dataset "tiny".*nothing stored before was changed/,
      );
    } finally {
      proto.put = put;
    }
    expect(await storeCounts(db)).toEqual(before);
    expect((await loadDataset(db, 'user:keep')).labels).toEqual(tiny(6).labels);
  });
});

describe('record versions and migration', () => {
  it('upgrades a version-1 database: v1 meta and split records get fields, class counts and per-class split counts', async () => {
    const name = `test-datasets-${process.pid}-v1`;
    // What the first version of the app wrote (schema v1, records v1).
    const old = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('datasets', { keyPath: 'id' });
        db.createObjectStore('datasetChunks', { keyPath: ['datasetId', 'index'] }).createIndex('byDataset', 'datasetId');
        db.createObjectStore('splits', { keyPath: 'datasetId' });
        db.createObjectStore('runs', { keyPath: 'id' }).createIndex('byUpdated', 'updatedAt');
        db.createObjectStore('candidates', { keyPath: ['runId', 'id'] }).createIndex('byRun', 'runId');
        db.createObjectStore('checkpoints', { keyPath: 'runId' });
      },
    });
    const ds = tiny(7);
    await old.put('datasets', {
      version: 1, id: 'builtin:old', name: 'old', classes: ['a', 'b', 'c'], shape: [2, 3, 1], count: 7, chunkSize: 4, chunks: 2,
      bytes: 49, source: 'v1', builtin: true, createdAt: 1234,
    });
    await old.put('datasetChunks', { datasetId: 'builtin:old', index: 0, images: ds.images.slice(0, 24), labels: ds.labels.slice(0, 4) });
    await old.put('datasetChunks', { datasetId: 'builtin:old', index: 1, images: ds.images.slice(24), labels: ds.labels.slice(4) });
    await old.put('splits', { version: 1, datasetId: 'builtin:old', method: 'stratified', seed: 5, train: Uint32Array.from([0, 1, 2, 3]), valid: Uint32Array.from([4, 5]), test: Uint32Array.from([6]), createdAt: 1234 });
    old.close();

    const db = await openDb(name);
    opened.push(db);
    expect(db.version).toBe(DB_VERSION);
    expect(db.objectStoreNames.contains('tables')).toBe(true);
    expect(db.objectStoreNames.contains('luts')).toBe(true);
    // Stored records were rewritten by the schema step, not only migrated on read.
    const rawMeta = await db.get('datasets', 'builtin:old');
    expect(rawMeta).toMatchObject({ version: 2, name: 'old', fields: [], classCounts: [3, 2, 2], updatedAt: 1234, createdAt: 1234 });
    const rawSplit = await db.get('splits', 'builtin:old');
    expect(rawSplit).toMatchObject({ version: SPLIT_RECORD_VERSION, method: 'stratified', seed: 5, testOrigin: { test: 'carved' }, counts: { train: [2, 1, 1], valid: [0, 1, 1], test: [1, 0, 0] } });
    expect(rawSplit!.train).toEqual(Uint32Array.from([0, 1, 2, 3]));
    // And everything reads as before.
    const back = await loadDataset(db, 'builtin:old');
    expect(back.images).toEqual(ds.images);
    expect(back.labels).toEqual(ds.labels);
    expect((await listStoredDatasets(db))[0].split?.sizes).toEqual({ train: 4, valid: 2, test: 1 });
  });

  it('migrates v1 records on read too (written by an old tab after the upgrade)', async () => {
    const { db } = await freshDb();
    const ds = tiny(5);
    await db.put('datasets', {
      version: 1, id: 'user:late', name: 'late', classes: ['a', 'b', 'c'], shape: [2, 3, 1], count: 5, chunkSize: 8, chunks: 1,
      bytes: 35, source: 'v1', builtin: false, createdAt: 99,
    } as never);
    await db.put('datasetChunks', { datasetId: 'user:late', index: 0, images: ds.images, labels: ds.labels });
    await db.put('splits', { version: 1, datasetId: 'user:late', method: 'stratified', seed: 1, train: Uint32Array.from([0, 1, 2]), valid: Uint32Array.from([3]), test: Uint32Array.from([4]), createdAt: 99 } as never);
    const meta = await getDatasetMeta(db, 'user:late');
    expect(meta).toMatchObject({ version: 2, fields: [], updatedAt: 99 });
    const split = await getSplitRecord(db, 'user:late');
    expect(split?.counts).toEqual({ train: [1, 1, 1], valid: [1, 0, 0], test: [0, 1, 0] });
    expect((await loadDataset(db, 'user:late')).count).toBe(5);
  });
});
