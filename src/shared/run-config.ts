/**
 * The one configuration of a black-box search, as plain JSON: the headless runner's --config file and the
 * config the Search tab stores with each run (RunRecord.config). Space, strategy + options, seed, budget,
 * objective, evaluator, time metric, Pareto axes, and a name. Validated with valibot; every problem is reported
 * with its path; unknown fields are errors, so typos fail loudly. Pure data: no tfjs, no DOM.
 *
 * The evaluator is a tagged union on `kind`: 'tabular' looks candidates up in a NB201-style CSV; 'train' trains
 * each candidate on a dataset (the runner: the built-in MNIST subset on wasm/cpu; the app: any stored dataset
 * on the backend it picks).
 *
 * `evaluator.curveStop` ({ enabled: true, margin: 2 } when given; absent: off) stops hopeless candidates early by
 * learning-curve extrapolation (engine/evaluator/curve-stop.ts). It is optional without a default, so a config
 * without it parses to exactly what it did before and the version stays 3.
 *
 * Versions: 1 the runner's first format (the same fields without `name`; read as 3). 3 this one, which the
 * app's stored run configs (v1/v2: a flat layout) are migrated to on read (src/db/runs.ts migrateRunConfig).
 */
import * as v from 'valibot';
import { issueLines } from './schema-issues';
import { finalistsSpecIssues, type FinalistsSpec } from './finalists-spec';
import { ObjectiveSpecSchema, type ObjectiveSpec } from './objective';
import { STRATEGY_NAMES, type StrategyName } from './strategies';
import { parseStrategyOptions, StrategyConfigError } from './strategy-options';
import { parseSpaceConfig, SpaceConfigError, type SpaceConfig } from './space-config';
import { CURVE_STOP_DEFAULT_MARGIN, CURVE_STOP_MIN_EPOCHS, type TrainSettings } from './train-settings';

export const RUN_CONFIG_VERSION = 3;

/** When a search stops (at least one limit). */
export interface SearchBudget {
  /** Stop after this many evaluations. */
  readonly queries?: number;
  /** Stop once the simulated time reaches this many seconds (the candidate that crosses it counts). */
  readonly simulatedSeconds?: number;
}

export interface ParetoSpec {
  /** Metric to maximise, e.g. valid_acc. */
  readonly accuracy: string;
  /** Metric to minimise, e.g. pixel3_ms or mflops. */
  readonly cost: string;
}

/** Backends a training evaluator may ask for ('auto': the best this device has). */
export const TRAIN_BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type TrainBackend = (typeof TRAIN_BACKENDS)[number];

export interface TabularEvaluatorConfig {
  readonly kind: 'tabular';
  /** Path of the CSV (the runner resolves it against the repository root). */
  readonly table: string;
}

/** Train every candidate on a dataset (the seed is the search's). */
export interface TrainEvaluatorConfig extends Omit<TrainSettings, 'seed'> {
  readonly kind: 'train';
  /** Dataset id: 'builtin:mnist-10k' or a dataset stored in the app. */
  readonly dataset: string;
  readonly backend: TrainBackend;
  /** Measure inference latency of each candidate on the backend. */
  readonly latency: boolean;
}

export type EvaluatorConfig = TabularEvaluatorConfig | TrainEvaluatorConfig;

export interface RunConfig {
  readonly version: typeof RUN_CONFIG_VERSION;
  /** What the run is called in the app's run list. */
  readonly name: string;
  /** The normalised space config; the file may give a name ("nb201", "darts", "mobile") or a config object. */
  readonly space: SpaceConfig;
  /** The strategy and its options, defaults filled in (a warm start is `options.prerank`). */
  readonly strategy: { readonly name: StrategyName; readonly options: Readonly<Record<string, unknown>> };
  readonly seed: number;
  readonly budget: SearchBudget;
  readonly objective: ObjectiveSpec;
  readonly evaluator: EvaluatorConfig;
  /** Metric holding each evaluation's (simulated) cost in seconds. */
  readonly timeMetric: string;
  readonly pareto?: ParetoSpec;
  /** Re-train and test the best candidates after the search (the headless runner does). */
  readonly finalists?: FinalistsSpec;
}

export class RunConfigError extends Error {
  override readonly name = 'RunConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid run configuration: ${issues.join('; ')}`);
  }
}

const unknownKey = (what: string) => (issue: v.BaseIssue<unknown>) =>
  issue.expected === 'never'
    ? `unknown ${what} field`
    : issue.received === 'undefined' && issue.path !== undefined
      ? `required ${what} field is missing`
      : `${what} must be an object`;

const metricName = (what: string) =>
  v.pipe(v.string(`${what} must be a string`), v.regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, `${what} must be a metric name like "valid_acc"`));

const BudgetSchema = v.pipe(
  v.strictObject(
    {
      queries: v.optional(v.pipe(v.number('budget.queries must be a number'), v.integer('budget.queries must be an integer'), v.minValue(1, 'budget.queries must be >= 1'))),
      simulatedSeconds: v.optional(v.pipe(v.number('budget.simulatedSeconds must be a number'), v.finite('budget.simulatedSeconds must be finite'), v.gtValue(0, 'budget.simulatedSeconds must be > 0'))),
    },
    unknownKey('budget'),
  ),
  v.check((b) => b.queries !== undefined || b.simulatedSeconds !== undefined, 'budget needs "queries" or "simulatedSeconds"'),
);

const posInt = (key: string, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.integer(`${key} must be an integer`), v.minValue(1, `${key} must be >= 1`), v.maxValue(max, `${key} must be <= ${max}`));

const EvaluatorSchema = v.variant(
  'kind',
  [
    v.strictObject(
      { kind: v.literal('tabular'), table: v.pipe(v.string('evaluator.table must be a path string'), v.minLength(1, 'evaluator.table must not be empty')) },
      unknownKey('tabular evaluator'),
    ),
    v.strictObject(
      {
        kind: v.literal('train'),
        dataset: v.optional(v.pipe(v.string('evaluator.dataset must be a dataset id'), v.minLength(1, 'evaluator.dataset: pick a dataset')), 'builtin:mnist-10k'),
        backend: v.optional(v.picklist(TRAIN_BACKENDS, `evaluator.backend must be ${TRAIN_BACKENDS.slice(0, -1).join(', ')} or cpu`), 'wasm'),
        channels: v.optional(posInt('evaluator.channels', 256), 8),
        cellsPerStage: v.optional(posInt('evaluator.cellsPerStage', 20), 1),
        epochs: v.optional(posInt('evaluator.epochs', 500), 1),
        batchSize: v.optional(posInt('evaluator.batchSize', 4096), 32),
        learningRate: v.optional(v.pipe(v.number('evaluator.learningRate must be a number'), v.gtValue(0, 'evaluator.learningRate must be > 0'), v.maxValue(10, 'evaluator.learningRate must be <= 10')), 0.1),
        trainSamples: v.optional(posInt('evaluator.trainSamples', 10_000_000), 1024),
        validSamples: v.optional(posInt('evaluator.validSamples', 10_000_000), 512),
        latency: v.optional(v.boolean('evaluator.latency must be true or false'), true),
        curveStop: v.optional(
          v.strictObject(
            {
              enabled: v.optional(v.boolean('evaluator.curveStop.enabled must be true or false'), true),
              margin: v.optional(
                v.pipe(
                  v.number('evaluator.curveStop.margin must be a number (percentage points of validation accuracy)'),
                  v.finite('evaluator.curveStop.margin must be finite'),
                  v.minValue(0, 'evaluator.curveStop.margin must be >= 0 (percentage points of validation accuracy)'),
                  v.maxValue(100, 'evaluator.curveStop.margin must be <= 100 (percentage points of validation accuracy)'),
                ),
                CURVE_STOP_DEFAULT_MARGIN,
              ),
            },
            unknownKey('evaluator.curveStop'),
          ),
        ),
      },
      unknownKey('train evaluator'),
    ),
  ],
  (issue) => (issue.received === 'undefined' || issue.expected?.includes('"') ? `evaluator.kind must be "tabular" or "train"` : 'evaluator must be an object'),
);

export const RunConfigSchema = v.strictObject(
  {
    version: v.optional(v.picklist([1, RUN_CONFIG_VERSION], `version must be ${RUN_CONFIG_VERSION} (or 1, the runner's first format)`), RUN_CONFIG_VERSION),
    name: v.optional(v.pipe(v.string('name must be text'), v.trim(), v.minLength(1, 'name must not be empty'), v.maxLength(120, 'name must be at most 120 characters')), 'search'),
    // A name or a space config object; validated below by the space-config schema (parseSpaceConfig).
    space: v.optional(v.unknown(), 'nb201'),
    strategy: v.strictObject(
      {
        name: v.picklist(STRATEGY_NAMES, `strategy.name must be one of: ${STRATEGY_NAMES.join(', ')}`),
        options: v.optional(v.record(v.string(), v.unknown(), 'strategy.options must be an object'), {}),
      },
      unknownKey('strategy'),
    ),
    seed: v.optional(v.pipe(v.number('seed must be a number'), v.integer('seed must be an integer'), v.minValue(0, 'seed must be >= 0'), v.maxValue(0xffffffff, 'seed must be < 2^32')), 0),
    budget: BudgetSchema,
    objective: v.optional(ObjectiveSpecSchema, {}),
    evaluator: EvaluatorSchema,
    timeMetric: v.optional(metricName('timeMetric'), 'train_time_s'),
    pareto: v.optional(v.strictObject({ accuracy: metricName('pareto.accuracy'), cost: metricName('pareto.cost') }, unknownKey('pareto'))),
    // Validated below by finalists-spec.ts (recipe and targets have their own schemas).
    finalists: v.optional(v.unknown()),
  },
  unknownKey('config'),
);

/** The space as a name (the full published space) or a config object; problems as `space.<path>: message`. */
function spaceIssues(value: unknown): { space?: SpaceConfig; issues: string[] } {
  try {
    return { space: parseSpaceConfig(typeof value === 'string' ? { space: value } : value), issues: [] };
  } catch (e) {
    if (!(e instanceof SpaceConfigError)) throw e;
    return { issues: e.issues.map((i) => `space${i.path === '(config)' ? '' : i.path.startsWith('[') ? i.path : `.${i.path}`}: ${i.message}`) };
  }
}

/** The strategy options with defaults filled in, or every problem. */
function strategyIssues(name: StrategyName, options: unknown): { options?: Record<string, unknown>; issues: string[] } {
  try {
    return { options: parseStrategyOptions(name, options) as unknown as Record<string, unknown>, issues: [] };
  } catch (e) {
    if (!(e instanceof StrategyConfigError)) throw e;
    return { issues: e.issues.map((i) => `strategy.options: ${i}`) };
  }
}

/**
 * Validates a config of the current version (or the runner's version 1): the fields, the space (normalised), the
 * strategy options against the strategy's own schema (defaults filled in) and the cross-field rules. Throws a
 * RunConfigError listing every problem.
 */
export function parseRunConfig(input: unknown): RunConfig {
  const res = v.safeParse(RunConfigSchema, input);
  const issues = res.success
    ? []
    : issueLines(res.issues);
  // The space is checked even when other fields are bad, so the user sees every problem at once.
  const rawSpace = res.success ? res.output.space : input && typeof input === 'object' ? ((input as { space?: unknown }).space ?? 'nb201') : undefined;
  const { space, issues: spaceProblems } = rawSpace === undefined ? { space: undefined, issues: [] } : spaceIssues(rawSpace);
  issues.push(...spaceProblems);
  if (!res.success || !space) throw new RunConfigError(issues);
  const raw = res.output;
  if (raw.evaluator.kind === 'tabular' && space.space !== 'nb201') {
    issues.push(`evaluator: the tabular evaluator looks candidates up in a NAS-Bench-201 table, so it needs space "nb201"; this config searches "${space.space}" — use evaluator.kind "train" to train its candidates instead`);
  }
  if (raw.evaluator.kind === 'train' && space.space === 'darts' && raw.evaluator.channels % 2 !== 0) {
    issues.push(`evaluator.channels: the DARTS skeleton needs an even C (FactorizedReduce splits it in halves), got ${raw.evaluator.channels}`);
  }
  if (raw.evaluator.kind === 'train' && raw.evaluator.curveStop?.enabled) {
    // Curve stopping compares predicted validation accuracy with the best objective: only meaningful when that is accuracy.
    const metric = (raw.objective as ObjectiveSpec).metric;
    if (metric !== 'valid_acc') issues.push(`evaluator.curveStop: stopping hopeless candidates compares validation accuracy with the best objective, so it needs objective.metric "valid_acc", got "${metric}"`);
    if (raw.evaluator.epochs < CURVE_STOP_MIN_EPOCHS) {
      issues.push(`evaluator.curveStop: the learning curve is extrapolated from 3 epochs, so it needs evaluator.epochs >= ${CURVE_STOP_MIN_EPOCHS}, got ${raw.evaluator.epochs}`);
    }
  }
  const { options, issues: strategyProblems } = strategyIssues(raw.strategy.name, raw.strategy.options);
  issues.push(...strategyProblems);
  const finalists = raw.finalists === undefined ? undefined : finalistsSpecIssues(raw.finalists);
  if (finalists) issues.push(...finalists.issues);
  if (finalists?.spec?.pareto && !raw.pareto) issues.push('finalists.pareto: the config has no "pareto" axes to take a front from');
  if (issues.length > 0 || !options) throw new RunConfigError(issues);
  const { finalists: _raw, ...rest } = raw;
  return {
    ...rest, version: RUN_CONFIG_VERSION, space, strategy: { name: raw.strategy.name, options }, objective: raw.objective as ObjectiveSpec,
    ...(finalists?.spec ? { finalists: finalists.spec } : {}),
  };
}
