/**
 * A worker's watch over its GPU backend (issue 14, item 4), shared by the search, one-shot and finalists workers.
 * When the WebGPU device or the WebGL context goes away (workers/backend.ts, watchBackendLoss), the running job is
 * aborted like a user's stop, so it ends at its last complete save; its host then stores the run as paused with the
 * loss named, and the worker sends a BackendLostEvent so the app replaces it (tfjs here would hand out the dead
 * backend again). A session that does not wind down soon after the loss (a read-back that never answers) is not
 * waited for: the app terminates the worker anyway. Until then this worker refuses new jobs.
 */
import { watchBackendLoss, type BackendLoss } from './backend';
import type { JobRunner } from './job';
import type { BackendLostEvent } from '../src/protocol/backend';

/** How long a job may take to wind down after its backend was lost before its host stops waiting for it. */
export const LOSS_GRACE_MS = 10_000;

export class BackendLostError extends Error {
  override readonly name = 'BackendLostError';
}

export class BackendLossGuard {
  private lossSeen: BackendLoss | null = null;
  private unwatch: (() => void) | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly graceMs = LOSS_GRACE_MS) {}

  /** Watches the backend just selected; a loss aborts the job `jobs` runs. */
  watch(jobs: JobRunner): void {
    this.unwatch?.();
    this.unwatch = watchBackendLoss((loss) => {
      this.lossSeen ??= loss;
      jobs.abort();
      for (const w of this.waiters) w();
    });
  }

  /** Throws once this worker's backend is lost: a fresh worker must run the next job. */
  assertUsable(): void {
    if (this.lossSeen) throw new BackendLostError(`${this.lossSeen.message} This worker cannot train any more; start the job again (a fresh worker chooses the backend again).`);
  }

  /**
   * Waits for `session`. Without a loss: its outcome, as it is. After a loss: `afterLoss(loss, result)`, where
   * `result` is what the session returned, or undefined if it threw or had not ended `graceMs` after the loss
   * (whatever a dying backend throws is not the job's outcome).
   */
  async settle<T>(session: Promise<T>, afterLoss: (loss: BackendLoss, result: T | undefined) => Promise<T>): Promise<T> {
    const ended = session.then((value) => ({ value }), (error: unknown) => ({ error }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wake: (() => void) | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      wake = () => { timer ??= setTimeout(() => resolve('grace-over'), this.graceMs); };
      if (this.lossSeen) wake();
      else this.waiters.add(wake);
    });
    try {
      const out = await Promise.race([ended, graceOver]);
      const loss = this.lossSeen;
      if (loss) return await afterLoss(loss, out !== 'grace-over' && 'value' in out ? out.value : undefined);
      if (out !== 'grace-over' && 'value' in out) return out.value;
      throw (out as { error: unknown }).error;
    } finally {
      if (wake) this.waiters.delete(wake);
      clearTimeout(timer);
    }
  }

  /**
   * A host's job after a loss: tells the app (a BackendLostEvent: it replaces this worker), keeps a job that finished
   * as it is, else stores the record as last stored (the session wrote nothing after the loss) paused, the loss named.
   */
  settleOrPause<R extends { readonly status: string }>(session: Promise<R>, host: PauseHost<R>): Promise<R> {
    return this.settle(session, async (lost, result) => {
      host.emit({ type: 'backend-lost', backend: lost.backend, message: lost.message });
      if (result?.status === 'done') return result;
      const paused = host.pause((await host.stored()) ?? result ?? host.fallback, lost.message);
      await host.put(paused);
      host.announce(paused);
      return paused;
    });
  }
}

/** How a worker stores its kind of record as paused after a backend loss (settleOrPause). */
export interface PauseHost<R> {
  readonly emit: (e: BackendLostEvent) => void;
  /** The record as stored now; `fallback` when the store has none. */
  readonly stored: () => Promise<R | undefined>;
  readonly fallback: R;
  /** The record paused, its error naming the loss (`lossMessage`) and what Resume does. */
  readonly pause: (last: R, lossMessage: string) => R;
  readonly put: (r: R) => Promise<void>;
  /** Tells the app the record changed. */
  readonly announce: (r: R) => void;
}
