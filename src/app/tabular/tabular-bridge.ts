/**
 * The one client of the benchmark-lab worker (same pattern as ../bridge.ts): starts it lazily, forwards
 * typed lab events to listeners, and terminates it when a cooperative cancel does not arrive in time.
 */
import type { LabEvent, LabRunResult, LabSpec, TableMeta, TabularWorkerApi } from '../../protocol/tabular-api';
import { WorkerClient } from '../worker-client';

export class TabularBridge extends WorkerClient<TabularWorkerApi, LabEvent> {
  constructor() {
    super(() => new Worker(new URL('../../../workers/tabular.worker.ts', import.meta.url), { type: 'module', name: 'tabular' }), 'the benchmark lab worker');
  }

  /** The worker reads the file itself (a File is structured-cloned, not copied into this thread). */
  importTable(file: File): Promise<TableMeta> {
    return this.remote().importTable(file, file.name);
  }

  run(spec: LabSpec): Promise<LabRunResult[]> {
    return this.remote().run(spec, this.emit);
  }

  /** Cooperative cancel; if the worker does not answer within `graceMs`, it is terminated. */
  async cancel(graceMs = 5_000): Promise<'cancelled' | 'terminated'> {
    return (await this.askOrTerminate((api) => api.cancel(), graceMs)) === 'answered' ? 'cancelled' : 'terminated';
  }
}
