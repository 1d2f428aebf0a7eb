/**
 * The client side of one worker (the squoosh pattern), shared by every bridge: the worker starts lazily
 * on the first call, its events reach listeners through one comlink proxy, and a cooperative stop that
 * gets no answer in time terminates the worker (whatever it stored stays stored).
 */
import * as Comlink from 'comlink';

export class WorkerClient<Api, Event> {
  private worker: Worker | null = null;
  private api: Comlink.Remote<Api> | null = null;
  private readonly listeners = new Set<(e: Event) => void>();
  /** Pass this to worker calls that report progress. */
  protected readonly emit = Comlink.proxy((e: Event) => {
    for (const l of this.listeners) l(e);
  });

  /** `spawn` must contain the literal `new Worker(new URL('…', import.meta.url))` so Vite bundles the worker. */
  constructor(private readonly spawn: () => Worker) {}

  on(listener: (e: Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether the worker is running (a stop/cancel before any call has nothing to do). */
  protected get started(): boolean {
    return this.api !== null;
  }

  protected remote(): Comlink.Remote<Api> {
    if (!this.api) {
      this.worker = this.spawn();
      this.api = Comlink.wrap<Api>(this.worker);
    }
    return this.api;
  }

  /** Sends a cooperative stop/cancel; if the worker does not answer within `graceMs`, terminates it. */
  protected async askOrTerminate(ask: (api: Comlink.Remote<Api>) => Promise<unknown>, graceMs: number): Promise<'answered' | 'terminated'> {
    if (!this.api) return 'answered';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'terminated'>((resolve) => { timer = setTimeout(() => resolve('terminated'), graceMs); });
    const outcome = await Promise.race([ask(this.api).then(() => 'answered' as const), timeout]);
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
