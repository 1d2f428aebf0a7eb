/** Run configuration and records, as stored in IndexedDB and sent between worker and app. Types only. */
import type { SpaceKind } from '../shared/space-config';
import type { RunStatus } from '../shared/status';
import type { TabRunConfig } from '../shared/run-form';
import type { BackendName } from './backend';
import type { SearchCheckpoint } from '../engine/search/checkpoint';

export type { ObjectiveSpec, Penalty, Constraint } from '../shared/objective';
export type { Nb201Genotype } from '../engine/space/nb201/space';
export type { DartsGenotype } from '../engine/space/darts/genotype';
export type { MobileGenotype } from '../engine/space/mobile/space';
export type { PrerankOptions } from '../shared/strategy-options';
export type { ZeroCostProxy } from '../shared/strategies';
export type { TrainEvaluatorConfig, TabularEvaluatorConfig, EvaluatorConfig } from '../shared/run-config';
export type { SpaceConfig, SpaceKind, ConfigIssue, Nb201SpaceConfig, DartsSpaceConfig, MobileSpaceConfig } from '../shared/space-config';
/** The Search tab's form (src/shared/run-form.ts holds it, its version and its mappings to the run config). */
export type { RunForm } from '../shared/run-form';

/** Cost axes a Pareto front can be drawn against (all minimised). */
export type { CostMetric } from '../shared/metrics';

/**
 * A run of the Search tab, as stored with it (RunRecord.config): the one run config (src/shared/run-config.ts,
 * the headless runner's file format too) with candidates trained on a stored dataset, a query budget and a live
 * front against a CostMetric (src/shared/run-form.ts). workers/run-config.ts checks that.
 */
export type RunConfig = TabRunConfig;

/** 'created' or a word of the shared status vocabulary (src/shared/status.ts). */
export type { RunStatus };

export interface RunRecord {
  readonly version: number;
  readonly id: string;
  readonly config: RunConfig;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Backend the last session of this run trained on. */
  readonly backend?: BackendName;
  readonly error?: string;
  /** Candidates evaluated so far (mirrors the candidates store, for quick listing). */
  readonly completed: number;
  /** Ids of the candidates on the accuracy-vs-cost Pareto front (config.paretoCost), kept up to date. */
  readonly paretoIds: readonly number[];
}

export interface CandidateRecord {
  readonly version: number;
  readonly runId: string;
  readonly id: number;
  /** Canonical text form of the genotype in its space. */
  readonly arch: string;
  readonly hash: string;
  /** Which space the genotype belongs to (the run's config.space holds the full space config). */
  readonly space: SpaceKind;
  /** The genotype as plain JSON (Nb201Genotype, DartsGenotype or MobileGenotype). */
  readonly genotype: unknown;
  readonly metrics: Readonly<Record<string, number>>;
  /** Objective value; -Infinity is stored as null when a hard constraint is violated. */
  readonly objective: number | null;
  readonly feasible: boolean;
  /**
   * Lineage (since record version 2): ids of the earlier candidates of the run this one was made from
   * (evolution: the mutated parent, or both crossover parents; local search: the incumbent); [] for a sample
   * drawn from scratch. Version-1 records are read with [] (src/db/runs.ts `migrateCandidateRecord`).
   */
  readonly parents: readonly number[];
  /** Why the candidate failed (diverged, crashed); it is then infeasible with objective null and `failed: 1`. */
  readonly error?: string;
  readonly backend: BackendName;
  readonly createdAt: number;
  /**
   * Its training curve (since record version 3), one point per epoch trained. Older records are read with []
   * (not recorded), as are candidates imported from a run file.
   */
  readonly curve: readonly EpochPoint[];
}

/** One epoch of a candidate's training: mean training loss and validation accuracy (%) after it. */
export interface EpochPoint {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validAcc: number;
}

/**
 * Everything needed to continue a run exactly where it stopped: the search core's checkpoint
 * (engine/search/checkpoint.ts; its version is src/shared/search-checkpoint.ts), stored without its log (the
 * candidates store holds it), with the run's id. Version 1 records ({nextId, strategyState}) are migrated on read (src/db/runs.ts `migrateCheckpointRecord`).
 */
export interface CheckpointRecord extends SearchCheckpoint {
  readonly runId: string;
  readonly updatedAt: number;
}
