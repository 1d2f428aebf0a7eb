/**
 * The Runs view's state (Svelte 5 runes): every stored job of every kind as rows, and what the view does with one —
 * open, pause / resume, duplicate into its tab's form, delete (saying what that freed), export. It keeps no copy of
 * the runs the tabs' stores hold; it reads them, and lists the finalists jobs itself.
 */
import { listFinalistJobs, openDb } from '../../db';
import { deleteFinalistJobMeasured } from '../../db/finalist-job-delete';
import type { FinalistJobRecord } from '../../protocol/finalists-api';
import type { OneShotConfig } from '../../protocol/oneshot-api';
import { runConfigToForm } from '../../shared/run-form';
import { recipeToForm } from '../../shared/finalist-recipe-form';
import { fmtBytes } from '../datasets/format';
import type { FinalistsStore } from '../finalists/finalists-store.svelte';
import { runningElsewhereIfChanged } from '../held-locks';
import type { OneShotStore } from '../oneshot/oneshot-store.svelte';
import type { SearchStore } from '../search-store.svelte';
import { shownStatus } from '../shown-status';
import { finalistsRow, oneShotRow, searchRow, sortRows, type RunKind, type RunRow } from './run-rows';

/** The tab a row opens in. */
export type RunTab = 'search' | 'oneshot';

export class RunsStore {
  jobs = $state<FinalistJobRecord[]>([]);
  /** Finalists jobs a worker of another tab runs now. */
  finalistsElsewhere = $state<ReadonlySet<string>>(new Set());
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  /** Search runs ticked for Compare. */
  picked = $state<ReadonlySet<string>>(new Set());

  constructor(
    readonly search: SearchStore,
    readonly oneShot: OneShotStore,
    readonly finalists: FinalistsStore,
    private readonly showTab: (tab: RunTab) => void,
  ) {}

  /** The finalists job this tab's worker runs now (the panel's newest job while it is busy). */
  private get finalistsHere(): string | null {
    return this.finalists.busy ? (this.finalists.job?.id ?? null) : null;
  }

  readonly rows: RunRow[] = $derived.by(() => sortRows([
    ...this.search.runs.map((r) => searchRow(r, this.search.statusOf(r))),
    ...this.oneShot.runs.map((r) => oneShotRow(r, this.oneShot.statusOf(r))),
    ...this.jobs.map((j) => finalistsRow(j, shownStatus(j, this.finalistsHere, this.finalistsElsewhere))),
  ]));

  async load(): Promise<void> {
    await Promise.all([this.search.load(), this.oneShot.load(), this.refresh()]);
  }

  /** Re-reads the finalists jobs and which jobs other tabs run (the other stores poll their own). */
  async refresh(): Promise<void> {
    const held = await runningElsewhereIfChanged('finalists', this.finalistsHere, this.finalistsElsewhere);
    if (held) this.finalistsElsewhere = held;
    this.jobs = await listFinalistJobs(await openDb());
  }

  /** Runs in this tab or another: not deletable, and a run to pause rather than resume. */
  isRunning(row: RunRow): boolean {
    return row.status === 'running';
  }

  runningHere(row: RunRow): boolean {
    if (row.kind === 'search') return this.search.busy && this.search.currentRun?.id === row.id;
    if (row.kind === 'oneshot') return this.oneShot.busy && this.oneShot.current?.id === row.id;
    return this.finalistsHere === row.id;
  }

  /** Whether Resume applies: stopped short of its end, not imported, and nothing of its kind runs in this tab. */
  canResume(row: RunRow): boolean {
    if (row.imported || !(row.status === 'paused' || row.status === 'interrupted' || row.status === 'failed' || row.status === 'created')) return false;
    return !this.kindBusy(row.kind);
  }

  private kindBusy(kind: RunKind): boolean {
    return kind === 'search' ? this.search.busy : kind === 'oneshot' ? this.oneShot.busy : this.finalists.busy;
  }

  /** Shows the run in its tab (a finalists job: the run it re-trains, whose tab holds the Finalists panel). */
  async open(row: RunRow): Promise<void> {
    const target = row.parent ?? { kind: row.kind as RunTab, id: row.id };
    // A tab that runs something keeps showing it (its live charts); say so instead of switching under it.
    const busyWith = target.kind === 'search' ? (this.search.busy ? this.search.currentRun : null) : (this.oneShot.busy ? this.oneShot.current : null);
    if (busyWith && busyWith.id !== target.id) {
      this.notice = `"${busyWith.config.name}" is running in the ${target.kind === 'search' ? 'Search' : 'One-shot'} tab, which shows it until it stops; open this run then.`;
      return;
    }
    if (!busyWith) await (target.kind === 'search' ? this.search.select(target.id) : this.oneShot.select(target.id));
    this.showTab(target.kind);
  }

  async pause(row: RunRow): Promise<void> {
    if (!this.runningHere(row)) return;
    if (row.kind === 'search') await this.search.stop();
    else if (row.kind === 'oneshot') await this.oneShot.stop();
    else await this.finalists.stop();
  }

  async resume(row: RunRow): Promise<void> {
    if (!this.canResume(row)) return;
    if (row.kind === 'search') {
      void this.search.resume(row.id);
    } else if (row.kind === 'oneshot') {
      await this.oneShot.select(row.id);
      void this.oneShot.resume();
    } else {
      await this.open(row);
      await this.finalists.load(row.parent?.id ?? null);
      void this.finalists.resume(row.id);
    }
  }

  /** Fills the run's tab's form with its settings (named "… (copy)") and shows it; the user edits and clicks Start. */
  async duplicate(row: RunRow): Promise<void> {
    if (row.kind === 'search') {
      const run = this.search.runs.find((r) => r.id === row.id);
      if (!run) return;
      this.search.config = { ...runConfigToForm(run.config), name: `${run.config.name} (copy)` };
      this.search.space.show(run.config.space);
      this.showTab('search');
    } else if (row.kind === 'oneshot') {
      const run = this.oneShot.runs.find((r) => r.id === row.id);
      if (!run) return;
      this.oneShot.config = { ...(structuredClone($state.snapshot(run.config)) as OneShotConfig), name: `${run.config.name} (copy)` };
      this.showTab('oneshot');
    } else {
      const job = this.jobs.find((j) => j.id === row.id);
      if (!job) return;
      await this.open(row);
      const f = this.finalists;
      f.top = job.request.top;
      f.pareto = job.request.pareto;
      f.recipe = recipeToForm(job.recipe);
      f.targetsText = job.request.targets.join('\n');
      f.trainSamples = job.request.trainSamples ?? 0;
      f.validSamples = job.request.validSamples ?? 0;
    }
  }

  async remove(row: RunRow): Promise<void> {
    this.error = null;
    this.notice = null;
    if (row.kind === 'search' || row.kind === 'oneshot') {
      // The tab's own store deletes (and refuses a running run); its outcome is shown here.
      const store = row.kind === 'search' ? this.search : this.oneShot;
      store.notice = null;
      store.error = null;
      await store.deleteRun(row.id);
      this.notice = store.notice;
      this.error = store.error;
    } else {
      await this.refresh();
      if (this.runningHere(row) || this.finalistsElsewhere.has(row.id)) {
        this.error = `${row.name} are being re-trained; stop them before deleting them.`;
        return;
      }
      try {
        const bytes = await deleteFinalistJobMeasured(await openDb(), row.id);
        this.notice = `Deleted ${row.name.charAt(0).toLowerCase()}${row.name.slice(1)} with their re-training checkpoints: about ${fmtBytes(bytes)} freed; tested models stay in the registry.`;
        await this.refresh();
        if (this.finalists.runId === row.parent?.id) await this.finalists.load(this.finalists.runId);
      } catch (e) {
        this.error = e instanceof Error ? e.message : String(e);
      }
    }
    // A deleted run leaves the comparison.
    if (this.picked.has(row.id)) this.toggle(row.id);
    await this.refresh();
  }

  /** Imports a run file through its tab's store (a fresh id, never overwriting) and says how that went. */
  async importFile(kind: RunTab, file: File): Promise<void> {
    const store = kind === 'search' ? this.search : this.oneShot;
    this.notice = null;
    await store.importRun(file);
    this.error = store.error;
    if (!store.error) this.notice = `Imported "${file.name}" as a new ${kind === 'search' ? 'search' : 'one-shot'} run.`;
  }

  toggle(id: string): void {
    const next = new Set(this.picked);
    if (!next.delete(id)) next.add(id);
    this.picked = next;
  }
}
