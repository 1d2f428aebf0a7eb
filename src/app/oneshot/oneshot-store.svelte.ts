/**
 * UI state of the One-shot tab (Svelte 5 runes): the configuration form, the stored one-shot runs, and the live
 * chart history folded from the worker's events (the same reducer the worker stores with each checkpoint).
 */
import { getContext, setContext } from 'svelte';
import { deleteOneShotRun, exportOneShotRunFile, getOneShotCheckpoint, importOneShotRunFile, listDatasets, listOneShotRuns, oneShotRunFileName, openDb, type DatasetMeta } from '../../db';
import { parseOneShotRunFileText } from '../../shared/oneshot-run-file';
import { emptyOneShotHistory, foldOneShotEvent } from '../../shared/oneshot-history';
import type { BackendReport } from '../../protocol/backend';
import { ONESHOT_CONFIG_VERSION, type OneShotConfig, type OneShotHistory, type OneShotRunRecord, type OneShotUiEvent } from '../../protocol/oneshot-api';
import { OneShotBridge } from './oneshot-bridge';
import { fmtBytes } from '../datasets/format';
import { isUserStop } from '../worker-client';
import { methodLabel, methodUnavailable } from './view-model';
import { MAX_RUN_FILE_BYTES, readTextFile } from '../read-text-file';
import { runningElsewhereIfChanged } from '../held-locks';
import { shownStatus, type ShownStatus } from '../shown-status';
import { OneShotConfigError, validateOneShotConfig } from '../../shared/oneshot-config';
import { labelOneShotIssue } from '../../shared/oneshot-form-labels';

const SPACE_NAMES = { nb201: 'NB201', darts: 'DARTS-space', mobile: 'mobile' } as const;
function defaultName(method: OneShotConfig['method'], space: OneShotConfig['space'], datasetId: string): string {
  return `${methodLabel(method)} on ${datasetId.replace(/^builtin:/, '')} (${SPACE_NAMES[space]} supernet)`;
}

export const DEFAULT_ONESHOT_CONFIG: OneShotConfig = {
  version: ONESHOT_CONFIG_VERSION,
  name: 'DARTS on MNIST (NB201 supernet)',
  method: 'darts',
  space: 'nb201',
  datasetId: 'builtin:mnist-10k',
  seed: 1,
  epochs: 10,
  batchSize: 32,
  learningRate: 0.025,
  channels: 4,
  cellsPerStage: 1,
  layers: 5,
  mobile: { stages: 3, widths: [8, 16], depths: [1, 2] },
  trainSamples: 1024,
  validSamples: 512,
  backend: 'auto',
  darts: {
    order: 'first', warmupEpochs: 2, partialChannels: 2, entropyWeight: 0, opDropout: 0, maxSkips: 0, stableEpochs: 0, earlyStopWarmup: 3,
    eigenvalueEvery: 0, eigenIterations: 8, eigenStopRatio: 0, excludeNone: false,
  },
  spos: { subnets: 20, flopsPenalty: 0, topK: 3, rankingCheck: 0, rankingCheckEpochs: 1 },
};

export interface CheckpointInfo {
  readonly epoch: number;
  readonly globalStep: number;
  readonly tensors: number;
  readonly bytes: number;
}

export class OneShotStore {
  readonly bridge = new OneShotBridge();
  config = $state<OneShotConfig>(structuredClone(DEFAULT_ONESHOT_CONFIG));
  datasets = $state<DatasetMeta[]>([]);
  runs = $state<OneShotRunRecord[]>([]);
  current = $state<OneShotRunRecord | null>(null);
  history = $state<OneShotHistory>(emptyOneShotHistory());
  backend = $state<BackendReport | null>(null);
  checkpoint = $state<CheckpointInfo | null>(null);
  busy = $state(false);
  /** Ids of the one-shot runs a worker of another tab runs now (their Web Locks are held). */
  runningElsewhere = $state<ReadonlySet<string>>(new Set());
  stopping = $state(false);
  error = $state<string | null>(null);
  /** Last live step (epoch index, step in epoch). */
  live = $state<{ epoch: number; step: number } | null>(null);

  /** Completed supernet epochs. */
  readonly epochsDone = $derived(Math.max(this.current?.epoch ?? 0, ...this.history.epochs.map((e) => e.epoch + 1)));
  /** An imported run has no supernet weights (run files hold none): it is shown and compared, never resumed. */
  readonly resumable = $derived(!this.busy && this.current !== null && !this.current.imported && !this.runningElsewhere.has(this.current.id) && (this.current.status === 'paused' || this.current.status === 'running' || this.current.status === 'created'));

  constructor() {
    this.bridge.on((e) => this.handle(e));
  }

  private handle(e: OneShotUiEvent): void {
    if (e.type === 'run') {
      // While this tab runs it, the history folded from the live events is the stored one (the same reducer):
      // taking the stored copy with every epoch's checkpoint would rebuild every chart from scratch.
      if (!this.busy || this.current?.id !== e.run.id) this.history = e.run.history;
      this.current = e.run;
      const i = this.runs.findIndex((r) => r.id === e.run.id);
      this.runs = i < 0 ? [e.run, ...this.runs] : this.runs.map((r) => (r.id === e.run.id ? e.run : r));
      if (e.run.error) this.error = e.run.error;
      return;
    }
    if (e.type === 'backend') { this.backend = e.report; return; }
    if (e.type === 'checkpoint') {
      // Its size comes with the event: reading a supernet's checkpoint back on the main thread is a long task.
      if (e.tensors !== undefined && e.bytes !== undefined) this.checkpoint = { epoch: e.epoch, globalStep: e.globalStep, tensors: e.tensors, bytes: e.bytes };
      else void this.refreshCheckpoint();
      return;
    }
    if (e.type === 'log') { if (e.level === 'error') this.error = e.message; return; }
    if (e.type === 'step') this.live = { epoch: e.epoch, step: e.step };
    this.history = foldOneShotEvent(this.history, e);
  }

  async load(): Promise<void> {
    const db = await openDb();
    this.datasets = await listDatasets(db);
    this.runs = await listOneShotRuns(db);
    await this.refreshRunningElsewhere();
    if (!this.current && this.runs.length > 0) await this.select(this.runs[0].id);
  }

  /** How `run`'s status is shown here: a stored 'running' run that no worker runs (its tab was closed) is 'interrupted'. */
  statusOf(run: OneShotRunRecord): ShownStatus {
    return shownStatus(run, this.busy ? (this.current?.id ?? null) : null, this.runningElsewhere);
  }

  /** Which stored one-shot runs another tab is running now (this tab's own run, while it runs, is not "elsewhere"). */
  async refreshRunningElsewhere(): Promise<void> {
    const held = await runningElsewhereIfChanged('oneshot', this.busy ? (this.current?.id ?? null) : null, this.runningElsewhere);
    if (!held) return;
    this.runningElsewhere = held;
    // What the other tab wrote (running, then paused or done) is in IndexedDB.
    this.runs = await listOneShotRuns(await openDb());
    const shown = this.current && !this.busy ? this.runs.find((r) => r.id === this.current?.id) : undefined;
    if (shown) this.current = shown;
  }

  async select(id: string): Promise<void> {
    const run = this.runs.find((r) => r.id === id) ?? null;
    this.current = run;
    this.history = run?.history ?? emptyOneShotHistory();
    this.live = null;
    if (run) this.config = $state.snapshot(run.config) as OneShotConfig;
    await this.refreshCheckpoint();
  }

  async refreshCheckpoint(): Promise<void> {
    const id = this.current?.id;
    if (!id) { this.checkpoint = null; return; }
    const cp = await getOneShotCheckpoint(await openDb(), id);
    this.checkpoint = cp
      ? { epoch: cp.epoch, globalStep: cp.globalStep, tensors: Object.keys(cp.tensors).length, bytes: Object.values(cp.tensors).reduce((s, t) => s + t.data.byteLength, 0) }
      : null;
  }

  setMethod(method: OneShotConfig['method']): void {
    this.config = { ...this.config, method, name: defaultName(method, this.config.space, this.config.datasetId) };
  }

  /** Switches the supernet; a method that does not apply to it (DARTS on the mobile space) falls back to SPOS. */
  setSpace(space: OneShotConfig['space']): void {
    const method = methodUnavailable(space, this.config.method) ? 'spos' : this.config.method;
    this.config = { ...this.config, space, method, name: defaultName(method, space, this.config.datasetId) };
  }

  /** A one-line outcome to show (e.g. what a deletion freed). */
  notice = $state<string | null>(null);

  /** Deletes a stored one-shot run (not while this tab runs it) and says about how much storage that freed. */
  async deleteRun(id: string): Promise<void> {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return;
    await this.refreshRunningElsewhere();
    if ((this.busy && this.current?.id === id) || this.runningElsewhere.has(id)) {
      this.error = `"${run.config.name}" is running; stop it before deleting it.`;
      return;
    }
    try {
      const db = await openDb();
      const bytes = await deleteOneShotRun(db, id);
      this.runs = await listOneShotRuns(db);
      if (this.current?.id === id) this.current = null;
      this.error = null;
      this.notice = `Deleted "${run.config.name}" with its supernet checkpoint: about ${fmtBytes(bytes)} freed.`;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
    } catch (e) {
      // The user's Stop ends the call (rejected when the worker had to be terminated): not an error.
      if (!isUserStop(e, this.stopping)) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
      this.stopping = false;
    }
  }

  async start(): Promise<void> {
    // A configuration the run could not start from is said in the form's words, and the shown run stays.
    try {
      validateOneShotConfig($state.snapshot(this.config));
    } catch (e) {
      if (!(e instanceof OneShotConfigError)) throw e;
      this.error = `Not started: ${labelOneShotIssue(e.message.replace(/^Invalid one-shot configuration: /, ''))}.`;
      return;
    }
    await this.guard(async () => {
      await this.bridge.ensureBuiltinDatasets();
      this.datasets = await listDatasets(await openDb());
      this.current = null;
      this.history = emptyOneShotHistory();
      this.checkpoint = null;
      this.live = null;
      await this.bridge.start($state.snapshot(this.config) as OneShotConfig);
    });
  }

  async resume(): Promise<void> {
    const id = this.current?.id;
    if (!id) return;
    await this.guard(async () => {
      await this.bridge.resume(id);
    });
  }

  /** The stored run as a run file (src/shared/oneshot-run-file.ts): its download name and JSON text. */
  async exportRun(runId: string): Promise<{ name: string; text: string }> {
    const file = await exportOneShotRunFile(await openDb(), runId);
    return { name: oneShotRunFileName(file), text: `${JSON.stringify(file, null, 1)}\n` };
  }

  /** Imports a one-shot run file as a new, imported run (a fresh id, never overwriting) and selects it; a bad file sets `error`. */
  async importRun(file: File): Promise<void> {
    this.error = null;
    try {
      const text = await readTextFile(file, MAX_RUN_FILE_BYTES, 'a run file');
      const run = await importOneShotRunFile(await openDb(), parseOneShotRunFileText(text), file.name);
      this.runs = await listOneShotRuns(await openDb());
      await this.select(run.id);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.bridge.stop();
  }
}

const KEY = Symbol('oneshot-store');
export const setOneShotStore = (s: OneShotStore) => setContext(KEY, s);
export const useOneShotStore = () => getContext<OneShotStore>(KEY);
