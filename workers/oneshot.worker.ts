/**
 * The one-shot worker: DARTS, PC-DARTS and SPOS searches with live events and per-epoch IndexedDB checkpoints.
 * Exposes ONE typed api object with comlink (src/protocol/oneshot-api.ts); one search at a time (workers/job.ts).
 */
import * as Comlink from 'comlink';
import { emptyOneShotHistory, getOneShotRun, openDb, putOneShotRun } from '../src/db';
import type { BackendReport } from '../src/protocol/backend';
import { ONESHOT_RUN_VERSION, type OneShotRunRecord, type OneShotWorkerApi } from '../src/protocol/oneshot-api';
import { selectBackend } from './backend';
import { BackendLossGuard } from './backend-loss';
import { ensureMnist10k } from './builtin-datasets';
import { JobRunner } from './job';
import { withRunLock } from './run-lock';
import { runOneShot, validateOneShotConfig } from './oneshot-session';

let report: BackendReport | null = null;
let reportChoice: string | null = null;
const jobs = new JobRunner(() => 'A one-shot search is already running in this worker; stop it first');
/** A lost GPU (device or context) pauses the run at its last checkpoint; the app then replaces this worker. */
const loss = new BackendLossGuard();

function launch(run: OneShotRunRecord, onEvent: Parameters<OneShotWorkerApi['start']>[1]): Promise<OneShotRunRecord> {
  return jobs.run('a one-shot search', (signal) => withRunLock('oneshot', run.id, async () => {
    loss.assertUsable();
    if (!report || reportChoice !== run.config.backend) {
      report = await selectBackend(run.config.backend);
      reportChoice = run.config.backend;
      loss.watch(jobs);
    }
    onEvent({ type: 'backend', report });
    const db = await openDb();
    // The run as stored with its last checkpoint (the session wrote nothing after the loss), paused, the loss named.
    return loss.settleOrPause(runOneShot(db, run, report.chosen, onEvent, signal, () => loss.assertUsable()), {
      emit: onEvent, stored: () => getOneShotRun(db, run.id), fallback: run, put: (r) => putOneShotRun(db, r), announce: (r) => onEvent({ type: 'run', run: r }),
      pause: (last, lost) => ({
        ...last, status: 'paused', stopCause: null, updatedAt: Date.now(),
        error: `${lost} The run is paused at its last checkpoint (${last.epoch} epoch${last.epoch === 1 ? '' : 's'} done); Resume continues it in a fresh worker, which chooses the backend again.`,
      }),
    });
  }));
}

const api: OneShotWorkerApi = {
  async ensureBuiltinDatasets(baseUrl) {
    return [await ensureMnist10k(await openDb(), baseUrl)];
  },
  async start(config, onEvent) {
    const valid = validateOneShotConfig(config);
    const now = Date.now();
    const run: OneShotRunRecord = {
      version: ONESHOT_RUN_VERSION, id: crypto.randomUUID(), config: valid, status: 'created', stopCause: null, epoch: 0, stepsPerEpoch: 0, phase: 'train',
      history: emptyOneShotHistory(), arch: null, candidates: [], createdAt: now, updatedAt: now,
    };
    await putOneShotRun(await openDb(), run);
    onEvent({ type: 'run', run });
    return launch(run, onEvent);
  },
  async resume(runId, onEvent) {
    const run = await getOneShotRun(await openDb(), runId);
    if (!run) throw new Error(`One-shot run ${runId} is not in this browser's storage`);
    if (run.status === 'done') return run;
    return launch(run, onEvent);
  },
  stop: () => jobs.stop(),
};

Comlink.expose(api);
