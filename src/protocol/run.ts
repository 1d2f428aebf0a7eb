/** Run configuration and records, as stored in IndexedDB and sent between worker and app. */
import type { ObjectiveSpec } from '../engine/strategy/objective';
import type { SpaceConfig, SpaceKind } from '../shared/space-config';
import type { PrerankOptions } from '../engine/strategy/prerank';
import type { TrainSettings } from '../engine/evaluator/train-setup';
import type { CostMetric } from '../shared/metrics';
import type { StrategyName } from '../shared/strategies';
import type { RunConfig as EngineRunConfig, TrainEvaluatorConfig } from '../engine/search/run-config';
import type { BackendChoice, BackendName } from './backend';
import type { SearchCheckpoint } from '../engine/search/checkpoint';

export type { ObjectiveSpec, Penalty, Constraint } from '../engine/strategy/objective';
export type { Nb201Genotype } from '../engine/space/nb201/space';
export type { DartsGenotype } from '../engine/space/darts/genotype';
export type { MobileGenotype } from '../engine/space/mobile/space';
export type { PrerankOptions, ZeroCostProxy } from '../engine/strategy/prerank';
export type { TrainEvaluatorConfig, TabularEvaluatorConfig, EvaluatorConfig } from '../engine/search/run-config';
export type { SpaceConfig, SpaceKind, ConfigIssue, Nb201SpaceConfig, DartsSpaceConfig, MobileSpaceConfig } from '../shared/space-config';

/** Cost axes a Pareto front can be drawn against (all minimised). */
export type { CostMetric } from '../shared/metrics';

/**
 * A run of the Search tab, as stored with it (RunRecord.config): the search core's one run config
 * (engine/search/run-config.ts, the headless runner's file format too) with candidates trained on a stored
 * dataset, a query budget and the run's live front drawn against a CostMetric. workers/run-config.ts checks that.
 */
export type RunConfig = EngineRunConfig & {
  readonly evaluator: TrainEvaluatorConfig;
  readonly budget: { readonly queries: number };
  readonly pareto: { readonly accuracy: string; readonly cost: CostMetric };
};

/**
 * The Search tab's form: the flat layout run configs were stored in up to version 2. The worker migrates what
 * the form sends (src/db/runs.ts migrateRunConfig) and stores the current version.
 *
 * Versions of the flat layout: 1 `space: 'nb201'` (the full NB201 space only). 2 `space` is the normalised space
 * config (nb201, darts or mobile, possibly restricted by the user).
 */
export const RUN_FORM_VERSION = 2;

/** The training settings (seed, skeleton sizes C and N, epochs, ..., subset sizes) are the engine's TrainSettings. */
export interface RunForm extends TrainSettings {
  readonly version: typeof RUN_FORM_VERSION;
  readonly name: string;
  readonly datasetId: string;
  /** The search space as its normalised config (what the space editor produces). */
  readonly space: SpaceConfig;
  readonly strategy: StrategyName;
  /** Number of candidates to evaluate. */
  readonly budget: number;
  readonly backend: BackendChoice;
  /** What a candidate is scored by: accuracy minus penalties, with hard constraints (e.g. latency_ms <= 8). */
  readonly objective: ObjectiveSpec;
  /** Cost axis of the live Pareto front (accuracy is the other axis). */
  readonly paretoCost: CostMetric;
  /**
   * Zero-cost warm start (Abdelfattah et al. 2021): score a seeded pool of architectures at initialisation on a
   * real training batch and start the strategy from the best. Absent/null: no warm start.
   */
  readonly prerank?: PrerankOptions | null;
}

/** Drops undefined fields, so a missing field stays missing (and gets the schema's default or error). */
const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));

/**
 * The form as the one run config (unvalidated: workers/run-config.ts validates it): strategy {name, options:
 * {prerank}}, budget {queries}, evaluator {kind 'train', dataset, backend, the training settings, latency: true},
 * pareto {valid_acc, paretoCost}. Unknown fields are kept, so validation names them.
 */
export function formToRunConfig(form: RunForm): RunConfig {
  const { version: _v, datasetId, strategy, budget, channels, cellsPerStage, epochs, batchSize, learningRate, trainSamples, validSamples, backend, paretoCost, prerank, ...rest } = form;
  return {
    ...rest,
    version: 3, // = the engine's RUN_CONFIG_VERSION (protocol may not import engine values; tests/unit/run-config.test.ts checks it)
    strategy: { name: strategy, options: prerank ? { prerank } : {} },
    budget: { queries: budget },
    evaluator: defined({ kind: 'train', dataset: datasetId, backend, channels, cellsPerStage, epochs, batchSize, learningRate, trainSamples, validSamples, latency: true }),
    pareto: { accuracy: 'valid_acc', cost: paretoCost },
  } as unknown as RunConfig;
}

/** A stored run's config as the form shows it (selecting a run in the list loads its settings). */
export function runConfigToForm(c: RunConfig): RunForm {
  const e = c.evaluator;
  const prerank = (c.strategy.options as { prerank?: PrerankOptions }).prerank ?? null;
  return {
    version: RUN_FORM_VERSION, name: c.name, datasetId: e.dataset, space: c.space, strategy: c.strategy.name, seed: c.seed, budget: c.budget.queries,
    channels: e.channels, cellsPerStage: e.cellsPerStage, epochs: e.epochs, batchSize: e.batchSize, learningRate: e.learningRate,
    trainSamples: e.trainSamples, validSamples: e.validSamples, backend: e.backend, objective: c.objective, paretoCost: c.pareto.cost, prerank,
  };
}

export type RunStatus = 'created' | 'running' | 'paused' | 'done' | 'failed';

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
  readonly backend: BackendName;
  readonly createdAt: number;
}

/**
 * Everything needed to continue a run exactly where it stopped: the search core's checkpoint
 * (engine/search/checkpoint.ts, version 2, stored without its log: the candidates store holds it) with the run's
 * id. Version 1 records ({nextId, strategyState}) are migrated on read (src/db/runs.ts `migrateCheckpointRecord`).
 */
export interface CheckpointRecord extends SearchCheckpoint {
  readonly runId: string;
  readonly updatedAt: number;
}
