/**
 * The IndexedDB schema (idb). Every record carries a `version`; the database version below grows with
 * each migration in `upgrade`, which must only ever add steps (never edit an old one), so any older
 * database a user has opens and migrates.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CandidateRecord, CheckpointRecord, RunRecord } from '../protocol/run';
import { upgradeDatasetRecords, type DatasetChunk, type DatasetMeta, type SplitRecord } from './records';
import type { TableRecord } from './tables';
import type { LutRecord } from '../protocol/profile-api';
import type { OneShotCheckpointRecord, OneShotRunRecord } from '../protocol/oneshot-api';
import type { FinalistJobRecord, FinalistStateRecord, ModelRecord, ModelWeightsRecord } from '../protocol/finalists-api';

export const DB_NAME = 'nas-playground';
export const DB_VERSION = 6;

export interface NasDb extends DBSchema {
  datasets: { key: string; value: DatasetMeta };
  datasetChunks: { key: [string, number]; value: DatasetChunk; indexes: { byDataset: string } };
  splits: { key: string; value: SplitRecord };
  runs: { key: string; value: RunRecord; indexes: { byUpdated: number } };
  candidates: { key: [string, number]; value: CandidateRecord; indexes: { byRun: string } };
  checkpoints: { key: string; value: CheckpointRecord };
  /** v2: benchmark tables (CSV text + what the lab lists), for the tabular benchmark lab. */
  tables: { key: string; value: TableRecord; indexes: { byCreated: number } };
  /** v3: latency lookup tables (profiler), keyed by fingerprint + space + skeleton + batch size. */
  luts: { key: string; value: LutRecord; indexes: { byCreated: number } };
  /** v5: one-shot searches (DARTS, PC-DARTS, SPOS) with their chart history, and their latest checkpoint. */
  oneshotRuns: { key: string; value: OneShotRunRecord; indexes: { byUpdated: number } };
  oneshotCheckpoints: { key: string; value: OneShotCheckpointRecord };
  /** v6: finalists jobs (re-training the top candidates of a run) and each entry's per-epoch re-training state. */
  finalistJobs: { key: string; value: FinalistJobRecord; indexes: { byRun: string } };
  finalistStates: { key: [string, string]; value: FinalistStateRecord; indexes: { byJob: string } };
  /** v6: the model registry (re-trained, tested models) and their trained weights (kept apart so listing is cheap). */
  models: { key: string; value: ModelRecord; indexes: { byCreated: number; byJob: string } };
  modelWeights: { key: string; value: ModelWeightsRecord };
}

export type Db = IDBPDatabase<NasDb>;

let opening: Promise<Db> | null = null;

export function openDb(name = DB_NAME): Promise<Db> {
  if (name !== DB_NAME) return open(name);
  opening ??= open(name);
  return opening;
}

function open(name: string): Promise<Db> {
  const db: Promise<Db> = openDB<NasDb>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      if (oldVersion < 1) {
        db.createObjectStore('datasets', { keyPath: 'id' });
        db.createObjectStore('datasetChunks', { keyPath: ['datasetId', 'index'] }).createIndex('byDataset', 'datasetId');
        db.createObjectStore('splits', { keyPath: 'datasetId' });
        db.createObjectStore('runs', { keyPath: 'id' }).createIndex('byUpdated', 'updatedAt');
        db.createObjectStore('candidates', { keyPath: ['runId', 'id'] }).createIndex('byRun', 'runId');
        db.createObjectStore('checkpoints', { keyPath: 'runId' });
      }
      if (oldVersion < 2) {
        db.createObjectStore('tables', { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
      }
      if (oldVersion < 3) {
        db.createObjectStore('luts', { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
      }
      if (oldVersion < 4) {
        // v4: dataset records v2 (fields, per-class counts); rewrites v1 meta and split records in place.
        upgradeDatasetRecords(transaction);
      }
      if (oldVersion < 5) {
        db.createObjectStore('oneshotRuns', { keyPath: 'id' }).createIndex('byUpdated', 'updatedAt');
        db.createObjectStore('oneshotCheckpoints', { keyPath: 'runId' });
      }
      if (oldVersion < 6) {
        db.createObjectStore('finalistJobs', { keyPath: 'id' }).createIndex('byRun', 'runId');
        db.createObjectStore('finalistStates', { keyPath: ['jobId', 'key'] }).createIndex('byJob', 'jobId');
        const models = db.createObjectStore('models', { keyPath: 'id' });
        models.createIndex('byCreated', 'createdAt');
        models.createIndex('byJob', 'jobId');
        db.createObjectStore('modelWeights', { keyPath: 'modelId' });
      }
    },
    blocked() {
      // Another tab holds an older version open and has not closed it (an old build has no `blocking` handler).
      notify({ kind: 'blocked', message: 'Another tab of NAS Playground holds the stored data open with an older version; close that tab (or reload it) so this one can upgrade the storage. Nothing stored is lost.' });
    },
    blocking() {
      // A newer version (another tab, after an update) wants to upgrade: let it, and say what happened here.
      void db.then((d) => d.close());
      if (opening === db) opening = null;
      notify({ kind: 'outdated', message: 'NAS Playground was updated in another tab, which needs the stored data upgraded. Reload this tab to continue; everything stored is kept.' });
    },
    terminated() {
      if (opening === db) opening = null;
      notify({ kind: 'terminated', message: 'The browser closed the storage connection unexpectedly; the next action reopens it.' });
    },
  });
  return db;
}

/** Something every open page should show about the database connection. */
export interface DbNotice {
  readonly kind: 'blocked' | 'outdated' | 'terminated';
  readonly message: string;
}

const noticeListeners = new Set<(n: DbNotice) => void>();

function notify(n: DbNotice): void {
  for (const l of noticeListeners) l(n);
}

/** Listens for DbNotices (returns the unsubscribe function). */
export function onDbNotice(listener: (n: DbNotice) => void): () => void {
  noticeListeners.add(listener);
  return () => noticeListeners.delete(listener);
}

/** Turns IndexedDB's quota error into a message a person can act on. */
export function describeStorageError(e: unknown, what: string): Error {
  const name = (e as { name?: string })?.name;
  if (name === 'QuotaExceededError') {
    return new Error(`Storage is full while ${what}: the browser's quota for this site is used up. Delete old runs (Runs list in the Search or One-shot tab) or datasets (Datasets tab) and try again; nothing stored before was changed.`);
  }
  return e instanceof Error ? e : new Error(`${what} failed: ${String(e)}`);
}
