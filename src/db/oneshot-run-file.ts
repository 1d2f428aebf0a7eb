/**
 * A stored One-shot-tab run as a run file (src/shared/oneshot-run-file.ts) and back. `exportOneShotRunFile` reads
 * the run (config, status, chart history, candidates with their lineage); `importOneShotRunFile` validates a file
 * and stores it as a NEW run (a fresh id, never overwriting one) marked `imported`: it lists and draws like the
 * original, keeps the original's lineage (its candidates name the supernet of the run that trained it), and has no
 * checkpoint — run files hold no supernet weights, so it is shown and compared, never resumed. The run's registry
 * models travel as the file's `finalists` and come back as imported models of the new run (run-file-models.ts).
 */
import { ONESHOT_RUN_VERSION, type OneShotHistory, type OneShotRunRecord } from '../protocol/oneshot-api';
import type { BackendName } from '../protocol/backend';
import { ONESHOT_FILE_NOTE, parseOneShotRunFile, type OneShotRunFile } from '../shared/oneshot-run-file';
import { RUN_FILE_FORMAT, RUN_FILE_VERSION } from '../shared/run-file';
import { getOneShotRun } from './oneshot';
import { listModels } from './models';
import { importedModelRecords, runFileFinalists } from './run-file-models';
import { describeStorageError, type Db } from './schema';

const BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const isBackend = (b: unknown): b is BackendName => BACKENDS.includes(b as BackendName);

/** The run file of a stored one-shot run (throws when the run does not exist). */
export async function exportOneShotRunFile(db: Db, runId: string, now: Date = new Date()): Promise<OneShotRunFile> {
  const run = await getOneShotRun(db, runId);
  if (!run) throw new Error(`one-shot run "${runId}" is not stored in this browser`);
  const finalists = runFileFinalists((await listModels(db)).filter((m) => m.runId === runId), run.candidates);
  return {
    format: RUN_FILE_FORMAT, version: RUN_FILE_VERSION, kind: 'oneshot', exportedAt: now.toISOString(), supernetWeights: 'not-included', note: ONESHOT_FILE_NOTE,
    runId: run.imported?.from ?? run.id, config: run.config, backend: run.backend ?? null, status: run.status, stopCause: run.stopCause,
    ...(run.error === undefined ? {} : { error: run.error }),
    epoch: run.epoch, stepsPerEpoch: run.stepsPerEpoch, phase: run.phase, arch: run.arch, candidates: run.candidates, history: run.history, checkpoint: null,
    ...(finalists.length > 0 ? { finalists } : {}),
  };
}

/** A file name for the download: the run's name, made safe. */
export function oneShotRunFileName(file: OneShotRunFile): string {
  const base = file.config.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'oneshot-run';
  return `${base}.nas-run.json`;
}

/**
 * Validates a parsed one-shot run file and stores it as a new, imported run with a fresh id. A run that was
 * running when exported is stored paused (it stopped where the file ends). `fileName` is shown with the note.
 */
export async function importOneShotRunFile(db: Db, input: unknown, fileName = 'a run file', newId: () => string = () => crypto.randomUUID(), now: number = Date.now()): Promise<OneShotRunRecord> {
  const file = parseOneShotRunFile(input);
  let id = newId();
  for (let tries = 0; (await getOneShotRun(db, id)) !== undefined; tries++) {
    if (tries >= 5) throw new Error(`importing one-shot run "${file.config.name}": could not find a free run id`);
    id = newId();
  }
  const status = file.status === 'running' || file.status === 'interrupted' ? 'paused' : file.status;
  const run: OneShotRunRecord = {
    version: ONESHOT_RUN_VERSION, id, config: file.config, status, stopCause: file.stopCause, epoch: file.epoch, stepsPerEpoch: file.stepsPerEpoch,
    phase: file.phase, ...(isBackend(file.backend) ? { backend: file.backend } : {}), history: file.history as OneShotHistory, arch: file.arch,
    candidates: file.candidates, imported: { from: file.runId, exportedAt: file.exportedAt, file: fileName }, createdAt: now, updatedAt: now,
    ...(file.error === undefined ? {} : { error: file.error }),
  };
  const { models } = importedModelRecords({
    runId: id, run: { source: 'oneshot', name: file.config.name, space: file.config.space, datasetId: file.config.datasetId }, exportedAt: file.exportedAt,
    finalists: file.finalists ?? [], candidates: file.candidates, now,
  });
  const tx = db.transaction(['oneshotRuns', 'models'], 'readwrite');
  try {
    await Promise.all([tx.objectStore('oneshotRuns').add(run), ...models.map((m) => tx.objectStore('models').put(m)), tx.done]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, `importing one-shot run "${file.config.name}"`);
  }
  return run;
}
