/**
 * UI state of the profiler tab (Svelte 5 runes): the LUT settings, the stored LUTs, the running job and its
 * progress, the predictor report and the backend comparison. It measures nothing itself: it calls the profile
 * worker's bridge and folds its events in. Stored LUTs are listed straight from IndexedDB, so opening the tab
 * does not start the worker.
 */
import { getContext, setContext } from 'svelte';
import { exportLutFile, importLutFile, listLuts, openDb } from '../../db';
import { lutFileName, MAX_LUT_FILE_BYTES, parseLutFileText } from '../../shared/lut-file';
import { readTextFile } from '../read-text-file';
import type { BackendName } from '../../protocol/backend';
import type {
  BackendComparisonResult, BackendComparisonRow, LutSpec, LutSummary, ModelSpec, PredictorReport, ProfileEvent, ProfileSkeleton,
} from '../../protocol/profile-api';
import { SKELETON_DEFAULTS } from '../../shared/skeleton-rules';
import type { SpaceKind } from '../../shared/space-config';
import { ProfileBridge } from './profile-bridge';
import { isUserStop } from '../worker-client';

const { nb201: NB201, darts: DARTS, mobile: MOBILE } = SKELETON_DEFAULTS;

export type ProfileJob = 'idle' | 'building' | 'validating' | 'comparing';

export interface JobProgress {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  readonly item: string;
  /** done / total count rounds, and the measurement may stop before total (once every median is stable). */
  readonly rounds?: boolean;
}

export const PROFILE_BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** What a Search-tab run trains in: its space, C and N, the dataset's image shape and classes, and its backend. */
export interface SearchSkeletonSettings {
  readonly space: SpaceKind;
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly backend: BackendName | 'auto';
}

const int = (x: number | null, min: number, max: number): boolean => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

/** The space-specific skeleton fields of the form, keyed by space: what they build, and what is wrong with them. */
interface SkeletonForm {
  /** Height and width must be multiples of this (the network halves the input log2 of it times). */
  readonly inputMultiple: number;
  /** The space's skeleton fields (the input shape and classes are common). */
  skeleton(s: ProfilerStore): ProfileSkeleton;
  problems(s: ProfilerStore): string[];
}

const SKELETON_FORMS: Readonly<Record<SpaceKind, SkeletonForm>> = {
  nb201: {
    inputMultiple: 4,
    skeleton: (s) => ({ channels: s.channels ?? 0, cellsPerStage: s.cellsPerStage ?? 0 }),
    problems: (s) => [
      ...(int(s.channels, 1, 1024) ? [] : ['Channels C must be a whole number from 1 to 1024.']),
      ...(int(s.cellsPerStage, 1, 100) ? [] : ['Cells per stage N must be a whole number from 1 to 100.']),
    ],
  },
  darts: {
    inputMultiple: 4,
    skeleton: (s) => ({ channels: s.dartsChannels ?? 0, layers: s.layers ?? 0, stemMultiplier: s.stemMultiplier ?? 0 }),
    problems: (s) => [
      ...(int(s.dartsChannels, 2, 1024) && s.dartsChannels! % 2 === 0 ? [] : ['C must be an even whole number from 2 to 1024.']),
      ...(int(s.layers, 1, 100) ? [] : ['Layers must be a whole number from 1 to 100.']),
      ...(int(s.stemMultiplier, 1, 64) ? [] : ['Stem multiplier must be a whole number from 1 to 64.']),
    ],
  },
  mobile: {
    inputMultiple: 1,
    skeleton: (s) => ({ stemChannels: s.stemChannels ?? 0, stemStride: s.stemStride, headMultiplier: s.headMultiplier ?? 0, seReduction: s.seReduction ?? 0 }),
    problems: (s) => [
      ...(int(s.stemChannels, 1, 1024) ? [] : ['Stem channels must be a whole number from 1 to 1024.']),
      ...(int(s.headMultiplier, 0, 64) ? [] : ['Head multiplier must be a whole number from 0 to 64.']),
      ...(int(s.seReduction, 1, 1024) ? [] : ['SE reduction must be a whole number ≥ 1.']),
    ],
  },
};

export class ProfilerStore {
  readonly bridge = new ProfileBridge();

  // LUT settings.
  spaceId = $state<SpaceKind>('nb201');
  backend = $state<BackendName>('wasm');
  height = $state<number | null>(NB201.inputShape[0]);
  width = $state<number | null>(NB201.inputShape[1]);
  inChannels = $state<number | null>(NB201.inputShape[2]);
  classes = $state<number | null>(NB201.numClasses);
  // NB201
  channels = $state<number | null>(NB201.channels);
  cellsPerStage = $state<number | null>(NB201.cellsPerStage);
  // DARTS
  dartsChannels = $state<number | null>(DARTS.channels);
  layers = $state<number | null>(DARTS.layers);
  stemMultiplier = $state<number | null>(DARTS.stemMultiplier);
  // mobile
  stemChannels = $state<number | null>(MOBILE.stemChannels);
  stemStride = $state<1 | 2>(MOBILE.stemStride);
  headMultiplier = $state<number | null>(MOBILE.headMultiplier);
  seReduction = $state<number | null>(MOBILE.seReduction);
  batchSize = $state<number | null>(1);
  fitSamples = $state<number | null>(8);
  validateSamples = $state<number | null>(16);
  /** Genotype text for predict / compare ('' = a sampled one for compare). */
  genotypeText = $state('');

  // Stored tables and results.
  luts = $state<LutSummary[]>([]);
  selectedId = $state<string | null>(null);
  job = $state<ProfileJob>('idle');
  progress = $state<JobProgress | null>(null);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  comparison = $state<BackendComparisonResult | null>(null);
  comparisonRows = $state<BackendComparisonRow[]>([]);
  prediction = $state<{ genotype: string; ms: number } | null>(null);
  /** The backend the running job measures on (shown with its progress, gone with it). */
  measuringOn = $state<string | null>(null);
  /** Why the last Predict gave no number, shown by its input (the old prediction is cleared). */
  predictError = $state<string | null>(null);
  private cancelRequested = false;

  readonly selected = $derived(this.luts.find((l) => l.id === this.selectedId) ?? null);
  readonly report = $derived<PredictorReport | null>(this.selected?.report ?? null);
  readonly busy = $derived(this.job !== 'idle');

  readonly skeleton = $derived.by((): ProfileSkeleton => {
    const inputShape = [this.height ?? 0, this.width ?? 0, this.inChannels ?? 0] as const;
    const numClasses = this.classes ?? 0;
    return { inputShape, numClasses, ...SKELETON_FORMS[this.spaceId].skeleton(this) };
  });

  /** Problems with the settings, in words; the buttons stay disabled while there are any. */
  readonly problems = $derived.by(() => {
    const p: string[] = [];
    const form = SKELETON_FORMS[this.spaceId];
    const div = form.inputMultiple;
    for (const [name, v] of [['Height', this.height], ['Width', this.width]] as const) {
      if (!int(v, 1, 4096)) p.push(`${name} must be a whole number from 1 to 4096.`);
      else if (v! % div !== 0) p.push(`${name} must be a multiple of ${div} (the network halves it ${Math.log2(div)} times).`);
    }
    if (!int(this.inChannels, 1, 64)) p.push('Image channels must be a whole number from 1 to 64.');
    if (!int(this.classes, 1, 10_000)) p.push('Classes must be a whole number ≥ 1.');
    p.push(...form.problems(this));
    if (!int(this.batchSize, 1, 4096)) p.push('Batch size must be a whole number from 1 to 4096.');
    if (!int(this.fitSamples, 0, 200)) p.push('Fit samples must be a whole number from 0 to 200.');
    return p;
  });

  readonly validateProblem = $derived(
    !this.selected ? 'Build or pick a latency table first.' : !int(this.validateSamples, 2, 500) ? 'Validation samples must be a whole number from 2 to 500.' : null,
  );

  constructor() {
    this.bridge.on((e) => this.handle(e));
  }

  private handle(e: ProfileEvent): void {
    switch (e.type) {
      case 'backend':
        this.measuringOn = e.detail;
        break;
      case 'lut-progress':
      case 'validate-progress':
        if (this.job !== (e.type === 'lut-progress' ? 'building' : 'validating')) break;
        this.progress = { label: progressLabel(e.type, e.phase), done: e.done, total: e.total, item: e.item, rounds: e.phase === 'rounds' };
        break;
      case 'compare-progress':
        if (this.job !== 'comparing') break;
        this.progress = { label: 'Comparing backends', done: e.index, total: e.total, item: e.backend };
        if (e.row && !this.comparisonRows.some((r) => r.backend === e.row!.backend)) this.comparisonRows = [...this.comparisonRows, e.row];
        break;
    }
  }

  async load(): Promise<void> {
    try {
      this.luts = await listLuts(await openDb());
      if (!this.selected) this.selectedId = this.luts[0]?.id ?? null;
    } catch (e) {
      this.error = `Could not read stored latency tables: ${message(e)}`;
    }
  }

  private async run<T>(job: ProfileJob, work: () => Promise<T>): Promise<T | null> {
    if (this.busy) return null;
    this.job = job;
    this.error = null;
    this.notice = null;
    this.progress = null;
    this.cancelRequested = false;
    try {
      return await work();
    } catch (e) {
      this.error = isUserStop(e, this.cancelRequested) ? 'Cancelled; nothing was stored.' : message(e);
      return null;
    } finally {
      this.job = 'idle';
      this.progress = null;
      this.measuringOn = null;
    }
  }

  /**
   * Sets the table's space and skeleton to what a Search-tab run trains (its space, C, N and the dataset's image
   * shape and classes, batch 1), so the search finds this table and records predicted latency for its candidates.
   */
  useSearchSettings(s: SearchSkeletonSettings): void {
    this.spaceId = s.space;
    [this.height, this.width, this.inChannels] = s.inputShape;
    this.classes = s.numClasses;
    this.batchSize = 1;
    if (s.backend !== 'auto') this.backend = s.backend;
    if (s.space === 'nb201') {
      this.channels = s.channels;
      this.cellsPerStage = s.cellsPerStage;
    } else if (s.space === 'darts') {
      this.dartsChannels = s.channels;
      this.layers = s.cellsPerStage;
      this.stemMultiplier = DARTS.stemMultiplier;
    } else {
      this.stemChannels = s.channels;
      this.stemStride = MOBILE.stemStride;
      this.headMultiplier = MOBILE.headMultiplier;
      this.seReduction = MOBILE.seReduction;
    }
    this.notice = `Set to the Search tab's settings: ${s.space}, C=${s.channels}${s.space === 'mobile' ? '' : `, N=${s.cellsPerStage}`}, input ${s.inputShape.join('×')}, ${s.numClasses} classes, batch 1. A search on this backend records predicted latency once this table is built.`;
  }

  async buildLut(): Promise<void> {
    if (this.problems.length > 0) return;
    const spec: LutSpec = {
      spaceId: this.spaceId,
      skeleton: $state.snapshot(this.skeleton) as ProfileSkeleton,
      backend: this.backend,
      batchSize: this.batchSize!,
      fitSamples: this.fitSamples!,
    };
    const summary = await this.run('building', () => this.bridge.buildLut(spec));
    if (!summary) return;
    this.luts = [summary, ...this.luts.filter((l) => l.id !== summary.id)];
    this.selectedId = summary.id;
    this.notice = `Latency table stored: ${summary.entries} op instances in ${(summary.buildMs / 1000).toFixed(1)} s.`;
  }

  async validate(): Promise<void> {
    const lut = this.selected;
    if (!lut || this.validateProblem) return;
    const report = await this.run('validating', () => this.bridge.validate(this.validateSamples!, lut.id));
    if (!report) return;
    this.luts = this.luts.map((l) => (l.id === lut.id ? { ...l, report } : l));
  }

  async predict(): Promise<void> {
    const lut = this.selected;
    const text = this.genotypeText.trim();
    if (!lut || !text) return;
    this.predictError = null;
    this.prediction = null;
    try {
      const [ms] = await this.bridge.predict([text], lut.id);
      if (!Number.isFinite(ms)) throw new Error(`"${text}" is not a genotype of this table's space (${lut.spaceId}) or skeleton`);
      this.prediction = { genotype: text, ms };
    } catch (e) {
      this.predictError = message(e);
    }
  }

  async compare(): Promise<void> {
    if (this.problems.length > 0) return;
    const spec: ModelSpec = {
      spaceId: this.spaceId,
      skeleton: $state.snapshot(this.skeleton) as ProfileSkeleton,
      genotype: this.genotypeText.trim(),
      batchSize: this.batchSize!,
    };
    this.comparison = null;
    this.comparisonRows = [];
    const result = await this.run('comparing', () => this.bridge.compareBackends(spec));
    if (result) {
      this.comparison = result;
      this.comparisonRows = [...result.rows];
    }
  }

  async remove(id: string): Promise<void> {
    if (this.busy) return;
    try {
      await this.bridge.deleteLut(id);
      this.luts = this.luts.filter((l) => l.id !== id);
      if (this.selectedId === id) this.selectedId = this.luts[0]?.id ?? null;
    } catch (e) {
      this.error = `Could not delete the latency table: ${message(e)}`;
    }
  }

  /** A stored table as a file: its download name and JSON text. */
  async exportLut(id: string): Promise<{ name: string; text: string }> {
    const file = await exportLutFile(await openDb(), id);
    return { name: lutFileName(file.table), text: `${JSON.stringify(file, null, 1)}\n` };
  }

  /** Imports a table file (checked, never replacing a stored table) and selects it; a bad file says why in `error`. */
  async importLut(file: File): Promise<void> {
    this.error = null;
    this.notice = null;
    try {
      const summary = await importLutFile(await openDb(), parseLutFileText(await readTextFile(file, MAX_LUT_FILE_BYTES, 'a latency table file')));
      this.luts = await listLuts(await openDb());
      this.selectedId = summary.id;
      this.notice = `Imported ${file.name}: ${summary.spaceId} table of ${summary.entries} op instances, built on ${summary.fingerprint.backend} on ${new Date(summary.createdAt).toLocaleString()}.`;
    } catch (e) {
      this.error = `${file.name}: ${message(e)}`;
    }
  }

  async cancel(): Promise<void> {
    if (!this.busy) return;
    this.cancelRequested = true;
    // A worker that does not answer in time is terminated, which rejects the job's call: run() reports the cancel.
    await this.bridge.cancel();
  }
}

/** What a measurement is doing, in words (rounds: until every median is stable, at most `total`). */
function progressLabel(type: 'lut-progress' | 'validate-progress', phase: 'warmup' | 'prepare' | 'rounds'): string {
  if (phase === 'warmup') return 'Warming up';
  if (phase === 'prepare') return type === 'lut-progress' ? 'Building the pieces and fit networks' : 'Building the fit and fresh networks';
  return 'Timing them all in rounds until every median is stable';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const KEY = Symbol('profiler-store');
export const setProfilerStore = (s: ProfilerStore) => setContext(KEY, s);
export const useProfilerStore = () => getContext<ProfilerStore>(KEY);
