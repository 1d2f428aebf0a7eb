/**
 * The Search tab's form and the run config it becomes: the flat layout run configs were stored in up to
 * version 2, and the two pure mappings between it and the one run config (./run-config.ts, v3). The app maps a
 * stored run back to its form; the database migrates a v2 record with formToRunConfig. Plain data.
 */
import type { ObjectiveSpec } from './objective';
import { COST_METRICS, type CostMetric } from './metrics';
import { RUN_CONFIG_VERSION, type RunConfig, type TrainBackend, type TrainEvaluatorConfig } from './run-config';
import type { SpaceConfig } from './space-config';
import type { StrategyName } from './strategies';
import type { PrerankOptions } from './strategy-options';
import type { TrainSettings } from './train-settings';

/**
 * A run of the Search tab, as stored with it (RunRecord.config): the one run config with candidates trained on
 * a stored dataset, a query budget and the run's live front drawn against a CostMetric.
 * searchTabIssues says what keeps a valid run config from being one (the worker and the share link both ask it).
 */
export type TabRunConfig = RunConfig & {
  readonly evaluator: TrainEvaluatorConfig;
  readonly budget: { readonly queries: number };
  readonly pareto: { readonly accuracy: string; readonly cost: CostMetric };
};

/** Why a valid run config is not a Search-tab run (empty: it is one), each issue led by its config path. */
export function searchTabIssues(config: RunConfig): string[] {
  const issues: string[] = [];
  if (config.evaluator.kind !== 'train') issues.push('evaluator.kind: the Search tab trains its candidates; a tabular search runs in the Benchmark lab or the headless runner');
  if (config.budget.queries === undefined) issues.push('budget.queries: the Search tab needs a number of candidates');
  if (config.pareto === undefined || !COST_METRICS.includes(config.pareto.cost as CostMetric)) {
    issues.push(`pareto.cost: the Search tab draws its front against ${COST_METRICS.join(', ')}`);
  }
  return issues;
}

/**
 * Versions of the flat layout: 1 `space: 'nb201'` (the full NB201 space only). 2 `space` is the normalised space
 * config (nb201, darts or mobile, possibly restricted by the user). The worker migrates what the form sends
 * (src/db/runs.ts migrateRunConfig) and stores the current run config version.
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
  readonly backend: TrainBackend;
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
 * {prerank}}, budget {queries}, evaluator {kind 'train', dataset, backend, the training settings, latency: true, and
 * curveStop when enabled},
 * pareto {valid_acc, paretoCost}. Unknown fields are kept, so validation names them.
 */
export function formToRunConfig(form: RunForm): TabRunConfig {
  const { version: _v, datasetId, strategy, budget, channels, cellsPerStage, epochs, batchSize, learningRate, trainSamples, validSamples, backend, paretoCost, prerank, curveStop, ...rest } = form;
  return {
    ...rest,
    version: RUN_CONFIG_VERSION,
    strategy: { name: strategy, options: prerank ? { prerank } : {} },
    budget: { queries: budget },
    // Curve stopping only when ticked: an unticked form gives the same config as before the option existed.
    evaluator: defined({ kind: 'train', dataset: datasetId, backend, channels, cellsPerStage, epochs, batchSize, learningRate, trainSamples, validSamples, latency: true, curveStop: curveStop?.enabled ? curveStop : undefined }),
    pareto: { accuracy: 'valid_acc', cost: paretoCost },
  } as unknown as TabRunConfig;
}

/** A stored run's config as the form shows it (selecting a run in the list loads its settings). */
export function runConfigToForm(c: TabRunConfig): RunForm {
  const e = c.evaluator;
  const prerank = (c.strategy.options as { prerank?: PrerankOptions }).prerank ?? null;
  return {
    version: RUN_FORM_VERSION, name: c.name, datasetId: e.dataset, space: c.space, strategy: c.strategy.name, seed: c.seed, budget: c.budget.queries,
    channels: e.channels, cellsPerStage: e.cellsPerStage, epochs: e.epochs, batchSize: e.batchSize, learningRate: e.learningRate,
    trainSamples: e.trainSamples, validSamples: e.validSamples, backend: e.backend, objective: c.objective, paretoCost: c.pareto.cost, prerank,
    ...(e.curveStop ? { curveStop: e.curveStop } : {}),
  };
}
