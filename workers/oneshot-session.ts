/**
 * One one-shot search inside the worker: the storage side of the engine's runOneShotSearch
 * (src/engine/search/oneshot-run.ts, which the headless runner shares). Loads the dataset and its locked split
 * from IndexedDB, restores from the run's checkpoint, forwards the engine's events, folds them into the run's chart
 * history, and commits run + checkpoint (the engine's state dict) in one transaction whenever the engine asks to
 * save (every epoch, every 10 ranked subnets, every ranking-check subnet, and on stop) — so a reload resumes from
 * the last checkpoint. Each save also stores the run's candidates with their lineage (shared/oneshot-lineage.ts).
 * A run imported from a run file has no supernet weights and is refused with the reason.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { OneShotConfigError, validateOneShotConfig as validateCurrent, type OneShotConfig } from '../src/engine/search/oneshot-config';
import { runOneShotSearch, type OneShotSavePoint } from '../src/engine/search/oneshot-run';
import {
  commitOneShotCheckpoint, emptyOneShotHistory, foldOneShotEvent, getOneShotCheckpoint, loadDataset, loadSplit, putOneShotRun, type Db,
} from '../src/db';
import type { BackendName } from '../src/protocol/backend';
import { storageFullMessage } from '../src/db/storage-full';
import { oneShotCandidates } from '../src/shared/oneshot-lineage';
import { importedNote } from '../src/shared/oneshot-run-file';
import {
  migrateOneShotConfig, ONESHOT_CHECKPOINT_VERSION, type OneShotCheckpointRecord, type OneShotEventListener, type OneShotRunRecord, type OneShotUiEvent,
} from '../src/protocol/oneshot-api';

export { OneShotConfigError };

/** Validates a configuration from the UI or a stored record (older versions migrated first). */
export function validateOneShotConfig(value: unknown): OneShotConfig {
  return validateCurrent(migrateOneShotConfig(value));
}

const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * `checkBackend` is called before every save and throws once the backend is lost (workers/backend-loss.ts): weights
 * read back from a lost GPU are never stored, and the run is returned as it was last committed (its host pauses it).
 */
export async function runOneShot(
  db: Db, initial: OneShotRunRecord, backend: BackendName, onEvent: OneShotEventListener, signal: AbortSignal, checkBackend?: () => void,
): Promise<OneShotRunRecord> {
  if (initial.imported) throw new Error(importedNote(initial.imported.file));
  let run: OneShotRunRecord = { ...initial, status: 'running', stopCause: null, backend, updatedAt: Date.now(), error: undefined };
  let history = run.history ?? emptyOneShotHistory();
  /** The run as last stored: its history and epoch match the stored checkpoint. */
  let saved: OneShotRunRecord = initial;
  const emit = (e: OneShotUiEvent) => {
    history = foldOneShotEvent(history, e);
    onEvent(e);
  };

  const save = async (p: OneShotSavePoint) => {
    checkBackend?.();
    const sd = await p.state();
    checkBackend?.();
    const cp: OneShotCheckpointRecord = { version: ONESHOT_CHECKPOINT_VERSION, runId: run.id, epoch: p.epoch, globalStep: p.globalStep, meta: sd.meta, tensors: sd.tensors, updatedAt: Date.now() };
    const arch = history.genotypes.at(-1)?.arch ?? history.ranked?.[0]?.arch ?? run.arch;
    const candidates = oneShotCandidates(run.id, run.config, history, p.epoch);
    run = { ...run, status: p.status ?? run.status, stopCause: p.status ? p.stopCause : run.stopCause, epoch: p.epoch, phase: p.phase, history, arch, candidates, updatedAt: Date.now() };
    await commitOneShotCheckpoint(db, run, cp);
    saved = run;
    const tensors = Object.values(cp.tensors);
    onEvent({ type: 'checkpoint', epoch: p.epoch, globalStep: p.globalStep, tensors: tensors.length, bytes: tensors.reduce((n, t) => n + t.data.byteLength, 0) });
    onEvent({ type: 'run', run });
  };

  try {
    const config = validateOneShotConfig(initial.config);
    run = { ...run, config };
    await putOneShotRun(db, run);
    saved = run;
    onEvent({ type: 'run', run });
    const ds = await loadDataset(db, config.datasetId);
    const split = await loadSplit(db, config.datasetId);
    if (!split) throw new Error(`Dataset "${ds.name}" has no locked split`);
    const checkpoint = await getOneShotCheckpoint(db, run.id);
    await runOneShotSearch(
      {
        config, dataset: ds, split,
        checkpoint: checkpoint ? { meta: checkpoint.meta, tensors: checkpoint.tensors } : null,
        previous: { ranked: history.ranked, rankingCheckDone: history.rankingCheckDone },
      },
      {
        signal,
        yieldNow,
        onEvent: (e) => emit(e as OneShotUiEvent),
        save,
        onStart: ({ stepsPerEpoch }) => {
          run = { ...run, stepsPerEpoch };
          onEvent({ type: 'run', run: { ...run, history } });
        },
      },
    );
    return run;
  } catch (e) {
    // A lost backend is not the run's failure: what is stored stays as it is (its host pauses the run).
    try {
      checkBackend?.();
    } catch {
      return saved;
    }
    const full = storageFullMessage(e);
    if (full !== null) return pauseForStorage(db, saved, full, onEvent);
    run = { ...run, status: 'failed', history, error: message(e), updatedAt: Date.now() };
    onEvent({ type: 'log', level: 'error', message: run.error! });
    await putOneShotRun(db, run);
    onEvent({ type: 'run', run });
    return run;
  }
}

/**
 * Storage is full (most often the supernet's weights no longer fit): the run goes back to what was last stored (its
 * checkpoint, and the charts of that same epoch) and is paused there with the message, so Resume continues from that
 * checkpoint once there is room. The paused status is stored if it fits; else the tab still shows it.
 */
async function pauseForStorage(db: Db, saved: OneShotRunRecord, full: string, onEvent: OneShotEventListener): Promise<OneShotRunRecord> {
  const error = `${full} The run is paused at its last checkpoint (epoch ${saved.epoch}); resume it once there is room.`;
  const run: OneShotRunRecord = { ...saved, status: saved.status === 'created' ? 'created' : 'paused', stopCause: null, error, updatedAt: Date.now() };
  onEvent({ type: 'log', level: 'error', message: error });
  try {
    await putOneShotRun(db, run);
  } catch (e) {
    if (storageFullMessage(e) === null) throw e;
  }
  onEvent({ type: 'run', run });
  return run;
}
