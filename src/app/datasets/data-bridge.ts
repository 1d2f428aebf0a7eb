/**
 * The one client of the data worker (same pattern as ../bridge.ts): starts it lazily, forwards progress
 * events to listeners, rebuilds the worker's errors, and terminates it when a cooperative cancel does
 * not arrive in time (e.g. while it is inside one long synchronous parse; the calls in flight are then
 * rejected with an AbortError by WorkerClient, and nothing was stored).
 */
import type * as Comlink from 'comlink';
import type { CommitRequest, CommitResult, DataEvent, DataWorkerApi, DatasetPreview, ImportSource, SplitSpec, SplitSummary } from '../../protocol/data-api';
import { fromWorker } from './errors';
import { WorkerClient } from '../worker-client';

export class DataBridge extends WorkerClient<DataWorkerApi, DataEvent> {
  constructor() {
    super(() => new Worker(new URL('../../../workers/data.worker.ts', import.meta.url), { type: 'module', name: 'data' }), 'the data worker');
  }

  /** A call whose rejection is rebuilt as an Error this side can show (the parser's errors keep their code). */
  private call<T>(work: (api: Comlink.Remote<DataWorkerApi>) => Promise<T>): Promise<T> {
    return work(this.remote()).catch((e: unknown) => { throw fromWorker(e); });
  }

  /** Files are structured-cloned to the worker (a File is a handle, not a copy of its bytes). */
  preview(source: ImportSource): Promise<DatasetPreview> {
    return this.call((api) => api.preview(source, this.emit));
  }

  previewSplit(previewId: string, spec: SplitSpec): Promise<SplitSummary> {
    return this.call((api) => api.previewSplit(previewId, spec));
  }

  commit(previewId: string, request: CommitRequest): Promise<CommitResult> {
    return this.call((api) => api.commit(previewId, request, this.emit));
  }

  async discard(previewId: string): Promise<void> {
    if (this.started) await this.call((api) => api.discard(previewId));
  }

  /** Cooperative cancel; if the worker does not answer within `graceMs`, it is terminated. */
  async cancel(graceMs = 3_000): Promise<'cancelled' | 'terminated'> {
    return (await this.askOrTerminate((api) => api.cancel(), graceMs)) === 'answered' ? 'cancelled' : 'terminated';
  }
}
