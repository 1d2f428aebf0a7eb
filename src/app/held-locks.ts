/**
 * Which stored jobs a worker of some tab is running right now: the held Web Locks of this origin
 * (shared/run-locks.ts). Locks held by this tab's own workers are included; callers exclude what they run.
 */
import { lockedIds, type LockedJobKind } from '../shared/run-locks';

export async function heldJobIds(kind: LockedJobKind): Promise<Set<string>> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return new Set();
  const state = await locks.query();
  return lockedIds(kind, (state.held ?? []).map((l) => l.name));
}
