/**
 * The profiler (issue 7): the one object workers/profile.worker.ts exposes with comlink, and what it reports.
 * On-device latency a team can trust: a per-op latency lookup table (LUT) for a space and skeleton on this
 * device's backend, a predictor (a · Σ LUT + b, fitted on measured networks) checked against fresh measured
 * networks, and the same model measured on every backend of the device side by side.
 */
import type { RoundRobinRecord, RoundRobinSettings } from '../engine/profiler/round-robin';
import type { BackendComparison, BackendComparisonRow, ComparisonModel, DeviceFingerprint, FitSample, LatencyLut, LutEntry, LutMeasureSettings, OverheadFit, PredictorReport, ReportPoint, WorstCase } from '../engine/profiler';
import type { SkeletonOf, SpaceId } from '../engine/space/table';
import { SPACE_KINDS } from '../shared/space-vocab';
import type { BackendName } from './backend';

export type { RoundRobinRecord, RoundRobinSettings };
export type { BackendComparison, BackendComparisonRow, ComparisonModel, DeviceFingerprint, FitSample, LatencyLut, LutEntry, LutMeasureSettings, OverheadFit, PredictorReport, ReportPoint, WorstCase };

export const LUT_RECORD_VERSION = 1;

/** The spaces a latency table can be built for: every built-in space. */
export const PROFILE_SPACES: readonly SpaceId[] = SPACE_KINDS;

/** Some settings of a skeleton of any built-in space. */
export type ProfileSkeleton = { [S in SpaceId]: Partial<SkeletonOf<S>> }[SpaceId];

/** What to build a LUT for. */
export interface LutSpec {
  readonly spaceId: SpaceId;
  /** Missing fields take the space's defaults (space/<id>/skeleton.ts; shared/skeleton-rules.ts SKELETON_DEFAULTS). */
  readonly skeleton: ProfileSkeleton;
  readonly backend: BackendName;
  /** Default 1. */
  readonly batchSize?: number;
  /** End-to-end samples for the overhead fit (default 8). */
  readonly fitSamples?: number;
  /** Restricts the space's vocabulary (the search-space config JSON); default: the full space. */
  readonly spaceConfig?: unknown;
  readonly settings?: Partial<LutMeasureSettings>;
  /** The round-robin protocol (default: ±3% CI on every median, at most 45 s). */
  readonly rounds?: Partial<RoundRobinSettings>;
  readonly seed?: number;
}

/** A stored LUT (IndexedDB `luts`, keyed by fingerprint + space + skeleton + batch size). */
export interface LutRecord extends LatencyLut {
  readonly version: number;
  readonly id: string;
  readonly createdAt: number;
  /** The last validation of this LUT on this device, if any. */
  readonly report?: PredictorReport;
}

/** What the UI lists: a LUT without its entries. */
export interface LutSummary {
  readonly id: string;
  readonly spaceId: SpaceId;
  readonly skeleton: LatencyLut['skeleton'];
  readonly backend: string;
  readonly fingerprint: DeviceFingerprint;
  readonly fingerprintKey: string;
  readonly batchSize: number;
  readonly entries: number;
  /** Pieces whose measurement stayed noisy (CV over the limit). */
  readonly noisyEntries: number;
  readonly fit: OverheadFit;
  readonly fitSamples: readonly FitSample[];
  readonly buildMs: number;
  readonly createdAt: number;
  readonly report?: PredictorReport;
}

/** The model compareBackends measures: a genotype (text form; empty = a seeded sample of the space). */
export interface ModelSpec {
  readonly spaceId: SpaceId;
  readonly skeleton: ProfileSkeleton;
  /** Genotype text (NB201 arch string, DARTS Genotype(...) text, mobile stage string) or plain JSON; '' = sample. */
  readonly genotype?: string | object;
  readonly batchSize?: number;
  readonly seed?: number;
}

/** The comparison plus its CSV (the worker formats it, so the UI needs no engine code). */
export interface BackendComparisonResult extends BackendComparison {
  readonly csv: string;
}

export type ProfileEvent =
  | { readonly type: 'backend'; readonly backend: BackendName; readonly fingerprint: DeviceFingerprint; readonly detail: string }
  /**
   * A measurement (table build or validation): warm-up, building the items to time (done / total items), then
   * rounds (done = rounds so far, total = the most it may take; it stops earlier once every median is stable).
   */
  | { readonly type: 'lut-progress' | 'validate-progress'; readonly phase: 'warmup' | 'prepare' | 'rounds'; readonly done: number; readonly total: number; readonly item: string }
  | { readonly type: 'compare-progress'; readonly backend: BackendName; readonly index: number; readonly total: number; readonly row?: BackendComparisonRow };

export type ProfileEventListener = (e: ProfileEvent) => void;

export interface ProfileWorkerApi {
  /**
   * Measures every op instance of the space for the skeleton on `backend`, fits the per-model overhead on
   * sampled networks, and stores the LUT in IndexedDB (replacing one with the same fingerprint, space, skeleton
   * and batch size). Progress arrives as events; cancel() stops it and nothing is stored.
   */
  buildLut(spec: LutSpec, onEvent?: ProfileEventListener): Promise<LutSummary>;
  /** Every stored LUT, newest first. */
  listLuts(): Promise<LutSummary[]>;
  deleteLut(id: string): Promise<void>;
  /**
   * Predicted latency (ms) of each genotype (text or JSON) with a stored LUT (default: the last built or used);
   * NaN where a genotype is invalid or has pieces the LUT lacks.
   */
  predict(genotypes: readonly (string | object)[], lutId?: string): Promise<number[]>;
  /**
   * Measures `sampleSize` fresh networks (never the fit's) end to end on the LUT's backend and returns the report
   * of predicted vs measured; the report is stored with the LUT. The LUT must come from this device and browser.
   */
  validate(sampleSize: number, onEvent?: ProfileEventListener, lutId?: string): Promise<PredictorReport>;
  /** The same model on every backend this device has (webgpu, webgl, wasm, cpu), side by side. */
  compareBackends(spec: ModelSpec, onEvent?: ProfileEventListener): Promise<BackendComparisonResult>;
  /** This device's fingerprint for a backend (initialises it), or null when it is unavailable. */
  fingerprint(backend: BackendName): Promise<DeviceFingerprint | null>;
  /** Stops a running build, validation or comparison; resolves when it has. */
  cancel(): Promise<void>;
}
