/**
 * One-shot searches (DARTS, PC-DARTS, SPOS) run by workers/oneshot.worker.ts: the run configuration, the stored
 * run record (with the event history needed to redraw every chart), the checkpoint record and the worker's api.
 * Types plus the config migration (pure); the engine's one-shot event union and ranking types are re-exported from
 * here for the app.
 */
import type { OneShotChartEvent } from '../shared/oneshot-events';
import type { OneShotGenotypePoint as OneShotGenotypePointOf, OneShotHistory as OneShotHistoryOf } from '../shared/oneshot-history';
import type { TensorData } from '../engine/supernet/state';
import type { OneShotConfig } from '../engine/search/oneshot-config';
import type { RunStatus, StopCause } from '../shared/status';
import type { OneShotCandidate } from '../shared/oneshot-lineage';
import type { GenotypeOf, SpaceId } from '../engine/space/table';
import type { BackendLostEvent, BackendName, BackendReport } from './backend';

export type { OneShotEvent, RankedSubnet, RankingCheckResult, RankingCheckSubnet } from '../shared/oneshot-events';
export type { OneShotCandidate, SupernetRef } from '../shared/oneshot-lineage';
export type { TensorData } from '../engine/supernet/state';

export const ONESHOT_CONFIG_VERSION: OneShotConfig['version'] = 2;
/**
 * 1: status could be 'stopped-early'; 2: the shared status words, an early stop is 'done' with stopCause 'early-stop';
 * 3: `candidates` with their lineage (shared/oneshot-lineage.ts), `imported` (db/oneshot.ts readOneShotRun migrates).
 */
export const ONESHOT_RUN_VERSION = 3;
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

/** A run's status: 'created' (never started) or a status of the shared vocabulary (src/shared/status.ts). */
export type OneShotStatus = RunStatus;

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

/** The chart history (src/shared/oneshot-history.ts) of a run of any one-shot space. */
export type OneShotHistory = OneShotHistoryOf<OneShotGenotype>;
export type OneShotGenotypePoint = OneShotGenotypePointOf<OneShotGenotype>;
export type { OneShotAlphaSnapshot, OneShotEpochPoint, OneShotStepPoint } from '../shared/oneshot-history';

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
  /** Every derived / ranked architecture with its hash and the supernet it came from (since version 3). */
  readonly candidates: readonly OneShotCandidate[];
  /**
   * Set on a run imported from a run file: shown and compared only (run files hold no supernet weights, so there is
   * no checkpoint to resume from). `from`: the original run's id, which the candidates' lineage names.
   */
  readonly imported?: { readonly from: string; readonly exportedAt: string; readonly file: string };
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
  | OneShotChartEvent<OneShotGenotype>
  | { readonly type: 'run'; readonly run: OneShotRunRecord }
  | { readonly type: 'backend'; readonly report: BackendReport }
  /** tensors/bytes: the checkpoint's size, so the app need not read the whole checkpoint back from IndexedDB. */
  | { readonly type: 'checkpoint'; readonly epoch: number; readonly globalStep: number; readonly tensors?: number; readonly bytes?: number }
  | { readonly type: 'log'; readonly level: 'info' | 'error'; readonly message: string }
  | BackendLostEvent;

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
