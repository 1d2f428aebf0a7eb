/**
 * The search worker: picks the tfjs backend and runs searches, exposing ONE typed api object with
 * comlink (the squoosh pattern). All training happens here; the UI only renders events and records.
 */
import * as Comlink from 'comlink';
import { openDb, getRun, putRun, RUN_RECORD_VERSION } from '../src/db';
import type { BackendChoice, BackendReport } from '../src/protocol/backend';
import type { SearchEventListener } from '../src/protocol/events';
import type { RunRecord } from '../src/protocol/run';
import type { SearchWorkerApi } from '../src/protocol/search-api';
import { selectBackend, watchDeviceLoss } from './backend';
import { ensureMnist10k } from './builtin-datasets';
import { runSearchSession } from './search-session';
import { validateRunConfig } from './run-config';
import { checkSpace } from '../src/shared/space-check';
import { SPACE_VOCABULARY } from '../src/shared/space-vocab';

let report: BackendReport | null = null;
let reportChoice: BackendChoice | null = null;
let active: { controller: AbortController; done: Promise<RunRecord> } | null = null;

let deviceLost: string | null = null;

async function ensureBackend(choice: BackendChoice): Promise<BackendReport> {
  if (!report || reportChoice !== choice) {
    report = await selectBackend(choice);
    reportChoice = choice;
    watchDeviceLoss((message) => {
      // Everything stored stays; the running session stops and the next start/resume selects again.
      deviceLost = message;
      report = null;
      active?.controller.abort();
    });
  }
  return report;
}

async function launch(run: RunRecord, onEvent: SearchEventListener): Promise<RunRecord> {
  if (active) throw new Error('A search is already running in this worker; stop it first');
  const r = await ensureBackend(run.config.evaluator.backend);
  onEvent({ type: 'backend', report: r });
  const controller = new AbortController();
  const db = await openDb();
  deviceLost = null;
  const done = runSearchSession(db, run, r.chosen, onEvent, controller.signal);
  active = { controller, done };
  try {
    const result = await done;
    if (!deviceLost) return result;
    const failed: RunRecord = { ...result, status: 'paused', error: `${deviceLost} The run is paused with every finished candidate saved; resume it to continue (the backend will be chosen again).`, updatedAt: Date.now() };
    await putRun(db, failed);
    onEvent({ type: 'run', run: failed });
    return failed;
  } finally {
    active = null;
  }
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
    return launch(run, onEvent);
  },
  spaceVocabulary: async () => SPACE_VOCABULARY,
  checkSpace: async (json) => checkSpace(json),
  async stop() {
    if (!active) return;
    active.controller.abort();
    await active.done.catch(() => undefined);
  },
};

Comlink.expose(api);
