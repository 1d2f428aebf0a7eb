/**
 * UI state of the finalists (Svelte 5 runes): the form (top k, Pareto front, recipe, targets, image counts), the
 * jobs of the shown run, live per-epoch progress, and the model registry. It trains nothing: it calls the
 * finalists bridge and reads IndexedDB.
 */
import { getContext, setContext } from 'svelte';
import { deleteFinalistJob, deleteModel, listFinalistJobs, listModels, openDb } from '../../db';
import type { BackendChoice } from '../../protocol/backend';
import type { ExportFormat, FinalistJobRecord, FinalistsEvent, ModelRecord } from '../../protocol/finalists-api';
import type { FinalistSource } from './finalist-source';
import { checkRecipeForm, recipeToForm, type RecipeForm } from '../../shared/finalist-recipe-form';
import { BASELINE_CHOICES, DEFAULT_DISTILL_FORM, distillFormIssues, type DistillForm } from '../../shared/finalist-extras-form';
import type { BaselineFamily } from '../../shared/baselines';
import type { HpoTrialReport } from '../../shared/finalist-result';
import { parseTargets } from '../../shared/targets';
import { isUserStop } from '../worker-client';
import { FinalistsBridge } from './finalists-bridge';

export interface LiveEpoch {
  readonly epoch: number;
  readonly epochs: number;
  readonly trainLoss: number;
  readonly validAcc: number;
}

export class FinalistsStore {
  readonly bridge = new FinalistsBridge();
  top = $state(3);
  pareto = $state(false);
  recipe = $state<RecipeForm>(recipeToForm());
  targetsText = $state('');
  /** Hand-designed baselines to train beside the finalists (by family name). */
  baselines = $state<Record<BaselineFamily, boolean>>({ resnet: false, mobilenet: false });
  distill = $state<DistillForm>({ ...DEFAULT_DISTILL_FORM });
  /** Per entry key: the HPO trials measured in this session (the stored outcome is on the job's entry). */
  hpoTrials = $state<Record<string, HpoTrialReport[]>>({});
  /** Train / validation images (0: all of the split). */
  trainSamples = $state(0);
  validSamples = $state(0);
  runId = $state<string | null>(null);
  jobs = $state<FinalistJobRecord[]>([]);
  models = $state<ModelRecord[]>([]);
  live = $state<Record<string, LiveEpoch>>({});
  /** Per entry key: the epoch its training resumed after in this session (0: from scratch). */
  resumedAfter = $state<Record<string, number>>({});
  busy = $state(false);
  /** The backend the registry's "Measure" button times a model on. */
  measureBackend = $state<BackendChoice>('wasm');
  error = $state<string | null>(null);
  private stopAsked = false;

  readonly recipeCheck = $derived(checkRecipeForm(this.recipe));
  readonly targetLines = $derived(this.targetsText.split('\n').map((t) => t.trim()).filter((t) => t !== ''));
  readonly targetError = $derived.by(() => {
    try {
      parseTargets(this.targetLines);
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  });
  readonly distillIssues = $derived(distillFormIssues(this.distill));
  /** The newest job of the shown run. */
  readonly job = $derived(this.jobs[0] ?? null);

  constructor() {
    this.bridge.on((e) => this.handle(e));
  }

  private handle(e: FinalistsEvent): void {
    switch (e.type) {
      case 'job':
        if (e.job.runId === this.runId) {
          const i = this.jobs.findIndex((j) => j.id === e.job.id);
          this.jobs = i < 0 ? [e.job, ...this.jobs] : this.jobs.map((j) => (j.id === e.job.id ? e.job : j));
        }
        break;
      case 'start':
        this.resumedAfter = { ...this.resumedAfter, [e.key]: e.resumedAfterEpoch };
        break;
      case 'epoch':
        this.live = { ...this.live, [e.key]: { epoch: e.epoch, epochs: e.epochs, trainLoss: e.trainLoss, validAcc: e.validAcc } };
        break;
      case 'hpo-trial':
        this.hpoTrials = { ...this.hpoTrials, [e.key]: [...(this.hpoTrials[e.key] ?? []), e.trial] };
        break;
      case 'model':
        this.models = [e.model, ...this.models.filter((m) => m.id !== e.model.id)];
        break;
      default:
        break;
    }
  }

  /** Shows a run's jobs (and the whole registry). */
  async load(runId: string | null): Promise<void> {
    const db = await openDb();
    this.runId = runId;
    this.live = {};
    this.resumedAfter = {};
    this.hpoTrials = {};
    this.jobs = runId ? await listFinalistJobs(db, runId) : [];
    this.models = await listModels(db);
  }

  /** A stored job that says 'running' while no job runs in this tab was cut off (a reload): it can be resumed. */
  interrupted(job: FinalistJobRecord): boolean {
    return !this.busy && (job.status === 'running' || job.status === 'paused' || job.status === 'created');
  }

  async start(run: FinalistSource): Promise<void> {
    const check = this.recipeCheck;
    if (!check.ok) {
      this.error = `The recipe has problems: ${check.issues.join('; ')}`;
      return;
    }
    if (this.targetError) {
      this.error = this.targetError;
      return;
    }
    if (this.distillIssues.length > 0) {
      this.error = `Distillation: ${this.distillIssues.join('; ')}`;
      return;
    }
    const baselines = BASELINE_CHOICES.filter((c) => this.baselines[c.family]).map((c) => c.family);
    const d = this.distill;
    await this.guard(() => this.bridge.start({
      source: run.kind, runId: run.runId, top: this.top, pareto: this.pareto && run.pareto !== null, recipe: $state.snapshot(check.recipe), targets: [...this.targetLines],
      trainSamples: this.trainSamples || undefined, validSamples: this.validSamples || undefined, backend: run.backend,
      ...(baselines.length ? { baselines } : {}),
      ...(d.enabled ? { distill: { student: d.student, temperature: d.temperature, alpha: d.alpha } } : {}),
    }));
  }

  async resume(jobId: string): Promise<void> {
    await this.guard(() => this.bridge.resume(jobId));
  }

  async stop(): Promise<void> {
    this.stopAsked = true;
    if ((await this.bridge.stop()) === 'terminated') {
      this.busy = false;
      await this.load(this.runId);
    }
  }

  /** Builds the export in the worker and hands it to the browser as a download. */
  async download(modelId: string, format: ExportFormat): Promise<void> {
    this.error = null;
    try {
      const file = await this.bridge.exportModel(modelId, format);
      const url = URL.createObjectURL(new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = file.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Measures a model's latency on `backend` in the worker; the figure joins the model's per-backend map. */
  async measure(modelId: string, backend: BackendChoice): Promise<void> {
    await this.guard(async () => {
      const m = await this.bridge.measureLatency(modelId, backend);
      this.models = this.models.map((x) => (x.id === m.id ? m : x));
    });
  }

  async deleteModel(id: string): Promise<void> {
    await deleteModel(await openDb(), id);
    this.models = this.models.filter((m) => m.id !== id);
  }

  async deleteJob(id: string): Promise<void> {
    await deleteFinalistJob(await openDb(), id);
    this.jobs = this.jobs.filter((j) => j.id !== id);
  }

  private async guard(work: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = null;
    this.stopAsked = false;
    try {
      await work();
    } catch (e) {
      if (!isUserStop(e, this.stopAsked)) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
      // Entries of a job are written as it goes; re-read so the view matches storage.
      if (this.runId) this.jobs = await listFinalistJobs(await openDb(), this.runId);
    }
  }
}

const KEY = Symbol('finalists-store');
export const setFinalistsStore = (s: FinalistsStore) => setContext(KEY, s);
export const useFinalistsStore = () => getContext<FinalistsStore>(KEY);
