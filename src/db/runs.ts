/** Runs, their evaluated candidates and their checkpoints. */
import type { CandidateRecord, CheckpointRecord, RunRecord } from '../protocol/run';
import { describeStorageError, type Db } from './schema';

export const RUN_RECORD_VERSION = 1;

export async function putRun(db: Db, run: RunRecord): Promise<void> {
  try {
    await db.put('runs', run);
  } catch (e) {
    throw describeStorageError(e, `saving run "${run.config.name}"`);
  }
}

export async function getRun(db: Db, id: string): Promise<RunRecord | undefined> {
  return db.get('runs', id);
}

export async function listRuns(db: Db): Promise<RunRecord[]> {
  const runs = await db.getAllFromIndex('runs', 'byUpdated');
  return runs.reverse();
}

export async function listCandidates(db: Db, runId: string): Promise<CandidateRecord[]> {
  const all = await db.getAllFromIndex('candidates', 'byRun', runId);
  return all.sort((a, b) => a.id - b.id);
}

export async function getCheckpoint(db: Db, runId: string): Promise<CheckpointRecord | undefined> {
  return db.get('checkpoints', runId);
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

export async function deleteRun(db: Db, runId: string): Promise<void> {
  const tx = db.transaction(['runs', 'candidates', 'checkpoints'], 'readwrite');
  const keys = await tx.objectStore('candidates').index('byRun').getAllKeys(runId);
  await Promise.all([
    tx.objectStore('runs').delete(runId),
    tx.objectStore('checkpoints').delete(runId),
    ...keys.map((k) => tx.objectStore('candidates').delete(k)),
    tx.done,
  ]);
}
