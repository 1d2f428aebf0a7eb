/**
 * The one-shot worker: DARTS, PC-DARTS and SPOS searches with live events and per-epoch IndexedDB checkpoints.
 * Exposes ONE typed api object with comlink (src/protocol/oneshot-api.ts).
 */
import * as Comlink from 'comlink';
import { emptyOneShotHistory, getOneShotRun, openDb, putOneShotRun } from '../src/db';
import type { BackendReport } from '../src/protocol/backend';
import { ONESHOT_RUN_VERSION, type OneShotRunRecord, type OneShotWorkerApi } from '../src/protocol/oneshot-api';
import { selectBackend } from './backend';
import { ensureMnist10k } from './builtin-datasets';
import { runOneShot, validateOneShotConfig } from './oneshot-session';

let report: BackendReport | null = null;
let reportChoice: string | null = null;
let active: { controller: AbortController; done: Promise<OneShotRunRecord> } | null = null;

async function launch(run: OneShotRunRecord, onEvent: Parameters<OneShotWorkerApi['start']>[1]): Promise<OneShotRunRecord> {
  if (active) throw new Error('A one-shot search is already running in this worker; stop it first');
  const controller = new AbortController();
  let resolveDone!: (r: OneShotRunRecord) => void;
  const done = new Promise<OneShotRunRecord>((r) => { resolveDone = r; });
  active = { controller, done };
  try {
    if (!report || reportChoice !== run.config.backend) {
      report = await selectBackend(run.config.backend);
      reportChoice = run.config.backend;
    }
    onEvent({ type: 'backend', report });
    const db = await openDb();
    const result = await runOneShot(db, run, report.chosen, onEvent, controller.signal);
    resolveDone(result);
    return result;
  } catch (e) {
    resolveDone(run);
    throw e;
  } finally {
    active = null;
  }
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
      history: emptyOneShotHistory(), arch: null, createdAt: now, updatedAt: now,
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
  async stop() {
    if (!active) return;
    active.controller.abort();
    await active.done.catch(() => undefined);
  },
};

Comlink.expose(api);
