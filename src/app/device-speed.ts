/**
 * How fast this device ran earlier searches (issue 15, item 2): for each space, the newest stored search run with
 * at least 3 candidates gives its training seconds per unit of work (the candidates' train_ms) and the rest of a
 * candidate's time (shared/search-presets.ts), which the Search tab scales to the form's settings before Start.
 */
import { listCandidates, type Db } from '../db';
import type { RunRecord } from '../protocol/run';
import { deviceSpeedOf, type DeviceSpeed } from '../shared/search-presets';
import type { SpaceKind } from '../shared/space-config';

export async function measuredDeviceSpeed(db: Db, runs: readonly RunRecord[]): Promise<Partial<Record<SpaceKind, DeviceSpeed>>> {
  const out: Partial<Record<SpaceKind, DeviceSpeed>> = {};
  const newestFirst = [...runs].filter((r) => r.config.evaluator.kind === 'train' && r.completed >= 3).sort((a, b) => b.updatedAt - a.updatedAt);
  for (const run of newestFirst) {
    const space = run.config.space.space;
    const e = run.config.evaluator;
    if (out[space] || e.kind !== 'train') continue;
    const scored = (await listCandidates(db, run.id)).filter((c) => !c.error && Number.isFinite(c.metrics.train_ms));
    const speed = deviceSpeedOf(run.config.name, space, e, scored.map((c) => ({ createdAt: c.createdAt, trainMs: c.metrics.train_ms })));
    if (speed) out[space] = speed;
  }
  return out;
}
