/** Datasets in IndexedDB, stored in chunks so a large set never needs one huge value. */
import type { FieldArray, ImageDataset, DatasetSplit } from '../engine/data/types';
import type { SplitSpec } from '../engine/data/splits';
import type { AbortSignalLike } from '../engine/util/abort';
import type { RunRecord } from '../protocol/run';
import { describeStorageError, type Db } from './schema';
import { migrateRunRecord } from './runs';
import {
  DATASET_RECORD_VERSION,
  SPLIT_RECORD_VERSION,
  countPerClass,
  hasSplitCounts,
  testOriginOfSpec,
  migrateDatasetMeta,
  migrateSplitRecord,
  splitCounts,
  summarizeSplit,
  type DatasetMeta,
  type SplitRecord,
  type StoredDataset,
} from './records';

export const DEFAULT_CHUNK_SIZE = 2048;
export const MAX_DATASET_NAME = 120;

/** The locked split to store with a dataset. */
export interface SplitInput {
  readonly method: string;
  readonly seed: number;
  readonly train: Uint32Array;
  readonly valid: Uint32Array;
  readonly test: Uint32Array;
  readonly spec?: SplitSpec;
  readonly fingerprint?: string;
}

export interface PutDatasetOptions {
  source: string;
  builtin: boolean;
  split?: SplitInput;
  chunkSize?: number;
  /** Checked after every chunk; when aborted, the transaction is aborted and nothing is stored. */
  signal?: AbortSignalLike;
  /** Called after each chunk is written (synchronously: the transaction must not wait on anything else). */
  onProgress?: (chunksDone: number, chunks: number) => void;
}

export async function listDatasets(db: Db): Promise<DatasetMeta[]> {
  return (await db.getAll('datasets')).map((m) => migrateDatasetMeta(m));
}

export async function getDatasetMeta(db: Db, id: string): Promise<DatasetMeta | undefined> {
  const m = await db.get('datasets', id);
  return m ? migrateDatasetMeta(m) : undefined;
}

/** Thrown by putDataset when its signal is aborted (name 'AbortError', like the engine's AbortedError). */
export class StoreCancelledError extends Error {
  constructor(what: string) {
    super(`${what} was cancelled; nothing was stored`);
    this.name = 'AbortError';
  }
}

/**
 * Writes meta + every chunk (+ split) in ONE transaction: a failure (quota, cancel, crash) leaves
 * nothing behind and every dataset stored before untouched.
 */
export async function putDataset(db: Db, id: string, ds: ImageDataset, opts: PutDatasetOptions): Promise<DatasetMeta> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const [h, w, c] = ds.shape;
  const px = h * w * c;
  const chunks = Math.ceil(ds.count / chunkSize);
  const fieldNames = Object.keys(ds.fields ?? {}).sort();
  const fieldBytes = fieldNames.reduce((s, k) => s + ds.fields![k].byteLength, 0);
  const now = Date.now();
  const meta: DatasetMeta = {
    version: DATASET_RECORD_VERSION,
    id,
    name: ds.name,
    classes: ds.classes.slice(),
    shape: [h, w, c],
    count: ds.count,
    chunkSize,
    chunks,
    bytes: ds.images.byteLength + ds.labels.byteLength + fieldBytes,
    source: opts.source,
    builtin: opts.builtin,
    createdAt: now,
    fields: fieldNames,
    classCounts: countPerClass(ds.labels, ds.classes.length),
    updatedAt: now,
  };
  const split: SplitRecord | undefined = opts.split && {
    version: SPLIT_RECORD_VERSION,
    datasetId: id,
    createdAt: now,
    ...opts.split,
    counts: splitCounts(ds.labels, ds.classes.length, opts.split),
    testOrigin: testOriginOfSpec(opts.split.spec),
  };
  const what = `storing dataset "${ds.name}"`;
  const tx = db.transaction(['datasets', 'datasetChunks', 'splits'], 'readwrite');
  const done = tx.done;
  done.catch(() => undefined); // observed below; avoid an unhandled rejection when we abort first
  try {
    await tx.objectStore('datasets').put(meta);
    for (let k = 0; k < chunks; k++) {
      if (opts.signal?.aborted) throw new StoreCancelledError(`Storing dataset "${ds.name}"`);
      const start = k * chunkSize;
      const end = Math.min(ds.count, start + chunkSize);
      const fields: Record<string, FieldArray> = {};
      for (const f of fieldNames) fields[f] = ds.fields![f].slice(start, end);
      await tx.objectStore('datasetChunks').put({
        datasetId: id,
        index: k,
        images: ds.images.slice(start * px, end * px),
        labels: ds.labels.slice(start, end),
        ...(fieldNames.length > 0 ? { fields } : {}),
      });
      opts.onProgress?.(k + 1, chunks);
    }
    if (opts.signal?.aborted) throw new StoreCancelledError(`Storing dataset "${ds.name}"`);
    if (split) await tx.objectStore('splits').put(split);
    await done;
  } catch (e) {
    // A quota failure shows up as the transaction's error (requests then fail with AbortError).
    const txError = tx.error;
    try {
      tx.abort();
    } catch {
      /* already finished */
    }
    await done.catch(() => undefined);
    if (e instanceof StoreCancelledError) throw e;
    throw describeStorageError(txError?.name === 'QuotaExceededError' ? txError : e, what);
  }
  return meta;
}

export async function loadDataset(db: Db, id: string): Promise<ImageDataset> {
  const raw = await db.get('datasets', id);
  if (!raw) throw new Error(`Dataset "${id}" is not in this browser's storage`);
  const meta = migrateDatasetMeta(raw);
  const [h, w, c] = meta.shape;
  const px = h * w * c;
  const images = new Uint8Array(meta.count * px);
  const labels = new Uint8Array(meta.count);
  const chunks = await db.getAllFromIndex('datasetChunks', 'byDataset', id);
  if (chunks.length !== meta.chunks) throw new Error(`Dataset "${meta.name}" is incomplete in storage: ${chunks.length} of ${meta.chunks} chunks`);
  const fields: Record<string, FieldArray> = {};
  for (const chunk of chunks) {
    const start = chunk.index * meta.chunkSize;
    images.set(chunk.images, start * px);
    labels.set(chunk.labels, start);
    for (const name of meta.fields) {
      const part = chunk.fields?.[name];
      if (!part) throw new Error(`Dataset "${meta.name}" is incomplete in storage: chunk ${chunk.index} lacks field "${name}"`);
      const Ctor = part.constructor as new (n: number) => FieldArray;
      fields[name] ??= new Ctor(meta.count);
      fields[name].set(part, start);
    }
  }
  return {
    name: meta.name,
    classes: meta.classes,
    shape: [h, w, c],
    count: meta.count,
    images,
    labels,
    ...(meta.fields.length > 0 ? { fields } : {}),
  };
}

export async function loadSplit(db: Db, datasetId: string): Promise<DatasetSplit | undefined> {
  const s = await db.get('splits', datasetId);
  return s ? { train: s.train, valid: s.valid, test: s.test } : undefined;
}

/** The stored split record, current version (v1 records get their per-class counts from the labels). */
export async function getSplitRecord(db: Db, datasetId: string): Promise<SplitRecord | undefined> {
  const s = await db.get('splits', datasetId);
  if (!s) return undefined;
  if (hasSplitCounts(s)) return migrateSplitRecord(s, 0);
  const meta = await getDatasetMeta(db, datasetId);
  if (!meta) return undefined;
  const labels = await loadLabels(db, meta);
  return migrateSplitRecord(s, meta.classes.length, labels);
}

async function loadLabels(db: Db, meta: DatasetMeta): Promise<Uint8Array> {
  const labels = new Uint8Array(meta.count);
  const chunks = await db.getAllFromIndex('datasetChunks', 'byDataset', meta.id);
  for (const c of chunks) labels.set(c.labels, c.index * meta.chunkSize);
  return labels;
}

/** Every stored dataset with its split's sizes and per-class counts (no pixels, no index lists), newest first. */
export async function listStoredDatasets(db: Db): Promise<StoredDataset[]> {
  const metas = await listDatasets(db);
  const out: StoredDataset[] = [];
  for (const meta of metas) {
    const split = await getSplitRecord(db, meta.id);
    out.push(split ? { meta, split: summarizeSplit(split) } : { meta });
  }
  return out.sort((a, b) => b.meta.createdAt - a.meta.createdAt);
}

export async function renameDataset(db: Db, id: string, name: string): Promise<DatasetMeta> {
  const clean = name.trim();
  if (clean.length === 0) throw new Error('A dataset name must not be empty');
  if (clean.length > MAX_DATASET_NAME) throw new Error(`A dataset name must be at most ${MAX_DATASET_NAME} characters`);
  const tx = db.transaction('datasets', 'readwrite');
  const done = tx.done;
  done.catch(() => undefined); // awaited below; an early abort must not become an unhandled rejection
  try {
    const raw = await tx.store.get(id);
    if (!raw) throw new Error(`Dataset "${id}" is not in this browser's storage`);
    const meta = migrateDatasetMeta(raw);
    if (meta.builtin) throw new Error(`"${meta.name}" is built in and cannot be renamed`);
    const next: DatasetMeta = { ...meta, name: clean, updatedAt: Date.now() };
    await tx.store.put(next);
    await done;
    return next;
  } catch (e) {
    try {
      tx.abort();
    } catch {
      /* already finished */
    }
    throw describeStorageError(e, `renaming dataset "${id}"`);
  }
}

/** Runs whose configuration names this dataset (they cannot be resumed once it is deleted). */
export async function runsUsingDataset(db: Db, datasetId: string): Promise<RunRecord[]> {
  // Older records keep the flat layout (config.datasetId) until migrated on read.
  const runs = (await db.getAll('runs')).map(migrateRunRecord);
  return runs.filter((r) => r.config.evaluator.dataset === datasetId).sort((a, b) => b.updatedAt - a.updatedAt);
}

/** Deletes meta, chunks and split in one transaction. */
export async function deleteDataset(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['datasets', 'datasetChunks', 'splits'], 'readwrite');
  const keys = await tx.objectStore('datasetChunks').index('byDataset').getAllKeys(id);
  await Promise.all([
    tx.objectStore('datasets').delete(id),
    tx.objectStore('splits').delete(id),
    ...keys.map((k) => tx.objectStore('datasetChunks').delete(k)),
    tx.done,
  ]);
}
