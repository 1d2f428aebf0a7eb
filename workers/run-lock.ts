/**
 * Run ownership across tabs: a worker runs a stored job only while it holds the job's Web Lock
 * (shared/run-locks.ts), so a second tab never writes the same candidates and checkpoints as the first. The lock is
 * waited for a few seconds, not refused at once: after a reload the previous document's worker may still be
 * shutting down (its lock goes with it). A job whose lock stays taken is running in another tab, and the call
 * fails with a clear message. Where the Web Locks API is missing (Node: the CLI and the unit tests, one process per
 * job), the job simply runs.
 */
import { runLockName, RUNNING_ELSEWHERE, type LockedJobKind } from '../src/shared/run-locks';

export class RunningElsewhereError extends Error {
  override readonly name = 'RunningElsewhereError';
}

/** How long a resume waits for a lock a closing document may still hold. */
export const LOCK_WAIT_MS = 10_000;

export async function withRunLock<T>(kind: LockedJobKind, id: string, work: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return work();
  const wait = new AbortController();
  const timer = setTimeout(() => wait.abort(), waitMs);
  let out: { value: T };
  try {
    out = await locks.request(runLockName(kind, id), { signal: wait.signal }, async () => {
      clearTimeout(timer);
      return { value: await work() };
    });
  } catch (e) {
    if (wait.signal.aborted && (e as { name?: string })?.name === 'AbortError') throw new RunningElsewhereError(RUNNING_ELSEWHERE[kind]);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return out.value;
}
