/** The one client of the one-shot worker: starts it lazily, forwards its events, terminates it if a stop hangs. */
import * as Comlink from 'comlink';
import type { OneShotConfig, OneShotRunRecord, OneShotUiEvent, OneShotWorkerApi } from '../../protocol/oneshot-api';

export class OneShotBridge {
  private worker: Worker | null = null;
  private api: Comlink.Remote<OneShotWorkerApi> | null = null;
  private readonly listeners = new Set<(e: OneShotUiEvent) => void>();
  private readonly emit = Comlink.proxy((e: OneShotUiEvent) => {
    for (const l of this.listeners) l(e);
  });

  on(listener: (e: OneShotUiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remote(): Comlink.Remote<OneShotWorkerApi> {
    if (!this.api) {
      this.worker = new Worker(new URL('../../../workers/oneshot.worker.ts', import.meta.url), { type: 'module', name: 'oneshot' });
      this.api = Comlink.wrap<OneShotWorkerApi>(this.worker);
    }
    return this.api;
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
