/**
 * Run ownership across tabs: a worker runs a stored job only while it holds the job's Web Lock (shared/run-locks.ts),
 * taken with ifAvailable so a second tab is refused at once with a clear message instead of waiting or writing
 * the same candidates and checkpoints as the first. Where the Web Locks API is missing (Node: the CLI and the
 * unit tests, one process per job), the job simply runs.
 */
import { runLockName, RUNNING_ELSEWHERE, type LockedJobKind } from '../src/shared/run-locks';

export class RunningElsewhereError extends Error {
  override readonly name = 'RunningElsewhereError';
}

export async function withRunLock<T>(kind: LockedJobKind, id: string, work: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return work();
  let ran = false;
  const out = await locks.request(runLockName(kind, id), { ifAvailable: true }, async (lock) => {
    if (!lock) return undefined;
    ran = true;
    return { value: await work() };
  });
  if (!ran || !out) throw new RunningElsewhereError(RUNNING_ELSEWHERE[kind]);
  return out.value;
}
