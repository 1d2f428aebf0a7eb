/**
 * The finalists worker: re-trains the top candidates of a stored run with a recipe, tests each once, keeps them
 * in the model registry (workers/finalists-session.ts), and builds their downloads (workers/finalist-export.ts).
 * Exposes ONE typed api object with comlink (src/protocol/finalists-api.ts); one job at a time (workers/job.ts).
 */
import * as Comlink from 'comlink';
import { getFinalistJob, openDb, putFinalistJob } from '../src/db';
import type { BackendChoice, BackendReport } from '../src/protocol/backend';
import type { FinalistJobRecord, FinalistsEventListener, FinalistsWorkerApi } from '../src/protocol/finalists-api';
import { selectBackend } from './backend';
import { BackendLossGuard } from './backend-loss';
import { exportModelZip } from './finalist-export';
import { measureModelLatency } from './finalist-latency';
import { createFinalistJob, runFinalistJob } from './finalists-session';
import { JobRunner } from './job';
import { withRunLock } from './run-lock';

let report: BackendReport | null = null;
let reportChoice: BackendChoice | null = null;
const jobs = new JobRunner(() => 'Finalists are already being re-trained in this worker; stop them first');
/** A lost GPU (device or context) pauses the job at its last saved epoch; the app then replaces this worker. */
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

function launch(job: FinalistJobRecord, onEvent: FinalistsEventListener): Promise<FinalistJobRecord> {
  return jobs.run('re-training finalists', (signal) => withRunLock('finalists', job.id, async () => {
    onEvent({ type: 'backend', report: await ensureBackend(job.request.backend) });
    const db = await openDb();
    return loss.settleOrPause(runFinalistJob(db, job, onEvent, signal, { checkBackend: () => loss.assertUsable() }), {
      emit: onEvent, stored: () => getFinalistJob(db, job.id), fallback: job, put: (j) => putFinalistJob(db, j), announce: (j) => onEvent({ type: 'job', job: j }),
      pause: (last, lost) => ({
        ...last, status: 'paused', updatedAt: Date.now(),
        error: `${lost} Re-training is paused at its last saved epoch; Resume continues it in a fresh worker, which chooses the backend again.`,
      }),
    });
  }));
}

const api: FinalistsWorkerApi = {
  async start(request, onEvent) {
    if (jobs.running) throw new Error('Finalists are already being re-trained in this worker; stop them first');
    const job = await createFinalistJob(await openDb(), request);
    onEvent({ type: 'job', job });
    return launch(job, onEvent);
  },
  async resume(jobId, onEvent) {
    const job = await getFinalistJob(await openDb(), jobId);
    if (!job) throw new Error(`Finalists job ${jobId} is not in this browser's storage`);
    if (job.status === 'done') return job;
    return launch(job, onEvent);
  },
  async exportModel(modelId, format) {
    // Exports run on whatever backend is set up (the default one if no job ran yet).
    await ensureBackend(reportChoice ?? 'wasm');
    const file = await exportModelZip(await openDb(), modelId, format);
    return Comlink.transfer(file, [file.bytes.buffer]);
  },
  measureLatency(modelId, backend) {
    // A job of its own: never while a job trains (it would switch the backend under it).
    return jobs.run('measuring latency', async () => {
      await ensureBackend(backend);
      return measureModelLatency(await openDb(), modelId);
    });
  },
  stop: () => jobs.stop(),
};

Comlink.expose(api);
