/**
 * One-shot runs and their checkpoints. A run record carries the event history that redraws its charts; it is
 * written together with the checkpoint in ONE transaction, so after a crash the charts and the resumable state
 * always agree (both old or both new). The history and its reducer are in the shared layer
 * (src/shared/oneshot-history.ts); they are re-exported here for the workers.
 */
import { approxBytes } from './record-size';
import {
  migrateOneShotConfig, migrateOneShotRun, ONESHOT_CHECKPOINT_VERSION, ONESHOT_RUN_VERSION, type OneShotCheckpointRecord, type OneShotConfig, type OneShotRunRecord,
} from '../protocol/oneshot-api';
import { normalizeOneShotHistory } from '../shared/oneshot-history';
import { oneShotCandidates, type OneShotCandidate } from '../shared/oneshot-lineage';

export { emptyOneShotHistory, foldOneShotEvent, MAX_STEP_POINTS, normalizeOneShotHistory } from '../shared/oneshot-history';
import { describeStorageError, type Db } from './schema';

export async function putOneShotRun(db: Db, run: OneShotRunRecord): Promise<void> {
  try {
    await db.put('oneshotRuns', run);
  } catch (e) {
    throw describeStorageError(e, `saving one-shot run "${run.config.name}"`);
  }
}

/**
 * A stored run as the current code reads it: record and config migrated to the current version (old status words
 * become the shared ones), history normalised. v2 -> v3: the candidates and their lineage are computed from the
 * history (hash null where the history predates hashes).
 */
export function readOneShotRun(stored: OneShotRunRecord): OneShotRunRecord {
  const r = migrateOneShotRun(stored) as Omit<OneShotRunRecord, 'version' | 'candidates'> & { version: number; candidates?: unknown };
  const config = migrateOneShotConfig(r.config) as OneShotConfig;
  const history = normalizeOneShotHistory(r.history);
  const candidates = r.version >= 3 && Array.isArray(r.candidates) ? (r.candidates as OneShotCandidate[]) : oneShotCandidates(r.id, config, history, r.epoch);
  return { ...r, version: ONESHOT_RUN_VERSION, config, history, candidates };
}

/** A stored checkpoint record that is not one. */
export class OneShotCheckpointRecordError extends Error {
  override readonly name = 'OneShotCheckpointRecordError';
}

/**
 * Checks a stored checkpoint record's envelope (the searcher's loadStateDict checks and migrates `meta` and the
 * tensors themselves); throws OneShotCheckpointRecordError naming the bad field.
 */
export function readOneShotCheckpoint(r: unknown, runId: string): OneShotCheckpointRecord {
  const bad = (what: string) => new OneShotCheckpointRecordError(`The stored checkpoint of one-shot run ${runId} is damaged: ${what}`);
  if (typeof r !== 'object' || r === null) throw bad('it is not a record');
  const c = r as Record<string, unknown>;
  if (c.version !== ONESHOT_CHECKPOINT_VERSION) throw bad(`"version" must be ${ONESHOT_CHECKPOINT_VERSION}, got ${JSON.stringify(c.version)}`);
  if (c.runId !== runId) throw bad(`"runId" is ${JSON.stringify(c.runId)}`);
  for (const k of ['epoch', 'globalStep'] as const) {
    if (!(typeof c[k] === 'number' && Number.isInteger(c[k]) && (c[k] as number) >= 0)) throw bad(`"${k}" must be a whole number >= 0, got ${JSON.stringify(c[k])}`);
  }
  const meta = c.meta as Record<string, unknown> | null;
  if (typeof meta !== 'object' || meta === null) throw bad('"meta" must be an object');
  if (typeof meta.strategy !== 'string') throw bad(`"meta.strategy" must be text, got ${JSON.stringify(meta.strategy)}`);
  if (typeof meta.version !== 'number') throw bad(`"meta.version" must be a number, got ${JSON.stringify(meta.version)}`);
  if (typeof c.tensors !== 'object' || c.tensors === null) throw bad('"tensors" must be an object');
  return r as OneShotCheckpointRecord;
}

export async function getOneShotRun(db: Db, id: string): Promise<OneShotRunRecord | undefined> {
  const r = await db.get('oneshotRuns', id);
  return r ? readOneShotRun(r) : undefined;
}

/** Newest first. */
export async function listOneShotRuns(db: Db): Promise<OneShotRunRecord[]> {
  const all = await db.getAllFromIndex('oneshotRuns', 'byUpdated');
  return all.reverse().map(readOneShotRun);
}

export async function getOneShotCheckpoint(db: Db, runId: string): Promise<OneShotCheckpointRecord | undefined> {
  const r = await db.get('oneshotCheckpoints', runId);
  return r === undefined ? undefined : readOneShotCheckpoint(r, runId);
}

/** The run (with its history) and the checkpoint taken at the same point, in one transaction. */
export async function commitOneShotCheckpoint(db: Db, run: OneShotRunRecord, checkpoint: OneShotCheckpointRecord): Promise<void> {
  const tx = db.transaction(['oneshotRuns', 'oneshotCheckpoints'], 'readwrite');
  try {
    await Promise.all([tx.objectStore('oneshotCheckpoints').put(checkpoint), tx.objectStore('oneshotRuns').put(run), tx.done]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, `saving a checkpoint of one-shot run "${run.config.name}"`);
  }
}

/** Deletes a one-shot run and its checkpoint (the supernet's weights) in one transaction; returns about how many bytes that freed. */
export async function deleteOneShotRun(db: Db, runId: string): Promise<number> {
  const tx = db.transaction(['oneshotRuns', 'oneshotCheckpoints'], 'readwrite');
  const [run, checkpoint] = await Promise.all([tx.objectStore('oneshotRuns').get(runId), tx.objectStore('oneshotCheckpoints').get(runId)]);
  await Promise.all([tx.objectStore('oneshotRuns').delete(runId), tx.objectStore('oneshotCheckpoints').delete(runId), tx.done]);
  return approxBytes(run) + approxBytes(checkpoint);
}
