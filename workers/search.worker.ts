/**
 * The search worker: picks the tfjs backend and runs searches, exposing ONE typed api object with
 * comlink (the squoosh pattern). All training happens here; the UI only renders events and records.
 * One search at a time (workers/job.ts); stop() pauses it with every finished candidate saved.
 */
import * as Comlink from 'comlink';
import { openDb, getRun, putRun, RUN_RECORD_VERSION } from '../src/db';
import type { BackendChoice, BackendReport } from '../src/protocol/backend';
import type { SearchEventListener } from '../src/protocol/events';
import type { RunRecord } from '../src/protocol/run';
import type { SearchWorkerApi } from '../src/protocol/search-api';
import { selectBackend } from './backend';
import { BackendLossGuard } from './backend-loss';
import { ensureMnist10k } from './builtin-datasets';
import { JobRunner } from './job';
import { runSearchSession } from './search-session';
import { checkStoredRun, validateRunConfig } from './run-config';
import { withRunLock } from './run-lock';
import { checkSpace } from '../src/shared/space-check';
import { SPACE_VOCABULARY } from '../src/shared/space-vocab';

let report: BackendReport | null = null;
let reportChoice: BackendChoice | null = null;
const jobs = new JobRunner(() => 'A search is already running in this worker; stop it first');

/** A lost GPU (device or context) stops the search at its last saved candidate; the app then replaces this worker. */
const loss = new BackendLossGuard();

async function ensureBackend(choice: BackendChoice): Promise<BackendReport> {
  loss.assertUsable();
  if (!report || reportChoice !== choice) {
    report = await selectBackend(choice);
    reportChoice = choice;
    loss.watch(jobs);
  }
  return report;
}

function launch(run: RunRecord, onEvent: SearchEventListener): Promise<RunRecord> {
  return jobs.run('a search', (signal) => withRunLock('search', run.id, async () => {
    const r = await ensureBackend(run.config.evaluator.backend);
    onEvent({ type: 'backend', report: r });
    const db = await openDb();
    const session = runSearchSession(db, run, r.chosen, onEvent, signal, () => loss.assertUsable());
    // Every finished candidate is stored with its checkpoint; the run as last stored is paused, the loss named.
    return loss.settleOrPause(session, {
      emit: onEvent, stored: () => getRun(db, run.id), fallback: run, put: (r) => putRun(db, r), announce: (r) => onEvent({ type: 'run', run: r }),
      pause: (last, lost) => ({
        ...last, status: 'paused', updatedAt: Date.now(),
        error: `${lost} The run is paused with its ${last.completed} finished candidate${last.completed === 1 ? '' : 's'} saved; Resume continues it in a fresh worker, which chooses the backend again.`,
      }),
    });
  }));
}

const api: SearchWorkerApi = {
  init: (choice) => ensureBackend(choice),
  async ensureBuiltinDatasets(baseUrl) {
    const db = await openDb();
    return [await ensureMnist10k(db, baseUrl)];
  },
  async start(config, onEvent) {
    const valid = validateRunConfig(config);
    const now = Date.now();
    const run: RunRecord = { version: RUN_RECORD_VERSION, id: crypto.randomUUID(), config: valid, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
    await putRun(await openDb(), run);
    return launch(run, onEvent);
  },
  async resume(runId, onEvent) {
    const run = await getRun(await openDb(), runId);
    if (!run) throw new Error(`Run ${runId} is not in this browser's storage`);
    if (run.status === 'done') return run;
    return launch(checkStoredRun(run), onEvent);
  },
  spaceVocabulary: async () => SPACE_VOCABULARY,
  checkSpace: async (json) => checkSpace(json),
  stop: () => jobs.stop(),
};

Comlink.expose(api);
