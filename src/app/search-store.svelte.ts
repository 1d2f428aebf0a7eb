/**
 * UI state of the search (Svelte 5 runes): what the worker reported and what IndexedDB holds.
 * It renders nothing and trains nothing; it calls the bridge and folds events into state.
 */
import { getContext, setContext } from 'svelte';
import { runningElsewhereIfChanged } from './held-locks';
import { fmtBytes } from './datasets/format';
import { openDb, deleteRun, listCandidates, listRuns, listDatasets, exportRunFile, importRunFile, runFileName, getSplitRecord, type DatasetMeta } from '../db';
import { checkSearchForm, labelConfigIssue, type FormCheck, type SplitSizes } from '../shared/search-form-check';
import { parseRunFileText } from '../shared/run-file';
import type { BackendChoice, BackendReport } from '../protocol/backend';
import type { SearchEvent } from '../protocol/events';
import type { CandidateRecord, EpochPoint, RunRecord } from '../protocol/run';
import { RUN_FORM_VERSION, runConfigToForm, type RunForm } from '../shared/run-form';
import { SearchBridge } from './bridge';
import { isUserStop } from './worker-client';
import { DEFAULT_SPACE, SpaceDraft } from './space-draft.svelte';
import { STRATEGY_LABELS } from '../shared/strategies';
import { MAX_RUN_FILE_BYTES, readTextFile } from './read-text-file';
import { shownStatus, type ShownStatus } from './shown-status';
import { measuredDeviceSpeed } from './device-speed';
import type { DeviceSpeed } from '../shared/search-presets';
import type { SpaceKind } from '../shared/space-config';

export const DEFAULT_CONFIG: RunForm = {
  version: RUN_FORM_VERSION,
  // Empty: the run is named from its space, strategy and dataset when it starts (autoRunName).
  name: '',
  datasetId: 'builtin:mnist-10k',
  space: DEFAULT_SPACE,
  strategy: 'random',
  seed: 1,
  budget: 20,
  channels: 8,
  cellsPerStage: 1,
  epochs: 1,
  batchSize: 32,
  learningRate: 0.1,
  trainSamples: 2048,
  validSamples: 512,
  backend: 'auto',
  objective: { metric: 'valid_acc', penalties: [], constraints: [] },
  paretoCost: 'flops',
  prerank: null,
};

export interface LiveCandidate {
  readonly id: number;
  readonly arch: string;
  epoch: number;
  epochs: number;
  trainLoss: number | null;
  validAcc: number | null;
  /** Its epochs so far (the live curve). */
  curve: readonly EpochPoint[];
  /** Its MFLOPs (sent with its first epoch): where it sits on the accuracy-vs-cost chart. */
  flops?: number;
}

export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly etaMs: number | null;
}

export class SearchStore {
  readonly bridge = new SearchBridge();
  config = $state<RunForm>({ ...DEFAULT_CONFIG });
  /** The space editor's draft (validated in the tab); its valid, normalised config is what a new run stores. */
  readonly space = new SpaceDraft();
  backend = $state<BackendReport | null>(null);
  datasets = $state<DatasetMeta[]>([]);
  runs = $state<RunRecord[]>([]);
  currentRun = $state<RunRecord | null>(null);
  candidates = $state<CandidateRecord[]>([]);
  live = $state<LiveCandidate | null>(null);
  progress = $state<Progress | null>(null);
  busy = $state(false);
  /** Runs a worker of another tab is running (their Web Locks are held): not resumable here. */
  runningElsewhere = $state<ReadonlySet<string>>(new Set());
  error = $state<string | null>(null);
  /** A one-line outcome to show (e.g. what a deletion freed). */
  notice = $state<string | null>(null);
  log = $state<string[]>([]);
  /** The locked split of the chosen dataset (null until it is stored: the built-in set is stored on first Start). */
  splitSizes = $state<SplitSizes | null>(null);
  /** The form checked as the user types: what keeps Start from starting, and what the run will use differently. */
  readonly formCheck: FormCheck = $derived(checkSearchForm(this.config, this.space.kind ?? 'nb201', this.splitSizes));

  readonly bestSoFar = $derived.by(() => {
    let best = -Infinity;
    return this.candidates.map((c) => (best = Math.max(best, c.metrics.valid_acc ?? -Infinity)));
  });

  constructor() {
    this.bridge.on((e) => this.handle(e));
  }

  private handle(e: SearchEvent): void {
    switch (e.type) {
      case 'backend':
        this.backend = e.report;
        break;
      case 'run':
        this.currentRun = e.run;
        this.upsertRun(e.run);
        if (e.run.error) this.error = e.run.error;
        // A run that ended measured this device: the form's time estimate uses it.
        if (e.run.status !== 'running' && e.run.status !== 'created') void this.refreshDeviceSpeed();
        break;
      case 'candidate-start':
        this.live = { id: e.id, arch: e.arch, epoch: 0, epochs: this.currentRun?.config.evaluator.epochs ?? 0, trainLoss: null, validAcc: null, curve: [] };
        break;
      case 'epoch':
        if (this.live?.id === e.id) {
          const curve = [...this.live.curve, { epoch: e.epoch, trainLoss: e.trainLoss, validAcc: e.validAcc }];
          this.live = { ...this.live, epoch: e.epoch + 1, epochs: e.epochs, trainLoss: e.trainLoss, validAcc: e.validAcc, curve, flops: e.flops ?? this.live.flops };
        }
        break;
      case 'committed':
        // The stored run moved on (completed, paretoIds): the runs list and the shown run follow it.
        this.upsertRun(e.run);
        if (this.currentRun?.id === e.run.id) this.currentRun = e.run;
        break;
      case 'candidate':
        if (e.record.runId === this.currentRun?.id && !this.candidates.some((c) => c.id === e.record.id)) {
          this.candidates = [...this.candidates, e.record];
        }
        this.live = null;
        break;
      case 'progress':
        this.progress = { done: e.done, total: e.total, elapsedMs: e.elapsedMs, etaMs: e.etaMs };
        break;
      case 'log':
        this.log = [...this.log.slice(-50), `${e.level}: ${e.message}`];
        break;
    }
  }

  private upsertRun(run: RunRecord): void {
    const i = this.runs.findIndex((r) => r.id === run.id);
    this.runs = i < 0 ? [run, ...this.runs] : this.runs.map((r) => (r.id === run.id ? run : r));
  }

  /** Loads what IndexedDB holds: datasets, runs, and the most recent run's candidates. */
  async load(): Promise<void> {
    // The form as it was when the page opened: if the user edits it before IndexedDB answers, the most recent
    // run is still shown, but its settings do not overwrite what the user already changed.
    const untouched = { edits: this.space.edits, config: JSON.stringify($state.snapshot(this.config)) };
    const db = await openDb();
    this.runs = await listRuns(db);
    this.datasets = await listDatasets(db);
    await this.refreshRunningElsewhere();
    if (!this.currentRun && this.runs.length > 0) await this.select(this.runs[0].id, untouched);
    await this.refreshDeviceSpeed();
  }

  async refreshDeviceSpeed(): Promise<void> {
    const db = await openDb();
    this.deviceSpeed = await measuredDeviceSpeed(db, await listRuns(db));
  }

  /** Per space, how fast this device ran its newest stored search (device-speed.ts): the form's time estimate. */
  deviceSpeed = $state.raw<Partial<Record<SpaceKind, DeviceSpeed>>>({});

  /** How `run`'s status is shown in this tab: a stored 'running' run that no worker runs is 'interrupted'. */
  statusOf(run: RunRecord): ShownStatus {
    return shownStatus(run, this.busy ? (this.currentRun?.id ?? null) : null, this.runningElsewhere);
  }

  /** Which stored runs another tab is running now (this tab's own run, while it runs, is not "elsewhere"). */
  async refreshRunningElsewhere(): Promise<void> {
    const held = await runningElsewhereIfChanged('search', this.busy ? (this.currentRun?.id ?? null) : null, this.runningElsewhere);
    if (held) {
      this.runningElsewhere = held;
      // Statuses written by the other tab (running, then paused or done) are in IndexedDB.
      this.runs = await listRuns(await openDb());
    }
  }

  /** Deletes a stored run (not one running here or in another tab) and says about how much storage that freed. */
  async deleteRun(runId: string): Promise<void> {
    const run = this.runs.find((r) => r.id === runId);
    if (!run) return;
    await this.refreshRunningElsewhere();
    if (this.runningElsewhere.has(runId) || (this.busy && this.currentRun?.id === runId)) {
      this.error = `"${run.config.name}" is running; stop it before deleting it.`;
      return;
    }
    try {
      const db = await openDb();
      const bytes = await deleteRun(db, runId);
      this.runs = await listRuns(db);
      if (this.currentRun?.id === runId) {
        this.currentRun = null;
        this.candidates = [];
        this.progress = null;
      }
      this.error = null;
      this.notice = `Deleted "${run.config.name}" (${run.completed} candidates): about ${fmtBytes(bytes)} freed; re-trained models stay in the registry.`;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Re-reads the stored datasets (after an import, rename or delete); a deleted selection falls back to the built-in set. */
  async refreshDatasets(): Promise<void> {
    this.datasets = await listDatasets(await openDb());
    const id = this.config.datasetId;
    if (id !== DEFAULT_CONFIG.datasetId && !this.datasets.some((d) => d.id === id)) this.config = { ...this.config, datasetId: DEFAULT_CONFIG.datasetId };
  }

  /** Shows a run and loads its settings into the form (unless `untouched` says the form changed since then). */
  async select(runId: string, untouched?: { readonly edits: number; readonly config: string }): Promise<void> {
    const db = await openDb();
    const run = this.runs.find((r) => r.id === runId) ?? null;
    this.currentRun = run;
    this.candidates = run ? await listCandidates(db, run.id) : [];
    this.progress = run ? { done: run.completed, total: run.config.budget.queries, elapsedMs: 0, etaMs: null } : null;
    const edited = untouched !== undefined && (this.space.edits !== untouched.edits || JSON.stringify($state.snapshot(this.config)) !== untouched.config);
    if (run && !edited) {
      this.config = runConfigToForm(run.config);
      this.space.show(run.config.space);
    }
  }

  /** Reads the sizes of `datasetId`'s split (or clears them when that dataset is not stored yet). */
  async refreshSplit(datasetId: string = this.config.datasetId): Promise<void> {
    const split = await getSplitRecord(await openDb(), datasetId);
    if (datasetId !== this.config.datasetId) return;
    const meta = this.datasets.find((d) => d.id === datasetId);
    this.splitSizes = split ? { datasetName: meta?.name ?? datasetId, train: split.train.length, valid: split.valid.length } : null;
  }

  async initBackend(choice: BackendChoice): Promise<void> {
    await this.guard(async () => {
      this.backend = await this.bridge.init(choice);
    });
  }

  async start(): Promise<void> {
    // A form the run could not start from changes nothing shown: the run on screen, its charts and status stay.
    const { problems } = this.formCheck;
    if (problems.length > 0) {
      this.error = `Not started: ${problems.join('; ')}.`;
      return;
    }
    const shown = { run: this.currentRun, candidates: this.candidates, progress: this.progress };
    await this.guard(async () => {
      const space = this.space.config;
      if (!this.space.ok || !space) throw new Error('The search space has problems; fix them in the space editor first.');
      await this.bridge.ensureBuiltinDatasets();
      this.datasets = await listDatasets(await openDb());
      await this.refreshSplit();
      this.candidates = [];
      this.progress = { done: 0, total: this.config.budget, elapsedMs: 0, etaMs: null };
      const name = this.config.name.trim() || this.autoRunName();
      try {
        await this.bridge.start({ ...($state.snapshot(this.config) as RunForm), name, space: $state.snapshot(space) as RunForm['space'] });
      } catch (e) {
        // Refused before a run was created (the worker's own check): show the earlier run again, in the form's words.
        if (this.currentRun === shown.run) {
          this.candidates = shown.candidates;
          this.progress = shown.progress;
        }
        // Only the run config schema's message names config paths (RunConfigError); other errors are prose.
        const isConfigError = e instanceof Error && e.message.startsWith('Invalid run configuration: ');
        throw isConfigError ? new Error(labelConfigIssue(e.message), { cause: e }) : e;
      }
    });
  }

  /** "DARTS evolution on MNIST-10k" — what a run is called when the user leaves the name empty. */
  autoRunName(): string {
    const space = { nb201: 'NB201', darts: 'DARTS', mobile: 'Mobile' }[this.space.kind ?? 'nb201'] ?? 'NB201';
    const strategy = STRATEGY_LABELS[this.config.strategy].inline;
    const ds = this.config.datasetId === DEFAULT_CONFIG.datasetId ? 'MNIST' : (this.datasets.find((d) => d.id === this.config.datasetId)?.name ?? 'dataset');
    return `${space} ${strategy}${this.config.prerank ? ' + warm start' : ''} on ${ds}`;
  }

  /** The stored run as a run file (src/shared/run-file.ts): its download name and JSON text. */
  async exportRun(runId: string): Promise<{ name: string; text: string }> {
    const file = await exportRunFile(await openDb(), runId);
    return { name: runFileName(file), text: `${JSON.stringify(file, null, 1)}\n` };
  }

  /** Imports a run file as a new run (a fresh id, never overwriting) and selects it; a bad file sets `error`. */
  async importRun(file: File): Promise<void> {
    this.error = null;
    try {
      const text = await readTextFile(file, MAX_RUN_FILE_BYTES, 'a run file');
      const run = await importRunFile(await openDb(), parseRunFileText(text));
      this.runs = await listRuns(await openDb());
      await this.select(run.id);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  async resume(runId: string): Promise<void> {
    await this.guard(async () => {
      await this.select(runId);
      await this.bridge.resume(runId);
    });
  }

  async stop(): Promise<void> {
    this.stopAsked = true;
    const outcome = await this.bridge.stop();
    if (outcome === 'terminated') {
      this.busy = false;
      this.live = null;
      await this.load();
    }
  }

  /** Set by the user's Stop: the call it ends (rejected when the worker had to be terminated) is not an error. */
  private stopAsked = false;

  private async guard(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    this.stopAsked = false;
    try {
      await work();
    } catch (e) {
      if (!isUserStop(e, this.stopAsked)) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
      // Nothing trains any more (stopped, paused, failed or done): no candidate is "training".
      this.live = null;
    }
  }
}

const KEY = Symbol('search-store');
export const setSearchStore = (s: SearchStore) => setContext(KEY, s);
export const useSearchStore = () => getContext<SearchStore>(KEY);
