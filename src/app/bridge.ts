/**
 * The one client of the search worker (the squoosh pattern): starts it lazily, forwards typed events to
 * listeners, and can terminate it when a cooperative stop does not arrive in time.
 */
import * as Comlink from 'comlink';
import type { BackendChoice, BackendReport } from '../protocol/backend';
import type { SearchEvent } from '../protocol/events';
import type { RunConfig, RunRecord } from '../protocol/run';
import type { SearchWorkerApi } from '../protocol/search-api';

export class SearchBridge {
  private worker: Worker | null = null;
  private api: Comlink.Remote<SearchWorkerApi> | null = null;
  private readonly listeners = new Set<(e: SearchEvent) => void>();
  private readonly emit = Comlink.proxy((e: SearchEvent) => {
    for (const l of this.listeners) l(e);
  });

  on(listener: (e: SearchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remote(): Comlink.Remote<SearchWorkerApi> {
    if (!this.api) {
      this.worker = new Worker(new URL('../../workers/search.worker.ts', import.meta.url), { type: 'module', name: 'search' });
      this.api = Comlink.wrap<SearchWorkerApi>(this.worker);
    }
    return this.api;
  }

  init(choice: BackendChoice): Promise<BackendReport> {
    return this.remote().init(choice);
  }

  ensureBuiltinDatasets(): Promise<string[]> {
    return this.remote().ensureBuiltinDatasets(new URL('./', document.baseURI).href);
  }

  start(config: RunConfig): Promise<RunRecord> {
    return this.remote().start(config, this.emit);
  }

  resume(runId: string): Promise<RunRecord> {
    return this.remote().resume(runId, this.emit);
  }

  /** Cooperative stop; if the worker does not answer within `graceMs`, it is terminated (nothing stored is lost). */
  async stop(graceMs = 15_000): Promise<'stopped' | 'terminated'> {
    if (!this.api) return 'stopped';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'terminated'>((resolve) => { timer = setTimeout(() => resolve('terminated'), graceMs); });
    const outcome = await Promise.race([this.api.stop().then(() => 'stopped' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'terminated') this.terminate();
    return outcome;
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
  }
}
