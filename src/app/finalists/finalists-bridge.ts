/** The one client of the finalists worker (workers/finalists.worker.ts): started lazily, events to listeners. */
import type { BackendChoice } from '../../protocol/backend';
import type { ExportedFile, ExportFormat, FinalistJobRecord, FinalistsEvent, FinalistsRequest, FinalistsWorkerApi, ModelRecord } from '../../protocol/finalists-api';
import { WorkerClient } from '../worker-client';

export class FinalistsBridge extends WorkerClient<FinalistsWorkerApi, FinalistsEvent> {
  constructor() {
    super(() => new Worker(new URL('../../../workers/finalists.worker.ts', import.meta.url), { type: 'module', name: 'finalists' }), 'the finalists worker');
  }

  start(request: FinalistsRequest): Promise<FinalistJobRecord> {
    return this.remote().start(request, this.emit);
  }

  resume(jobId: string): Promise<FinalistJobRecord> {
    return this.remote().resume(jobId, this.emit);
  }

  exportModel(modelId: string, format: ExportFormat): Promise<ExportedFile> {
    return this.remote().exportModel(modelId, format);
  }

  measureLatency(modelId: string, backend: BackendChoice): Promise<ModelRecord> {
    return this.remote().measureLatency(modelId, backend);
  }

  /** Cooperative stop (the job is paused with its last epoch saved); terminates the worker if it does not answer. */
  async stop(graceMs = 15_000): Promise<'stopped' | 'terminated'> {
    return (await this.askOrTerminate((api) => api.stop(), graceMs)) === 'answered' ? 'stopped' : 'terminated';
  }
}
