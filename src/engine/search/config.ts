/**
 * A search config as plain JSON (the CLI's --config file; the UI can store the same object): space,
 * strategy + options, seed, budget, objective, evaluator. Validated with valibot; every problem is
 * reported with its path. The evaluator is a tagged union on `kind`: 'tabular' (a NB201-style CSV) is
 * implemented; 'train' (train each candidate on a dataset) is the extension point for the training
 * evaluator, accepted here with free-form options.
 */
import * as v from 'valibot';
import { ObjectiveSpecSchema, type ObjectiveSpec } from '../strategy/objective';
import { parseStrategyOptions, STRATEGY_NAMES, StrategyConfigError, type StrategyName } from '../strategy/registry';
import type { ParetoSpec, SearchBudget } from './loop';
import { parseSpaceConfig, SpaceConfigError, type SpaceConfig } from '../../shared/space-config';
import type { TrainSettings } from '../evaluator/train-setup';

export const SEARCH_CONFIG_VERSION = 1;

export interface TabularEvaluatorConfig {
  readonly kind: 'tabular';
  /** Path of the CSV (the CLI resolves it against the repository root). */
  readonly table: string;
}

/** Train every candidate on a dataset (the built-in MNIST subset), as the app does (the seed is the search's). */
export interface TrainEvaluatorConfig extends Omit<TrainSettings, 'seed'> {
  readonly kind: 'train';
  readonly dataset: 'builtin:mnist-10k';
  readonly backend: 'wasm' | 'cpu';
  /** Measure inference latency of each candidate on the backend. */
  readonly latency: boolean;
}

export type EvaluatorConfig = TabularEvaluatorConfig | TrainEvaluatorConfig;

export interface SearchConfig {
  readonly version: number;
  /** The normalised space config; the file may give a name ("nb201", "darts", "mobile") or a config object. */
  readonly space: SpaceConfig;
  readonly strategy: { readonly name: StrategyName; readonly options: Readonly<Record<string, unknown>> };
  readonly seed: number;
  readonly budget: SearchBudget;
  readonly objective: ObjectiveSpec;
  readonly evaluator: EvaluatorConfig;
  readonly timeMetric: string;
  readonly pareto?: ParetoSpec;
}

export class SearchConfigError extends Error {
  override readonly name = 'SearchConfigError';
  constructor(message: string, readonly issues: readonly string[] = [message]) {
    super(message);
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
        dataset: v.optional(v.picklist(['builtin:mnist-10k'], 'evaluator.dataset must be "builtin:mnist-10k"'), 'builtin:mnist-10k'),
        backend: v.optional(v.picklist(['wasm', 'cpu'], 'evaluator.backend must be "wasm" or "cpu"'), 'wasm'),
        channels: v.optional(posInt('evaluator.channels', 256), 8),
        cellsPerStage: v.optional(posInt('evaluator.cellsPerStage', 20), 1),
        epochs: v.optional(posInt('evaluator.epochs', 500), 1),
        batchSize: v.optional(posInt('evaluator.batchSize', 4096), 32),
        learningRate: v.optional(v.pipe(v.number('evaluator.learningRate must be a number'), v.gtValue(0, 'evaluator.learningRate must be > 0'), v.maxValue(10, 'evaluator.learningRate must be <= 10')), 0.1),
        trainSamples: v.optional(posInt('evaluator.trainSamples', 10_000_000), 1024),
        validSamples: v.optional(posInt('evaluator.validSamples', 10_000_000), 512),
        latency: v.optional(v.boolean('evaluator.latency must be true or false'), true),
      },
      unknownKey('train evaluator'),
    ),
  ],
  (issue) => (issue.received === 'undefined' || issue.expected?.includes('"') ? `evaluator.kind must be "tabular" or "train"` : 'evaluator must be an object'),
);

export const SearchConfigSchema = v.strictObject(
  {
    version: v.optional(v.literal(SEARCH_CONFIG_VERSION, `version must be ${SEARCH_CONFIG_VERSION}`), SEARCH_CONFIG_VERSION),
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
  },
  unknownKey('config'),
);

/** Validates a config (also the strategy options against the strategy's own schema). */
export function parseSearchConfig(input: unknown): SearchConfig {
  const res = v.safeParse(SearchConfigSchema, input);
  if (!res.success) {
    const issues = res.issues.map((i) => {
      const path = v.getDotPath(i);
      return path ? `${path}: ${i.message}` : i.message;
    });
    throw new SearchConfigError(`invalid search config: ${issues.join('; ')}`, issues);
  }
  const raw = res.output;
  let space: SpaceConfig;
  try {
    space = parseSpaceConfig(typeof raw.space === 'string' ? { space: raw.space } : raw.space);
  } catch (e) {
    if (!(e instanceof SpaceConfigError)) throw e;
    const issues = e.issues.map((i) => `space${i.path === '(config)' ? '' : `.${i.path}`}: ${i.message}`);
    throw new SearchConfigError(`invalid search config: ${issues.join('; ')}`, issues);
  }
  if (raw.evaluator.kind === 'tabular' && space.space !== 'nb201') {
    const msg = `evaluator: the tabular evaluator looks candidates up in a NAS-Bench-201 table, so it needs space "nb201"; this config searches "${space.space}" — use evaluator.kind "train" to train its candidates instead`;
    throw new SearchConfigError(`invalid search config: ${msg}`, [msg]);
  }
  if (raw.evaluator.kind === 'train' && space.space === 'darts' && raw.evaluator.channels % 2 !== 0) {
    const msg = `evaluator.channels: the DARTS skeleton needs an even C (FactorizedReduce splits it in halves), got ${raw.evaluator.channels}`;
    throw new SearchConfigError(`invalid search config: ${msg}`, [msg]);
  }
  const cfg = { ...raw, space } as SearchConfig;
  try {
    parseStrategyOptions(cfg.strategy.name, cfg.strategy.options);
  } catch (e) {
    if (e instanceof StrategyConfigError) throw new SearchConfigError(`invalid search config: strategy.options: ${e.message}`, e.issues);
    throw e;
  }
  return cfg;
}
