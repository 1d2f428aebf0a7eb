/**
 * The one checkpoint format of a black-box search: what the headless runner writes to its --checkpoint file
 * and what the search worker stores per run in IndexedDB (without the log: the worker keeps its candidates
 * in their own store and hands them back as the log on resume).
 *
 * Versions:
 *  1  {version, strategy, log} (the runner's; the log was required).
 *  2  {version, nextId, strategy, log?}: nextId = the next candidate id = candidates evaluated (ids are
 *     contiguous). v1 is migrated on read (nextId = log length).
 *     Log entries may carry `parents` (lineage, optional: older logs have none), so the version stays 2.
 */
import type { StrategyState } from '../strategy/types';
import { SearchSetupError, type LoggedCandidate } from './types';

import { CHECKPOINT_VERSION } from '../../shared/search-checkpoint';

export { CHECKPOINT_VERSION };

export interface SearchCheckpoint {
  readonly version: number;
  /** Id of the next candidate to ask for (= number evaluated). */
  readonly nextId: number;
  readonly strategy: StrategyState;
  /** Every evaluated candidate in order; absent where the host stores candidates itself. */
  readonly log?: readonly LoggedCandidate[];
}

/** A version-1 checkpoint as the runner wrote it. */
interface SearchCheckpointV1 {
  readonly version: 1;
  readonly strategy: StrategyState;
  readonly log: readonly LoggedCandidate[];
}

/** Brings a checkpoint of any known version to CHECKPOINT_VERSION (checked: a bad one throws SearchSetupError). */
export function migrateSearchCheckpoint(raw: unknown): SearchCheckpoint {
  if (typeof raw !== 'object' || raw === null) throw new SearchSetupError('checkpoint must be an object');
  const c = raw as Partial<SearchCheckpoint>;
  if (c.version === 1) {
    const v1 = raw as SearchCheckpointV1;
    return validateCheckpoint({ version: CHECKPOINT_VERSION, nextId: Array.isArray(v1.log) ? v1.log.length : 0, strategy: v1.strategy, log: v1.log });
  }
  if (c.version !== CHECKPOINT_VERSION) throw new SearchSetupError(`checkpoint version ${String(c.version)} is not supported (expected 1 or ${CHECKPOINT_VERSION})`);
  return validateCheckpoint(raw as SearchCheckpoint);
}

function validateCheckpoint(cp: SearchCheckpoint): SearchCheckpoint {
  if (typeof cp.strategy !== 'object' || cp.strategy === null) throw new SearchSetupError('checkpoint.strategy must be a strategy state dict');
  if (!(Number.isInteger(cp.nextId) && cp.nextId >= 0)) throw new SearchSetupError(`checkpoint.nextId must be an integer >= 0, got ${String(cp.nextId)}`);
  if (cp.log !== undefined) validateLog(cp.log, cp.nextId, 'checkpoint.log');
  return cp;
}

/** The log a run resumes with: entries with ids 0..nextId-1 in order (ids are contiguous). */
export function validateLog(log: readonly LoggedCandidate[], nextId: number, what: string): void {
  if (!Array.isArray(log)) throw new SearchSetupError(`${what} must be an array`);
  const ids = new Set<number>();
  log.forEach((e, i) => {
    const ok = typeof e === 'object' && e !== null && Number.isInteger(e.id) && typeof e.arch === 'string' && typeof e.hash === 'string' &&
      typeof e.metrics === 'object' && e.metrics !== null && (e.objective === null || typeof e.objective === 'number');
    if (!ok) throw new SearchSetupError(`${what}[${i}] is not a run log entry`);
    if (e.parents !== undefined && !(Array.isArray(e.parents) && (e.parents as readonly unknown[]).every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 0 && p < e.id))) {
      throw new SearchSetupError(`${what}[${i}].parents must be ids of earlier candidates (integers < ${e.id}), got ${JSON.stringify(e.parents)}`);
    }
    if (ids.has(e.id)) throw new SearchSetupError(`${what}[${i}]: candidate id ${e.id} appears twice`);
    ids.add(e.id);
  });
  if (log.length !== nextId) throw new SearchSetupError(`${what} holds ${log.length} candidates but the checkpoint's nextId is ${nextId}`);
}
