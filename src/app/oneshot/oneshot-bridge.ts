/** The one client of the one-shot worker: starts it lazily, forwards its events, terminates it if a stop hangs. */
import type { OneShotConfig, OneShotRunRecord, OneShotUiEvent, OneShotWorkerApi } from '../../protocol/oneshot-api';
import { WorkerClient } from '../worker-client';

export class OneShotBridge extends WorkerClient<OneShotWorkerApi, OneShotUiEvent> {
  constructor() {
    super(() => new Worker(new URL('../../../workers/oneshot.worker.ts', import.meta.url), { type: 'module', name: 'oneshot' }), 'the one-shot worker');
  }

  ensureBuiltinDatasets(): Promise<string[]> {
    return this.remote().ensureBuiltinDatasets(new URL('./', document.baseURI).href);
  }

  start(config: OneShotConfig): Promise<OneShotRunRecord> {
    return this.remote().start(config, this.emit);
  }

  resume(runId: string): Promise<OneShotRunRecord> {
    return this.remote().resume(runId, this.emit);
  }

  /** Cooperative stop (a checkpoint is saved); terminates the worker if it does not answer within graceMs. */
  async stop(graceMs = 30_000): Promise<'stopped' | 'terminated'> {
    return (await this.askOrTerminate((api) => api.stop(), graceMs)) === 'answered' ? 'stopped' : 'terminated';
  }
}
