/**
 * The one client of the benchmark-lab worker (same pattern as ../bridge.ts): starts it lazily, forwards
 * typed lab events to listeners, and terminates it when a cooperative cancel does not arrive in time.
 */
import * as Comlink from 'comlink';
import type { LabEvent, LabRunResult, LabSpec, TableMeta, TabularWorkerApi } from '../../protocol/tabular-api';

export class TabularBridge {
  private worker: Worker | null = null;
  private api: Comlink.Remote<TabularWorkerApi> | null = null;
  private readonly listeners = new Set<(e: LabEvent) => void>();
  private readonly emit = Comlink.proxy((e: LabEvent) => {
    for (const l of this.listeners) l(e);
  });

  on(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remote(): Comlink.Remote<TabularWorkerApi> {
    if (!this.api) {
      this.worker = new Worker(new URL('../../../workers/tabular.worker.ts', import.meta.url), { type: 'module', name: 'tabular' });
      this.api = Comlink.wrap<TabularWorkerApi>(this.worker);
    }
    return this.api;
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
    if (!this.api) return 'cancelled';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'terminated'>((resolve) => { timer = setTimeout(() => resolve('terminated'), graceMs); });
    const outcome = await Promise.race([this.api.cancel().then(() => 'cancelled' as const), timeout]);
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
