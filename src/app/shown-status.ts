/**
 * The status a tab shows for a stored search run. A run stored as 'running' that no worker runs — not this tab's
 * (busy with it) and not another tab's (its Web Lock is held there) — lost its tab or worker mid-run (closed,
 * crashed, killed): it is 'interrupted', resumable from its last complete checkpoint, with nothing to stop.
 */
import type { RunStatus } from '../shared/status';

export type ShownStatus = RunStatus | 'interrupted';

/** `runningHere`: the id of the run this tab's worker runs now (null: none). */
export function shownStatus(run: { readonly id: string; readonly status: RunStatus }, runningHere: string | null, runningElsewhere: ReadonlySet<string>): ShownStatus {
  return run.status === 'running' && run.id !== runningHere && !runningElsewhere.has(run.id) ? 'interrupted' : run.status;
}
