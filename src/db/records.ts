/**
 * Dataset records as stored (runs and candidates are in src/protocol/run.ts, shared with the app).
 *
 * Versions:
 *  1  meta {id, name, classes, shape, count, chunkSize, chunks, bytes, source, builtin, createdAt};
 *     chunk {datasetId, index, images, labels}; split {datasetId, method, seed, train, valid, test, createdAt}.
 *  2  meta + `fields` (names of per-image fields stored in the chunks), `classCounts`, `updatedAt`;
 *     chunk + optional `fields`; split + `counts` (per part, per class), optional `spec` and `fingerprint`.
 *  3  split + `testOrigin`: `{ test: 'official', files }` when the dataset's own test files are the test part
 *     (official-test.ts), else `{ test: 'carved' }`; v2 splits whose spec picked a fixed test field (a CIFAR
 *     test_batch) read as official with no file names (they were not recorded).
 * Old records are upgraded once by the schema step that introduced v2 (see `upgradeDatasetRecords`)
 * and, defensively, on every read (`migrateDatasetMeta`, `migrateSplitRecord`).
 */
import type { StoreNames, IDBPTransaction } from 'idb';
import type { FieldArray } from '../engine/data/types';
import type { SplitSpec, TestOrigin } from '../engine/data/splits';
import type { NasDb } from './schema';

export const DATASET_RECORD_VERSION = 2;
/** Split records moved to 3 alone (meta and chunks stay at 2). */
export const SPLIT_RECORD_VERSION = 3;

export interface DatasetMeta {
  readonly version: number;
  readonly id: string;
  readonly name: string;
  readonly classes: readonly string[];
  readonly shape: readonly [number, number, number];
  readonly count: number;
  /** Images per chunk record; the last chunk may hold fewer. */
  readonly chunkSize: number;
  readonly chunks: number;
  /** Bytes of pixels, labels and fields as stored. */
  readonly bytes: number;
  readonly source: string;
  readonly builtin: boolean;
  readonly createdAt: number;
  /** v2: names of the per-image numeric fields stored with the chunks (e.g. `week`). */
  readonly fields: readonly string[];
  /** v2: images per class, in class order. */
  readonly classCounts: readonly number[];
  /** v2: last change of the record (a rename); createdAt for older records. */
  readonly updatedAt: number;
}

export type DatasetMetaV1 = Omit<DatasetMeta, 'fields' | 'classCounts' | 'updatedAt'>;

export interface DatasetChunk {
  readonly datasetId: string;
  readonly index: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  /** v2: this chunk's slice of each per-image field. */
  readonly fields?: Readonly<Record<string, FieldArray>>;
}

/** Images per class in each part of a split: counts[part][class]. */
export interface SplitCounts {
  readonly train: readonly number[];
  readonly valid: readonly number[];
  readonly test: readonly number[];
}

export interface SplitRecord {
  readonly version: number;
  readonly datasetId: string;
  /** 'stratified' or 'temporal'. */
  readonly method: string;
  /** Seed of a stratified split (0 for an ordered one). */
  readonly seed: number;
  readonly train: Uint32Array;
  readonly valid: Uint32Array;
  readonly test: Uint32Array;
  readonly createdAt: number;
  /** v2: per part, per class. */
  readonly counts: SplitCounts;
  /** v2: how the split was made (absent for splits stored before v2). */
  readonly spec?: SplitSpec;
  /** v2: engine `splitFingerprint(split, dataset)`, when the writer computed it. */
  readonly fingerprint?: string;
  /** v3: the dataset's own test files, or carved out of the images. */
  readonly testOrigin: TestOrigin;
}

export type SplitRecordV1 = Omit<SplitRecord, 'counts' | 'spec' | 'fingerprint' | 'testOrigin'>;
export type SplitRecordV2 = Omit<SplitRecord, 'testOrigin'>;

/**
 * The test origin a split spec describes: a fixed test set picked by a field (the data's own test files, named in
 * `testFiles`; splits stored before v3 did not name them) or carved. Same rule as the engine's `testOriginOf`.
 */
export function testOriginOfSpec(spec: SplitSpec | undefined): TestOrigin {
  if (spec?.method !== 'stratified' || spec.testField === undefined) return { test: 'carved' };
  return spec.testFiles ? { test: 'official', files: spec.testFiles.slice() } : { test: 'official', files: [] };
}

/** A split without its index lists (what the dataset list shows). */
export type SplitSummaryRecord = Omit<SplitRecord, 'train' | 'valid' | 'test'> & {
  readonly sizes: { readonly train: number; readonly valid: number; readonly test: number };
};

/** A stored dataset as the list shows it. */
export interface StoredDataset {
  readonly meta: DatasetMeta;
  readonly split?: SplitSummaryRecord;
}

export function countPerClass(labels: ArrayLike<number>, numClasses: number, indices?: ArrayLike<number>): number[] {
  const out = new Array<number>(numClasses).fill(0);
  if (indices) {
    for (let k = 0; k < indices.length; k++) {
      const l = labels[indices[k]];
      if (l < numClasses) out[l]++;
    }
  } else {
    for (let i = 0; i < labels.length; i++) if (labels[i] < numClasses) out[labels[i]]++;
  }
  return out;
}

export function splitCounts(labels: ArrayLike<number>, numClasses: number, split: Pick<SplitRecord, 'train' | 'valid' | 'test'>): SplitCounts {
  return {
    train: countPerClass(labels, numClasses, split.train),
    valid: countPerClass(labels, numClasses, split.valid),
    test: countPerClass(labels, numClasses, split.test),
  };
}

/** Bring a stored meta record to the current version; `labels` (all of them) are needed only for v1 records. */
export function migrateDatasetMeta(raw: DatasetMetaV1 | DatasetMeta, labels?: ArrayLike<number>): DatasetMeta {
  if (raw.version >= 2) return raw as DatasetMeta;
  const m = raw as DatasetMetaV1 & Partial<DatasetMeta>;
  return {
    ...m,
    version: DATASET_RECORD_VERSION,
    fields: m.fields ?? [],
    classCounts: m.classCounts ?? (labels ? countPerClass(labels, m.classes.length) : []),
    updatedAt: m.updatedAt ?? m.createdAt,
  };
}

/** True when a stored split record has v2's per-class counts (so migrating it needs no labels). */
export function hasSplitCounts(raw: SplitRecordV1 | SplitRecordV2 | SplitRecord): raw is SplitRecordV2 | SplitRecord {
  return raw.version >= 2 && 'counts' in raw && raw.counts !== undefined;
}

/** Bring a stored split record to the current version; `labels` are needed only for v1 records. */
export function migrateSplitRecord(raw: SplitRecordV1 | SplitRecordV2 | SplitRecord, numClasses: number, labels?: ArrayLike<number>): SplitRecord {
  if (raw.version >= SPLIT_RECORD_VERSION && 'testOrigin' in raw && raw.testOrigin) return raw;
  const empty = new Array<number>(numClasses).fill(0);
  const counts = hasSplitCounts(raw) ? raw.counts : labels ? splitCounts(labels, numClasses, raw) : { train: empty, valid: empty, test: empty };
  const spec = 'spec' in raw ? raw.spec : undefined;
  return { ...raw, version: SPLIT_RECORD_VERSION, counts, testOrigin: testOriginOfSpec(spec) };
}

export function summarizeSplit(s: SplitRecord): SplitSummaryRecord {
  const { train, valid, test, ...rest } = s;
  return { ...rest, sizes: { train: train.length, valid: valid.length, test: test.length } };
}

type UpgradeTx = IDBPTransaction<NasDb, StoreNames<NasDb>[], 'versionchange'>;

/**
 * Schema step: rewrite every v1 dataset meta and split record as v2 (class counts are computed from the
 * stored labels). Runs inside the versionchange transaction, so the upgrade is all or nothing: on any
 * failure the transaction is aborted and the database stays at its old version, untouched.
 */
export function upgradeDatasetRecords(tx: UpgradeTx): void {
  const run = async (): Promise<void> => {
    const metas = (await tx.objectStore('datasets').getAll()) as (DatasetMetaV1 | DatasetMeta)[];
    for (const raw of metas) {
      const needsMeta = raw.version < 2;
      const split = (await tx.objectStore('splits').get(raw.id)) as SplitRecordV1 | SplitRecordV2 | SplitRecord | undefined;
      const needsSplit = split !== undefined && !hasSplitCounts(split);
      if (!needsMeta && !needsSplit) continue;
      const labels = new Uint8Array(raw.count);
      const chunks = await tx.objectStore('datasetChunks').index('byDataset').getAll(raw.id);
      for (const c of chunks) labels.set(c.labels.subarray(0, Math.max(0, Math.min(c.labels.length, raw.count - c.index * raw.chunkSize))), c.index * raw.chunkSize);
      if (needsMeta) await tx.objectStore('datasets').put(migrateDatasetMeta(raw, labels));
      if (needsSplit && split) await tx.objectStore('splits').put(migrateSplitRecord(split, raw.classes.length, labels));
    }
  };
  run().catch(() => {
    try {
      tx.abort();
    } catch {
      /* already finished */
    }
  });
}
