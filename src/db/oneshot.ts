/**
 * One-shot runs and their checkpoints. A run record carries the event history that redraws its charts; it is
 * written together with the checkpoint in ONE transaction, so after a crash the charts and the resumable state
 * always agree (both old or both new). foldOneShotEvent is the pure reducer shared by the worker (what it stores)
 * and the UI (what it shows live).
 */
import { migrateOneShotConfig, migrateOneShotRun, ONESHOT_CHECKPOINT_VERSION, type OneShotCheckpointRecord, type OneShotConfig, type OneShotHistory, type OneShotRunRecord, type OneShotUiEvent } from '../protocol/oneshot-api';
import { describeStorageError, type Db } from './schema';

export function emptyOneShotHistory(): OneShotHistory {
  return { steps: [], epochs: [], alphas: [], genotypes: [], eigenvalues: [], earlyStop: null, subnets: [], subnetTotal: 0, ranked: null, topK: [], rankingCheck: null, rankingCheckDone: [] };
}

/** Stored history is validated on read: a missing or malformed field falls back to empty. */
export function normalizeOneShotHistory(h: Partial<OneShotHistory> | undefined): OneShotHistory {
  const e = emptyOneShotHistory();
  if (!h || typeof h !== 'object') return e;
  const arr = <T>(x: T[] | undefined, d: T[]): T[] => (Array.isArray(x) ? x : d);
  return {
    steps: arr(h.steps, e.steps), epochs: arr(h.epochs, e.epochs), alphas: arr(h.alphas, e.alphas), genotypes: arr(h.genotypes, e.genotypes),
    eigenvalues: arr(h.eigenvalues, e.eigenvalues), earlyStop: h.earlyStop ?? null, subnets: arr(h.subnets, e.subnets),
    subnetTotal: typeof h.subnetTotal === 'number' ? h.subnetTotal : 0, ranked: Array.isArray(h.ranked) ? h.ranked : null,
    topK: arr(h.topK, e.topK), rankingCheck: h.rankingCheck ?? null, rankingCheckDone: arr(h.rankingCheckDone, e.rankingCheckDone),
  };
}

/** Keep at most this many step points (older ones thinned to every other), so records stay small. */
export const MAX_STEP_POINTS = 2000;

function thin<T>(xs: T[]): T[] {
  return xs.length <= MAX_STEP_POINTS ? xs : xs.filter((_, i) => i % 2 === 1 || i === xs.length - 1);
}

/** Folds one event into a history (returns a new object; events that carry no chart data return `h`). */
export function foldOneShotEvent(h: OneShotHistory, e: OneShotUiEvent): OneShotHistory {
  switch (e.type) {
    case 'step':
      return { ...h, steps: thin([...h.steps.filter((s) => s.globalStep < e.globalStep), { globalStep: e.globalStep, epoch: e.epoch, trainLoss: e.trainLoss, validLoss: e.validLoss }]) };
    case 'epoch':
      return { ...h, epochs: [...h.epochs.filter((x) => x.epoch !== e.epoch), { epoch: e.epoch, lr: e.lr, trainLoss: e.trainLoss, validLoss: e.validLoss, validAcc: e.validAcc }] };
    case 'alphas':
      return { ...h, alphas: [...h.alphas.filter((x) => x.epoch !== e.epoch), { epoch: e.epoch, alphas: e.alphas, edges: e.edges, ops: e.ops, ...(e.betas ? { betas: e.betas } : {}) }] };
    case 'genotype':
      return { ...h, genotypes: [...h.genotypes.filter((x) => x.epoch !== e.epoch), { epoch: e.epoch, genotype: e.genotype, arch: e.arch, changed: e.changed }] };
    case 'eigenvalue':
      return { ...h, eigenvalues: [...h.eigenvalues.filter((x) => x.epoch !== e.epoch), { epoch: e.epoch, value: e.value }] };
    case 'early-stop':
      return { ...h, earlyStop: { epoch: e.epoch, reason: e.reason } };
    case 'subnet':
      return { ...h, subnets: [...h.subnets.slice(0, e.index), e.subnet], subnetTotal: e.total };
    case 'ranked':
      return { ...h, ranked: e.ranked, topK: e.topK.map((s) => s.arch) };
    case 'check-subnet':
      return { ...h, rankingCheckDone: [...h.rankingCheckDone.slice(0, e.index), e.subnet] };
    case 'ranking-check':
      return { ...h, rankingCheck: e.result };
    default:
      return h;
  }
}

export async function putOneShotRun(db: Db, run: OneShotRunRecord): Promise<void> {
  try {
    await db.put('oneshotRuns', run);
  } catch (e) {
    throw describeStorageError(e, `saving one-shot run "${run.config.name}"`);
  }
}

/**
 * A stored run as the current code reads it: record and config migrated to the current version (old status words
 * become the shared ones), history normalised.
 */
export function readOneShotRun(stored: OneShotRunRecord): OneShotRunRecord {
  const r = migrateOneShotRun(stored) as OneShotRunRecord;
  return { ...r, config: migrateOneShotConfig(r.config) as OneShotConfig, history: normalizeOneShotHistory(r.history) };
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

export async function deleteOneShotRun(db: Db, runId: string): Promise<void> {
  const tx = db.transaction(['oneshotRuns', 'oneshotCheckpoints'], 'readwrite');
  await Promise.all([tx.objectStore('oneshotRuns').delete(runId), tx.objectStore('oneshotCheckpoints').delete(runId), tx.done]);
}
