/**
 * The one client of the data worker (same pattern as ../bridge.ts): starts it lazily, forwards progress
 * events to listeners, rebuilds the worker's errors, and terminates it when a cooperative cancel does
 * not arrive in time (e.g. while it is inside one long synchronous parse).
 */
import type * as Comlink from 'comlink';
import type { CommitRequest, CommitResult, DataEvent, DataWorkerApi, DatasetPreview, ImportSource, SplitSpec, SplitSummary } from '../../protocol/data-api';
import { fromWorker } from './errors';
import { WorkerClient } from '../worker-client';

export class DataBridge extends WorkerClient<DataWorkerApi, DataEvent> {
  /** Rejecters of the calls in flight, so a terminated worker does not leave them hanging. */
  private readonly inFlight = new Set<(e: Error) => void>();

  constructor() {
    super(() => new Worker(new URL('../../../workers/data.worker.ts', import.meta.url), { type: 'module', name: 'data' }));
  }

  private call<T>(work: (api: Comlink.Remote<DataWorkerApi>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const kill = (e: Error) => reject(e);
      this.inFlight.add(kill);
      work(this.remote())
        .then(resolve, (e: unknown) => reject(fromWorker(e)))
        .finally(() => this.inFlight.delete(kill));
    });
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

  override terminate(): void {
    super.terminate();
    const e = new Error('Cancelled: the data worker was stopped; nothing was stored');
    e.name = 'AbortError';
    for (const kill of this.inFlight) kill(e);
    this.inFlight.clear();
  }
}
