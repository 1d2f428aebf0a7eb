/**
 * The one client of the search worker (the squoosh pattern): starts it lazily, forwards typed events to
 * listeners, and can terminate it when a cooperative stop does not arrive in time (calls in flight are then
 * rejected by WorkerClient, see worker-client.ts).
 */
import type { BackendChoice, BackendReport } from '../protocol/backend';
import type { SearchEvent } from '../protocol/events';
import type { RunForm, RunRecord } from '../protocol/run';
import type { SearchWorkerApi, SpaceCheck, SpaceVocabulary } from '../protocol/search-api';
import { WorkerClient } from './worker-client';

export class SearchBridge extends WorkerClient<SearchWorkerApi, SearchEvent> {
  constructor() {
    super(() => new Worker(new URL('../../workers/search.worker.ts', import.meta.url), { type: 'module', name: 'search' }), 'the search worker');
  }

  init(choice: BackendChoice): Promise<BackendReport> {
    return this.remote().init(choice);
  }

  ensureBuiltinDatasets(): Promise<string[]> {
    return this.remote().ensureBuiltinDatasets(new URL('./', document.baseURI).href);
  }

  start(config: RunForm): Promise<RunRecord> {
    return this.remote().start(config, this.emit);
  }

  resume(runId: string): Promise<RunRecord> {
    return this.remote().resume(runId, this.emit);
  }

  spaceVocabulary(): Promise<SpaceVocabulary> {
    return this.remote().spaceVocabulary();
  }

  /** Validation of a space config happens in the worker (the app may not run engine code). */
  checkSpace(json: unknown): Promise<SpaceCheck> {
    return this.remote().checkSpace(json);
  }

  /** Cooperative stop; if the worker does not answer within `graceMs`, it is terminated (nothing stored is lost). */
  async stop(graceMs = 15_000): Promise<'stopped' | 'terminated'> {
    return (await this.askOrTerminate((api) => api.stop(), graceMs)) === 'answered' ? 'stopped' : 'terminated';
  }
}
