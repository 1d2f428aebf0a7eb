/** Runs, their evaluated candidates and their checkpoints. */
import { approxBytes } from './record-size';
import type { CandidateRecord, CheckpointRecord, RunConfig, RunRecord } from '../protocol/run';
import { formToRunConfig, type RunForm } from '../shared/run-form';
import { CHECKPOINT_VERSION } from '../shared/search-checkpoint';
import { parseNb201Config, type Nb201SpaceConfig } from '../shared/space-config';
import { describeStorageError, type Db } from './schema';

export const RUN_RECORD_VERSION = 1;

/**
 * Candidate records: 1 = no lineage; 2 = adds `parents` (ids of the earlier candidates it was made from);
 * 3 = adds `curve` (its per-epoch training loss and validation accuracy).
 */
export const CANDIDATE_RECORD_VERSION = 3;

/** The normalised full NB201 space config: what a v1 run config (`space: 'nb201'`) searched. */
export const FULL_NB201_SPACE_CONFIG: Nb201SpaceConfig = parseNb201Config();

/** The stored v1 layout: the v2 form with `space: 'nb201'`. */
type RunFormV1 = Omit<RunForm, 'version' | 'space'> & { readonly version: 1; readonly space: 'nb201' };

/**
 * Brings a stored (or sent) run configuration to the current version, unvalidated. The flat form: v1 -> v2
 * (`space: 'nb201'`, the only space v1 could search, becomes its normalised space config), v2 -> 3 (the one run
 * config: strategy {name, options: {prerank}}, budget {queries}, evaluator {kind 'train', dataset, backend, the
 * training settings, latency: true}, pareto {valid_acc, paretoCost}). Anything else passes through untouched.
 */
export function migrateRunConfig(raw: unknown): RunConfig {
  if (!raw || typeof raw !== 'object') return raw as RunConfig;
  let c = raw as { version?: unknown; datasetId?: unknown; space?: unknown };
  // Only the flat layout has datasetId at the top (the runner's own version 1 is the current layout).
  if (!('datasetId' in c)) return raw as RunConfig;
  if (c.version === 1) c = { ...(c as RunFormV1), version: 2, space: { ...FULL_NB201_SPACE_CONFIG, ops: [...FULL_NB201_SPACE_CONFIG.ops] } };
  if (c.version === 2) return formToRunConfig(c as RunForm);
  return raw as RunConfig;
}

/** A stored run as the current code reads it (every read of the runs store goes through here). */
export function migrateRunRecord(raw: RunRecord): RunRecord {
  const config = migrateRunConfig(raw.config);
  return config === raw.config ? raw : { ...raw, config };
}

export async function putRun(db: Db, run: RunRecord): Promise<void> {
  try {
    await db.put('runs', run);
  } catch (e) {
    throw describeStorageError(e, `saving run "${run.config.name}"`);
  }
}

export async function getRun(db: Db, id: string): Promise<RunRecord | undefined> {
  const r = await db.get('runs', id);
  return r && migrateRunRecord(r);
}

export async function listRuns(db: Db): Promise<RunRecord[]> {
  const runs = await db.getAllFromIndex('runs', 'byUpdated');
  return runs.reverse().map(migrateRunRecord);
}

/** What versions 1 and 2 stored: no curve, and (version 1) no lineage. */
type OlderCandidateRecord = Omit<CandidateRecord, 'parents' | 'curve'> & { readonly parents?: readonly number[] };

/**
 * A stored candidate as the current code reads it: version 1 (before lineage was recorded) gets `parents: []`,
 * versions 1-2 (before curves were recorded) `curve: []`.
 */
export function migrateCandidateRecord(raw: CandidateRecord | OlderCandidateRecord): CandidateRecord {
  if (raw.version >= CANDIDATE_RECORD_VERSION && 'curve' in raw && Array.isArray(raw.curve) && Array.isArray(raw.parents)) return raw as CandidateRecord;
  return { ...raw, version: CANDIDATE_RECORD_VERSION, parents: Array.isArray(raw.parents) ? raw.parents : [], curve: [] };
}

export async function listCandidates(db: Db, runId: string): Promise<CandidateRecord[]> {
  const all = await db.getAllFromIndex('candidates', 'byRun', runId);
  return all.map(migrateCandidateRecord).sort((a, b) => a.id - b.id);
}

/** A version-1 checkpoint record (before the search core's format). */
interface CheckpointRecordV1 {
  readonly version: 1;
  readonly runId: string;
  readonly nextId: number;
  readonly strategyState: unknown;
  readonly updatedAt: number;
}

/** A stored checkpoint as the current code reads it: v1 {nextId, strategyState} becomes the core's v2 format. */
export function migrateCheckpointRecord(raw: CheckpointRecord | CheckpointRecordV1): CheckpointRecord {
  if (raw.version !== 1 || !('strategyState' in raw)) return raw as CheckpointRecord;
  const { strategyState, ...rest } = raw;
  return { ...rest, version: CHECKPOINT_VERSION, strategy: strategyState as CheckpointRecord['strategy'] };
}

export async function getCheckpoint(db: Db, runId: string): Promise<CheckpointRecord | undefined> {
  const r = await db.get('checkpoints', runId);
  return r && migrateCheckpointRecord(r);
}

/**
 * Stores a finished candidate, the checkpoint taken right after it and the run's counters in ONE
 * transaction: after a crash the database holds either the old state or the new one, never a
 * candidate without its checkpoint (which would make a resume evaluate it twice).
 */
export async function commitCandidate(db: Db, run: RunRecord, candidate: CandidateRecord, checkpoint: CheckpointRecord): Promise<void> {
  const tx = db.transaction(['runs', 'candidates', 'checkpoints'], 'readwrite');
  try {
    await Promise.all([
      tx.objectStore('candidates').put(candidate),
      tx.objectStore('checkpoints').put(checkpoint),
      tx.objectStore('runs').put(run),
      tx.done,
    ]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, `saving candidate ${candidate.id} of run "${run.config.name}"`);
  }
}

/**
 * Stores the run and its checkpoint together without a new candidate: the strategy's status changed
 * (paused, done, failed) and the next session must see that status beside the run's.
 */
export async function commitRunState(db: Db, run: RunRecord, checkpoint: CheckpointRecord): Promise<void> {
  const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
  try {
    await Promise.all([tx.objectStore('checkpoints').put(checkpoint), tx.objectStore('runs').put(run), tx.done]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, `saving run "${run.config.name}"`);
  }
}

/**
 * Deletes a run with its candidates, its checkpoint and its finalists jobs (with their per-epoch states), in one
 * transaction; the re-trained models in the registry are kept. Returns about how many bytes that freed.
 */
export async function deleteRun(db: Db, runId: string): Promise<number> {
  const tx = db.transaction(['runs', 'candidates', 'checkpoints', 'finalistJobs', 'finalistStates'], 'readwrite');
  const [run, checkpoint, candidates, jobs] = await Promise.all([
    tx.objectStore('runs').get(runId),
    tx.objectStore('checkpoints').get(runId),
    tx.objectStore('candidates').index('byRun').getAll(runId),
    tx.objectStore('finalistJobs').index('byRun').getAll(runId),
  ]);
  const states = (await Promise.all(jobs.map((j) => tx.objectStore('finalistStates').index('byJob').getAll(j.id)))).flat();
  const candidateKeys = await tx.objectStore('candidates').index('byRun').getAllKeys(runId);
  const stateKeys = (await Promise.all(jobs.map((j) => tx.objectStore('finalistStates').index('byJob').getAllKeys(j.id)))).flat();
  await Promise.all([
    tx.objectStore('runs').delete(runId),
    tx.objectStore('checkpoints').delete(runId),
    ...candidateKeys.map((k) => tx.objectStore('candidates').delete(k)),
    ...jobs.map((j) => tx.objectStore('finalistJobs').delete(j.id)),
    ...stateKeys.map((k) => tx.objectStore('finalistStates').delete(k)),
    tx.done,
  ]);
  return approxBytes(run) + approxBytes(checkpoint) + approxBytes(candidates) + approxBytes(jobs) + approxBytes(states);
}
