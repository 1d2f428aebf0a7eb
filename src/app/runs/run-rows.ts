/**
 * One row per stored job of any kind — a Search-tab run, a One-shot-tab run, a finalists job — in the shape the
 * Runs list shows: kind, name, shown status, progress, last change. Pure: statuses come in already shown
 * (src/app/shown-status.ts), so a run no worker holds reads "interrupted".
 */
import type { FinalistJobRecord } from '../../protocol/finalists-api';
import type { OneShotRunRecord } from '../../protocol/oneshot-api';
import type { RunRecord } from '../../protocol/run';
import type { ShownStatus } from '../shown-status';
import { STRATEGY_LABELS } from '../../shared/strategies';
import { ONESHOT_METHOD_LABELS } from '../../shared/oneshot-methods';

export type RunKind = 'search' | 'oneshot' | 'finalists';

export const KIND_LABELS: Readonly<Record<RunKind, string>> = { search: 'Search', oneshot: 'One-shot', finalists: 'Finalists' };

export interface RunRow {
  readonly kind: RunKind;
  readonly id: string;
  readonly name: string;
  /** Strategy / method and seed, for the second line. */
  readonly detail: string;
  readonly status: ShownStatus;
  readonly done: number;
  readonly total: number;
  /** "3/20 candidates", "epoch 2/10", "4/6 epochs". */
  readonly progress: string;
  readonly updatedAt: number;
  /** The run a finalists job re-trains (null for the runs themselves). */
  readonly parent: { readonly kind: 'search' | 'oneshot'; readonly id: string } | null;
  /** An imported one-shot run: shown and compared, never resumed (run files hold no supernet weights). */
  readonly imported: boolean;
}

export function searchRow(r: RunRecord, status: ShownStatus): RunRow {
  const total = r.config.budget.queries;
  return {
    kind: 'search', id: r.id, name: r.config.name, detail: `${STRATEGY_LABELS[r.config.strategy.name]?.inline ?? r.config.strategy.name}, seed ${r.config.seed}`,
    status, done: r.completed, total, progress: `${r.completed}/${total} candidates`, updatedAt: r.updatedAt, parent: null, imported: false,
  };
}

export function oneShotRow(r: OneShotRunRecord, status: ShownStatus): RunRow {
  return {
    kind: 'oneshot', id: r.id, name: r.config.name, detail: `${ONESHOT_METHOD_LABELS[r.config.method]}, seed ${r.config.seed}${r.imported ? ', imported' : ''}`,
    status, done: r.epoch, total: r.config.epochs, progress: `epoch ${r.epoch}/${r.config.epochs}`, updatedAt: r.updatedAt, parent: null, imported: r.imported !== undefined,
  };
}

export function finalistsRow(j: FinalistJobRecord, status: ShownStatus): RunRow {
  const models = [...j.entries, ...(j.extras ?? [])];
  const total = models.length * j.recipe.epochs;
  const done = models.reduce((s, m) => s + Math.min(m.epochsDone, j.recipe.epochs), 0);
  const tested = models.filter((m) => m.modelId !== undefined).length;
  return {
    kind: 'finalists', id: j.id, name: `Finalists of "${j.runName}"`, detail: `${models.length} model${models.length === 1 ? '' : 's'}, ${j.recipe.epochs} epoch${j.recipe.epochs === 1 ? '' : 's'} each, ${tested} tested`,
    status, done, total, progress: `${done}/${total} epochs`, updatedAt: j.updatedAt, parent: { kind: j.request.source ?? 'search', id: j.runId }, imported: false,
  };
}

/** Newest first. */
export function sortRows(rows: readonly RunRow[]): RunRow[] {
  return rows.slice().sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id));
}
