/**
 * Which stored jobs a worker of some tab is running right now: the held Web Locks of this origin
 * (shared/run-locks.ts). Locks held by this tab's own workers are included; callers exclude what they run.
 */
import { lockedIds, type LockedJobKind } from '../shared/run-locks';

async function heldJobIds(kind: LockedJobKind): Promise<Set<string>> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return new Set();
  const state = await locks.query();
  return lockedIds(kind, (state.held ?? []).map((l) => l.name));
}

/**
 * The jobs of `kind` another tab runs now (`runningHere`: the id this tab's own worker runs, excluded), or null when
 * that is the set `known` already holds (so a store re-reads its records only when something changed).
 */
export async function runningElsewhereIfChanged(kind: LockedJobKind, runningHere: string | null, known: ReadonlySet<string>): Promise<Set<string> | null> {
  const held = await heldJobIds(kind);
  if (runningHere !== null) held.delete(runningHere);
  const changed = held.size !== known.size || [...held].some((id) => !known.has(id));
  return changed ? held : null;
}
