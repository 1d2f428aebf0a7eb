/**
 * One-shot searches (DARTS, PC-DARTS, SPOS) run by workers/oneshot.worker.ts: the run configuration, the stored
 * run record (with the event history needed to redraw every chart), the checkpoint record and the worker's api.
 * Types plus the config migration (pure); the engine's one-shot event union and ranking types are re-exported from
 * here for the app.
 */
import type { OneShotEvent, RankedSubnet } from '../engine/supernet/events';
import type { RankingCheckResult, RankingCheckSubnet } from '../engine/supernet/ranking-check';
import type { TensorData } from '../engine/supernet/state';
import type { OneShotConfig } from '../engine/search/oneshot-config';
import type { SearchStatus, StopCause } from '../engine/strategy/types';
import type { GenotypeOf, SpaceId } from '../engine/space/table';
import type { BackendName, BackendReport } from './backend';

export type { OneShotEvent, RankedSubnet } from '../engine/supernet/events';
export type { RankingCheckResult, RankingCheckSubnet } from '../engine/supernet/ranking-check';
export type { TensorData } from '../engine/supernet/state';

export const ONESHOT_CONFIG_VERSION: OneShotConfig['version'] = 2;
/** 1: status could be 'stopped-early'; 2: the shared status words, an early stop is 'done' with stopCause 'early-stop'. */
export const ONESHOT_RUN_VERSION = 2;
export const ONESHOT_CHECKPOINT_VERSION = 1;

export type { OneShotConfig, OneShotMethod } from '../engine/search/oneshot-config';

/** Defaults that config version 2 added, used to migrate version-1 records. */
export const ONESHOT_V2_DEFAULTS = { layers: 5, mobile: { stages: 3, widths: [8, 16], depths: [1, 2] } } as const;

/**
 * Upgrades a stored configuration to the current version, on read (other values come back unchanged for the
 * validator to reject). v1 -> v2 (v1 offered NB201 only): adds `layers` and `mobile` with their defaults, and
 * darts.earlyStopWarmup = 0 (v1 checked DARTS+ from the first epoch, so a resumed v1 run behaves as before).
 */
export function migrateOneShotConfig(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const c = value as Record<string, unknown>;
  if (c.version !== 1) return value;
  const darts = typeof c.darts === 'object' && c.darts !== null ? { earlyStopWarmup: 0, ...(c.darts as object) } : c.darts;
  const m = ONESHOT_V2_DEFAULTS.mobile;
  return { ...c, version: 2, layers: ONESHOT_V2_DEFAULTS.layers, mobile: { stages: m.stages, widths: [...m.widths], depths: [...m.depths] }, darts };
}

/** A genotype of any one-shot space (NB201 cell, DARTS cells, mobile macro network). */
export type OneShotGenotype = GenotypeOf<SpaceId>;

/** A run's status: 'created' (never started) or a status of the shared vocabulary (strategy/types.ts). */
export type OneShotStatus = 'created' | Exclude<SearchStatus, 'interrupted'>;

/**
 * Upgrades a stored run record to the current version, on read (pure; the config is migrated separately).
 * v1 -> v2: 'stopped-early' becomes 'done' with stopCause 'early-stop'; a v1 'done' ran its whole schedule.
 */
export function migrateOneShotRun(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const r = value as Record<string, unknown>;
  if (r.version !== 1) return value;
  const early = r.status === 'stopped-early';
  const stopCause = early ? 'early-stop' : r.status === 'done' ? 'exhausted' : null;
  return { ...r, version: 2, status: early ? 'done' : r.status, stopCause };
}

export interface OneShotStepPoint {
  readonly globalStep: number;
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validLoss: number | null;
}

export interface OneShotEpochPoint {
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly validLoss: number | null;
  readonly validAcc: number | null;
}

export interface OneShotAlphaSnapshot {
  readonly epoch: number;
  /** Softmax weights [edge][op]. */
  readonly alphas: number[][];
  readonly edges: string[];
  readonly ops: string[];
  readonly betas?: number[];
}

export interface OneShotGenotypePoint {
  readonly epoch: number;
  readonly genotype: OneShotGenotype;
  readonly arch: string;
  readonly changed: boolean;
}

/** Everything the charts need, stored with the run and folded from the engine's events. */
export interface OneShotHistory {
  readonly steps: OneShotStepPoint[];
  readonly epochs: OneShotEpochPoint[];
  readonly alphas: OneShotAlphaSnapshot[];
  readonly genotypes: OneShotGenotypePoint[];
  readonly eigenvalues: { readonly epoch: number; readonly value: number }[];
  readonly earlyStop: { readonly epoch: number; readonly reason: string } | null;
  /** SPOS: subnets scored so far (ranking order is by objective in `ranked`). */
  readonly subnets: RankedSubnet<OneShotGenotype>[];
  readonly subnetTotal: number;
  readonly ranked: RankedSubnet<OneShotGenotype>[] | null;
  /** Archs of the top k. */
  readonly topK: string[];
  readonly rankingCheck: RankingCheckResult | null;
  /** Standalone scores of the ranking check so far. */
  readonly rankingCheckDone: RankingCheckSubnet[];
}

export interface OneShotRunRecord {
  readonly version: typeof ONESHOT_RUN_VERSION;
  readonly id: string;
  readonly config: OneShotConfig;
  readonly status: OneShotStatus;
  /** With status 'done': 'exhausted' (the whole schedule ran) or 'early-stop' (DARTS+ / DARTS-ES); else null. */
  readonly stopCause: StopCause | null;
  /** Completed supernet epochs (what a resume continues from). */
  readonly epoch: number;
  readonly stepsPerEpoch: number;
  /** 'train' | 'rank' | 'check' | 'done' (SPOS); 'train' | 'done' (DARTS). */
  readonly phase: 'train' | 'rank' | 'check' | 'done';
  readonly backend?: BackendName;
  readonly history: OneShotHistory;
  /** Final (or latest) derived genotype. */
  readonly arch: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly error?: string;
}

/** The engine's state dict (weights, BN buffers, alphas, optimiser state, rng, stream positions) as stored. */
export interface OneShotCheckpointRecord {
  readonly version: typeof ONESHOT_CHECKPOINT_VERSION;
  readonly runId: string;
  /** Completed epochs when it was taken. */
  readonly epoch: number;
  readonly globalStep: number;
  readonly meta: { readonly strategy: string; readonly version: number; readonly [key: string]: unknown };
  /** Large weight data as typed arrays. */
  readonly tensors: Readonly<Record<string, TensorData>>;
  readonly updatedAt: number;
}

/** What the worker sends: the engine's events plus run/backend/checkpoint/ranking-check notes. */
export type OneShotUiEvent =
  | OneShotEvent<OneShotGenotype>
  | { readonly type: 'run'; readonly run: OneShotRunRecord }
  | { readonly type: 'backend'; readonly report: BackendReport }
  | { readonly type: 'checkpoint'; readonly epoch: number; readonly globalStep: number }
  | { readonly type: 'check-subnet'; readonly index: number; readonly total: number; readonly subnet: RankingCheckSubnet }
  | { readonly type: 'ranking-check'; readonly result: RankingCheckResult }
  | { readonly type: 'log'; readonly level: 'info' | 'error'; readonly message: string };

export type OneShotEventListener = (e: OneShotUiEvent) => void;

export interface OneShotWorkerApi {
  /** Makes sure the built-in datasets are in IndexedDB; returns their ids. */
  ensureBuiltinDatasets(baseUrl: string): Promise<string[]>;
  /** Creates a run and searches until done, an early stop, or stop(). */
  start(config: OneShotConfig, onEvent: OneShotEventListener): Promise<OneShotRunRecord>;
  /** Continues a stored run from its last checkpoint. */
  resume(runId: string, onEvent: OneShotEventListener): Promise<OneShotRunRecord>;
  /** Stops after the current step, saving a checkpoint; resolves when it has. */
  stop(): Promise<void>;
}
