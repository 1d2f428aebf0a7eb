/**
 * The model registry and the finalists jobs that fill it (records: src/protocol/finalists-api.ts).
 *  - finalistJobs: one record per job (request, recipe, entries, status);
 *  - finalistStates: per job and entry, the re-training state after its last completed epoch (a reload resumes
 *    from it); written together with the job record in one transaction;
 *  - models / modelWeights: every re-trained, tested model and its weights, written in ONE transaction with the
 *    job record and the removal of the entry's state, so a crash leaves either the checkpoint or the model.
 * Every read checks the record's version (and migrates older ones); a record this code cannot read is reported
 * with what to do, never silently used.
 */
import {
  FINALIST_JOB_VERSION, FINALIST_STATE_VERSION, MODEL_RECORD_VERSION, MODEL_WEIGHTS_VERSION,
  type FinalistJobRecord, type FinalistStateRecord, type ModelRecord, type ModelWeightsRecord, type SearchedModelFields,
} from '../protocol/finalists-api';
import { describeStorageError, type Db } from './schema';

const versionOf = (r: unknown): unknown => (typeof r === 'object' && r !== null ? (r as { version?: unknown }).version : undefined);

function unreadable(what: string, r: unknown, expected: number): Error {
  return new Error(`${what} has record version ${JSON.stringify(versionOf(r))}, which this version of the app cannot read (expected ${expected}); delete it and re-train`);
}

/** Whether the model is a genotype of a space (rebuilt and exported through the space table), not a hand-designed net. */
export const isSearchedModel = (m: ModelRecord): m is ModelRecord & SearchedModelFields => 'genotype' in m;

/** Model record versions this code reads: 1 (every model a searched finalist, no kind) and 2 (current). */
const readableModel = (r: unknown) => versionOf(r) === 1 || versionOf(r) === MODEL_RECORD_VERSION;

/**
 * A stored model as the current code reads it: version 1 becomes a 'finalist' of a Search-tab run (the only kind it
 * had) of version 2; a missing latency map is rebuilt from the report.
 */
export function migrateModelRecord(stored: ModelRecord): ModelRecord {
  if (!readableModel(stored)) throw unreadable(`Stored model "${String((stored as { id?: unknown }).id)}"`, stored, MODEL_RECORD_VERSION);
  const r: ModelRecord = versionOf(stored) === 1 ? { ...(stored as Omit<ModelRecord, 'kind' | 'version'> & SearchedModelFields), version: MODEL_RECORD_VERSION, kind: 'finalist', source: 'search' } : stored;
  if (r.latencyMs && typeof r.latencyMs === 'object') return r;
  const ms = r.report.latency_ms;
  return { ...r, latencyMs: ms !== undefined ? { [r.report.backend]: ms } : {} };
}

export function migrateFinalistJob(r: FinalistJobRecord): FinalistJobRecord {
  if (versionOf(r) !== FINALIST_JOB_VERSION) throw unreadable(`Stored finalists job "${String((r as { id?: unknown }).id)}"`, r, FINALIST_JOB_VERSION);
  return r;
}

export async function putFinalistJob(db: Db, job: FinalistJobRecord): Promise<void> {
  try {
    await db.put('finalistJobs', job);
  } catch (e) {
    throw describeStorageError(e, `saving the finalists of run "${job.runName}"`);
  }
}

export async function getFinalistJob(db: Db, id: string): Promise<FinalistJobRecord | undefined> {
  const r = await db.get('finalistJobs', id);
  return r && migrateFinalistJob(r);
}

/** Newest first; only one run's jobs when `runId` is given. Records of an unknown version are left out (get names them). */
export async function listFinalistJobs(db: Db, runId?: string): Promise<FinalistJobRecord[]> {
  const all = runId === undefined ? await db.getAll('finalistJobs') : await db.getAllFromIndex('finalistJobs', 'byRun', runId);
  return all.filter((r) => versionOf(r) === FINALIST_JOB_VERSION).map(migrateFinalistJob).sort((a, b) => b.createdAt - a.createdAt);
}

/** The entry's re-training state after its last completed epoch. */
export async function getFinalistState(db: Db, jobId: string, key: string): Promise<FinalistStateRecord | undefined> {
  const r = await db.get('finalistStates', [jobId, key]);
  if (r === undefined) return undefined;
  if (versionOf(r) !== FINALIST_STATE_VERSION) throw unreadable(`The re-training checkpoint of ${key}`, r, FINALIST_STATE_VERSION);
  return r;
}

/** An epoch's state and the job record (its progress) in one transaction. */
export async function commitFinalistState(db: Db, job: FinalistJobRecord, state: FinalistStateRecord): Promise<void> {
  const tx = db.transaction(['finalistJobs', 'finalistStates'], 'readwrite');
  try {
    await Promise.all([tx.objectStore('finalistStates').put(state), tx.objectStore('finalistJobs').put(job), tx.done]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, `saving epoch ${state.state.epoch} of ${state.key}`);
  }
}

/** A tested model with its weights, the job record, and the removal of the entry's re-training state: one transaction. */
export async function commitModel(db: Db, job: FinalistJobRecord, model: ModelRecord, weights: ModelWeightsRecord): Promise<void> {
  const tx = db.transaction(['finalistJobs', 'finalistStates', 'models', 'modelWeights'], 'readwrite');
  try {
    await Promise.all([
      tx.objectStore('models').put(model),
      tx.objectStore('modelWeights').put(weights),
      tx.objectStore('finalistStates').delete([model.jobId, model.key]),
      tx.objectStore('finalistJobs').put(job),
      tx.done,
    ]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, `saving the re-trained model ${model.key}`);
  }
}

/** The job and its re-training states; the models it made stay in the registry. */
export async function deleteFinalistJob(db: Db, jobId: string): Promise<void> {
  const tx = db.transaction(['finalistJobs', 'finalistStates'], 'readwrite');
  const keys = await tx.objectStore('finalistStates').index('byJob').getAllKeys(jobId);
  await Promise.all([tx.objectStore('finalistJobs').delete(jobId), ...keys.map((k) => tx.objectStore('finalistStates').delete(k)), tx.done]);
}

export async function getModel(db: Db, id: string): Promise<ModelRecord | undefined> {
  const r = await db.get('models', id);
  return r && migrateModelRecord(r);
}

/** Every model in the registry, newest first (without weights). Records of an unknown version are left out (getModel names them). */
export async function listModels(db: Db): Promise<ModelRecord[]> {
  const all = await db.getAllFromIndex('models', 'byCreated');
  return all.reverse().filter(readableModel).map(migrateModelRecord);
}

export async function getModelWeights(db: Db, modelId: string): Promise<ModelWeightsRecord | undefined> {
  const r = await db.get('modelWeights', modelId);
  if (r === undefined) return undefined;
  if (versionOf(r) !== MODEL_WEIGHTS_VERSION) throw unreadable(`The weights of model "${modelId}"`, r, MODEL_WEIGHTS_VERSION);
  return r;
}

/** Records a latency measured on `backend` beside the others (a re-measure on the same backend replaces it). */
export async function addModelLatency(db: Db, modelId: string, backend: string, ms: number): Promise<ModelRecord> {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new Error(`latency of model "${modelId}" on ${backend} must be a finite number of ms >= 0, got ${ms}`);
  const tx = db.transaction('models', 'readwrite');
  const r = await tx.store.get(modelId);
  if (!r) throw new Error(`Model "${modelId}" is not in the registry`);
  const m = migrateModelRecord(r);
  const next: ModelRecord = { ...m, latencyMs: { ...m.latencyMs, [backend]: ms } };
  await Promise.all([tx.store.put(next), tx.done]);
  return next;
}

/** The model and its weights. */
export async function deleteModel(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['models', 'modelWeights'], 'readwrite');
  await Promise.all([tx.objectStore('models').delete(id), tx.objectStore('modelWeights').delete(id), tx.done]);
}
