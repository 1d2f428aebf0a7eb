/**
 * One-shot searches (DARTS, PC-DARTS, SPOS) run by workers/oneshot.worker.ts: the run configuration, the stored
 * run record (with the event history needed to redraw every chart), the checkpoint record and the worker's api.
 * Types only; the engine's one-shot event union and ranking types are re-exported from here for the app.
 */
import type { OneShotEvent, RankedSubnet } from '../engine/supernet/events';
import type { RankingCheckResult, RankingCheckSubnet } from '../engine/supernet/ranking-check';
import type { TensorData } from '../engine/supernet/state';
import type { Nb201Genotype } from '../engine/space/nb201';
import type { BackendChoice, BackendName, BackendReport } from './backend';

export type { OneShotEvent, RankedSubnet } from '../engine/supernet/events';
export type { RankingCheckResult, RankingCheckSubnet } from '../engine/supernet/ranking-check';
export type { TensorData } from '../engine/supernet/state';

export const ONESHOT_CONFIG_VERSION = 1;
export const ONESHOT_RUN_VERSION = 1;
export const ONESHOT_CHECKPOINT_VERSION = 1;

export type OneShotMethod = 'darts' | 'pc-darts' | 'spos';

export interface OneShotConfig {
  readonly version: typeof ONESHOT_CONFIG_VERSION;
  readonly name: string;
  readonly method: OneShotMethod;
  /** Only the NB201 supernet is offered for now (the DARTS-space supernet exists in the engine). */
  readonly space: 'nb201';
  readonly datasetId: string;
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Weight learning rate (DARTS: cosine from this to 0.001; SPOS: cosine to 0). */
  readonly learningRate: number;
  /** NB201 skeleton: C and N. */
  readonly channels: number;
  readonly cellsPerStage: number;
  /** Subset sizes from the dataset's locked train split (weights) and validation split (alphas / ranking). */
  readonly trainSamples: number;
  readonly validSamples: number;
  readonly backend: BackendChoice;
  readonly darts: {
    readonly order: 'first' | 'second';
    /** PC-DARTS only: weights-only warm-up epochs. */
    readonly warmupEpochs: number;
    /** PC-DARTS only: partial channels K (stage widths must be divisible by it). */
    readonly partialChannels: number;
    /** Entropy regularisation weight lambda (0 = off). */
    readonly entropyWeight: number;
    /** Operation dropout p (0 = off). */
    readonly opDropout: number;
    /** DARTS+ early stopping: >= this many skip connections (0 = off). */
    readonly maxSkips: number;
    /** DARTS+ early stopping: ranking of the alphas stable for this many epochs (0 = off). */
    readonly stableEpochs: number;
    /** RobustDARTS: Hessian eigenvalue every k epochs (0 = off). */
    readonly eigenvalueEvery: number;
    /** Power iterations per eigenvalue. */
    readonly eigenIterations: number;
    /** DARTS-ES stopping ratio on the eigenvalue trajectory (0 = off). */
    readonly eigenStopRatio: number;
    /** Derive genotypes without 'none'. */
    readonly excludeNone: boolean;
  };
  readonly spos: {
    /** Subnets ranked with inherited weights (the field guide's example: 200). */
    readonly subnets: number;
    /** lambda of accuracy(%) - lambda * MFLOPs. */
    readonly flopsPenalty: number;
    readonly topK: number;
    /** Ranking check: this many subnets (spread over the ranking) trained standalone; 0 = off. */
    readonly rankingCheck: number;
    /** Epochs of each standalone training in the ranking check. */
    readonly rankingCheckEpochs: number;
  };
}

export type OneShotStatus = 'created' | 'running' | 'paused' | 'done' | 'stopped-early' | 'failed';

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
  readonly genotype: Nb201Genotype;
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
  readonly subnets: RankedSubnet<Nb201Genotype>[];
  readonly subnetTotal: number;
  readonly ranked: RankedSubnet<Nb201Genotype>[] | null;
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
  | OneShotEvent<Nb201Genotype>
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
