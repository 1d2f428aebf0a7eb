/**
 * Names of the Web Locks (https://w3c.github.io/web-locks/) that say which tab owns a stored job: a worker holds
 * `nas-playground:<kind>:<id>` while it runs the job, so a second tab neither resumes it nor writes its candidates
 * and checkpoints twice; a page lists the held locks to show "running in another tab". Pure text helpers.
 */
export type LockedJobKind = 'search' | 'oneshot' | 'finalists';

const PREFIX = 'nas-playground';

export function runLockName(kind: LockedJobKind, id: string): string {
  return `${PREFIX}:${kind}:${id}`;
}

/** The ids of `kind` among lock names (the held locks a LockManager query lists). */
export function lockedIds(kind: LockedJobKind, names: readonly (string | undefined)[]): Set<string> {
  const head = `${PREFIX}:${kind}:`;
  return new Set(names.filter((n): n is string => n !== undefined && n.startsWith(head)).map((n) => n.slice(head.length)));
}

export const RUNNING_ELSEWHERE: Record<LockedJobKind, string> = {
  search: 'This run is running in another tab of this browser; stop it there (or close that tab) before resuming it here. Nothing was changed.',
  oneshot: 'This one-shot run is running in another tab of this browser; stop it there (or close that tab) before resuming it here. Nothing was changed.',
  finalists: 'These finalists are being re-trained in another tab of this browser; stop them there (or close that tab) before resuming here. Nothing was changed.',
};
