/**
 * The worker side of a long job (the squoosh pattern), matching src/app/worker-client.ts on the page side:
 * one job at a time per JobRunner, each with its own AbortSignal; stop() aborts the running job and resolves
 * once it has settled (the client's cooperative stop, which terminates the worker if no answer comes in
 * time); errors leave the worker as Errors whose name and message survive comlink's serialisation, a
 * cancelled job as name 'AbortError'.
 */
import { AbortedError } from '../src/engine/util/abort';

export interface JobOptions {
  /**
   * Errors as they should cross the boundary (default: Errors as they are, anything else wrapped in an Error).
   * `signal` tells whether the job had been asked to stop.
   */
  readonly toWire?: (e: unknown, signal: AbortSignal) => unknown;
}

/** Default wire form: an Error keeps its name and message; anything else becomes an Error. */
export function wireError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Wire form for jobs whose cancellation can surface as any error (a kernel interrupted mid-measurement):
 * once the job was asked to stop, whatever it throws reports as an AbortError "<what> was cancelled".
 */
export function cancelledAs(what: string): (e: unknown, signal: AbortSignal) => Error {
  return (e, signal) => (signal.aborted && !(e instanceof AbortedError) ? new AbortedError(what) : wireError(e));
}

export class JobRunner {
  private active: { readonly controller: AbortController; readonly done: Promise<unknown> } | null = null;

  /** `busy(what)`: the message when `what` is started while another job runs. */
  constructor(private readonly busy: (what: string) => string, private readonly options: JobOptions = {}) {}

  /** Whether a job is running. */
  get running(): boolean {
    return this.active !== null;
  }

  /** Runs `job` with a fresh AbortSignal; throws busy(what) if a job is already running. */
  async run<T>(what: string, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.active) throw new Error(this.busy(what));
    const controller = new AbortController();
    const done = job(controller.signal);
    this.active = { controller, done };
    try {
      return await done;
    } catch (e) {
      throw (this.options.toWire ?? wireError)(e, controller.signal);
    } finally {
      this.active = null;
    }
  }

  /** Aborts the running job (if any) without waiting for it (e.g. the GPU device was lost). */
  abort(): void {
    this.active?.controller.abort();
  }

  /** Aborts the running job (if any) and resolves once it has settled; never rejects. */
  async stop(): Promise<void> {
    const a = this.active;
    if (!a) return;
    a.controller.abort();
    await a.done.catch(() => undefined);
  }
}
