/**
 * The client side of one worker (the squoosh pattern), shared by every bridge: the worker starts lazily
 * on the first call, its events reach listeners through one comlink proxy, and a cooperative stop that
 * gets no answer in time terminates the worker (whatever it stored stays stored).
 *
 * A call may take an AbortSignal (abortable()): aborting it terminates the worker.
 * Every call in flight is tracked: when the worker goes away — terminate() (a stop that timed out, a dispose)
 * or a crash (its 'error' event: a script that failed to load, an uncaught error) — each one is rejected with a
 * WorkerTerminatedError instead of hanging for ever. The worker side is workers/job.ts.
 */
import * as Comlink from 'comlink';
import type { BackendLostEvent } from '../protocol/backend';

/** What the client needs of a worker: a DOM Worker, or a test's node:worker_threads adapter. */
export type WorkerLike = Comlink.Endpoint & { terminate(): void };

/**
 * A call that was in flight when its worker went away. name 'AbortError' when the client terminated it (the
 * call was cancelled), 'WorkerCrashedError' when the worker crashed.
 */
export class WorkerTerminatedError extends Error {
  constructor(message: string, readonly crashed: boolean) {
    super(message);
    this.name = crashed ? 'WorkerCrashedError' : 'AbortError';
  }
}

/**
 * Whether `error`, the rejection of a call, is the stop the user asked for (`stopAsked`): a cancellation (name
 * 'AbortError': the job's own cancel, or the worker terminated because it did not answer the stop in time). A
 * store shows that as a stopped run, not as an error; a crash, or a termination nobody asked for, stays an error.
 */
export function isUserStop(error: unknown, stopAsked: boolean): boolean {
  return stopAsked && typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export class WorkerClient<Api, Event> {
  private worker: WorkerLike | null = null;
  private api: Comlink.Remote<Api> | null = null;
  private tracked: Comlink.Remote<Api> | null = null;
  /** Rejecters of the calls in flight. */
  private readonly pendingCalls = new Set<(e: Error) => void>();
  private readonly listeners = new Set<(e: Event) => void>();
  /** A worker whose GPU backend was lost, to terminate once its calls in flight have settled. */
  private retiring: WorkerLike | null = null;
  /** Pass this to worker calls that report progress. */
  protected readonly emit = Comlink.proxy((e: Event) => {
    if (isBackendLost(e)) this.retire();
    for (const l of this.listeners) l(e);
  });

  /**
   * `spawn` must contain the literal `new Worker(new URL('…', import.meta.url))` so Vite bundles the worker.
   * `label` names the worker in the messages of rejected calls ("the search worker").
   */
  constructor(private readonly spawn: () => WorkerLike, private readonly label = 'the worker') {}

  on(listener: (e: Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether the worker is running (a stop/cancel before any call has nothing to do). */
  protected get started(): boolean {
    return this.api !== null;
  }

  /** The worker's api; every method call through it is tracked (rejected if the worker goes away first). */
  protected remote(): Comlink.Remote<Api> {
    if (!this.api || !this.tracked) {
      const worker = this.spawn();
      const api = Comlink.wrap<Api>(worker);
      worker.addEventListener('error', (e) => {
        if (this.worker !== worker) return;
        const detail = (e as { message?: unknown }).message;
        this.drop(new WorkerTerminatedError(`${capital(this.label)} crashed${typeof detail === 'string' && detail ? `: ${detail}` : ''}; try again`, true));
      });
      this.worker = worker;
      this.api = api;
      this.tracked = this.trackCalls(api);
    }
    return this.tracked;
  }

  /**
   * A view of the comlink remote whose method calls are raced against the worker going away. The bridges call
   * methods only (`remote().start(...)`), which is all this view forwards.
   */
  private trackCalls(api: Comlink.Remote<Api>): Comlink.Remote<Api> {
    const methods = api as unknown as Record<PropertyKey, (...args: unknown[]) => Promise<unknown>>;
    const view = new Proxy({}, {
      // Not a thenable: `await remote()` must not call into the worker.
      get: (_, method) => (method === 'then' ? undefined : (...args: unknown[]) => this.track(methods[method](...args))),
    });
    return view as Comlink.Remote<Api>;
  }

  private track<T>(call: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const kill = (e: Error) => reject(e);
      this.pendingCalls.add(kill);
      call.then(resolve, (e: unknown) => {
        // A worker whose backend was lost while it sat idle refuses the next job (workers/backend-loss.ts): replace it.
        if ((e as { name?: unknown } | null)?.name === 'BackendLostError') this.retire();
        reject(e);
      }).finally(() => {
        this.pendingCalls.delete(kill);
        this.dropRetired();
      });
    });
  }

  /**
   * A call that `signal` can cancel (the squoosh pattern): an abort terminates the worker, which rejects this
   * call and every other one in flight with an AbortError; the next call starts a fresh worker.
   */
  protected abortable<T>(signal: AbortSignal | undefined, call: (api: Comlink.Remote<Api>) => Promise<T>): Promise<T> {
    if (signal?.aborted) return Promise.reject(new WorkerTerminatedError(`Cancelled before ${this.label} was asked`, false));
    const pending = call(this.remote());
    if (!signal) return pending;
    const onAbort = () => this.terminate();
    signal.addEventListener('abort', onAbort, { once: true });
    return pending.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Sends a cooperative stop/cancel; if the worker does not answer within `graceMs`, terminates it. */
  protected async askOrTerminate(ask: (api: Comlink.Remote<Api>) => Promise<unknown>, graceMs: number): Promise<'answered' | 'terminated'> {
    if (!this.tracked) return 'answered';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'terminated'>((resolve) => { timer = setTimeout(() => resolve('terminated'), graceMs); });
    const asked = ask(this.tracked).then(() => 'answered' as const, (e: unknown) => {
      // Terminated or crashed while we waited: the worker is gone either way.
      if (e instanceof WorkerTerminatedError) return 'terminated' as const;
      throw e;
    });
    const outcome = await Promise.race([asked, timeout]);
    clearTimeout(timer);
    if (outcome === 'terminated') this.terminate();
    return outcome;
  }

  /** Stops the worker now; every call in flight is rejected with a WorkerTerminatedError (name 'AbortError'). */
  terminate(): void {
    this.drop(new WorkerTerminatedError(`Cancelled: ${this.label} was stopped`, false));
  }

  /**
   * The worker said its GPU backend is lost (a WebGPU device or WebGL context; workers/backend-loss.ts): tfjs in it
   * would hand the dead backend out again, so it is terminated once the calls in flight have settled (its job has
   * stored the run as paused), and the next call (a Resume) starts a fresh worker with a fresh tfjs and adapter.
   */
  private retire(): void {
    this.retiring = this.worker;
    this.dropRetired();
  }

  private dropRetired(): void {
    if (this.retiring === null || this.pendingCalls.size > 0) return;
    const current = this.retiring === this.worker;
    this.retiring = null;
    if (current) this.drop(new WorkerTerminatedError(`${capital(this.label)} was replaced: its backend was lost`, false));
  }

  private drop(reason: Error): void {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
    this.tracked = null;
    const kills = [...this.pendingCalls];
    this.pendingCalls.clear();
    for (const kill of kills) kill(reason);
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A worker's BackendLostEvent (src/protocol/backend.ts), whatever else its event union holds. */
function isBackendLost(e: unknown): e is BackendLostEvent {
  return typeof e === 'object' && e !== null && (e as { type?: unknown }).type === 'backend-lost';
}
