/**
 * createStrategy(name, space, options, seed): the one place a strategy is built from plain JSON options
 * (a config file, the UI, a stored run). Options are validated with valibot; unknown keys are rejected,
 * so a typo ("popSize") fails loudly instead of silently running with defaults.
 */
import * as v from 'valibot';
import type { SearchSpace } from '../space/types';
import type { Strategy } from './types';
import { RandomSearch, RANDOM_DEFAULTS, type RandomOptions } from './random';
import { RegularizedEvolution, EVOLUTION_DEFAULTS, type EvolutionOptions } from './evolution';
import { Reinforce, REINFORCE_DEFAULTS, type ReinforceOptions } from './reinforce';
import { LocalSearch, LOCAL_DEFAULTS, type LocalSearchOptions } from './local-search';

export const STRATEGY_NAMES = ['random', 'evolution', 'reinforce', 'local'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyOptionsByName {
  random: RandomOptions;
  evolution: EvolutionOptions;
  reinforce: ReinforceOptions;
  local: LocalSearchOptions;
}

/** Bad strategy name or options; `issues` lists every problem as "path: message". */
export class StrategyConfigError extends Error {
  override readonly name = 'StrategyConfigError';
  constructor(message: string, readonly issues: readonly string[] = [message]) {
    super(message);
  }
}

const int = (key: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.number(`${key} must be a number`),
    v.integer(`${key} must be an integer`),
    v.minValue(min, `${key} must be >= ${min}`),
    v.maxValue(max, `${key} must be <= ${max}`),
  );
const real = (key: string, min: number, max: number, maxExclusive = false) =>
  v.pipe(
    v.number(`${key} must be a number`),
    v.finite(`${key} must be finite`),
    v.minValue(min, `${key} must be >= ${min}`),
    maxExclusive ? v.ltValue(max, `${key} must be < ${max}`) : v.maxValue(max, `${key} must be <= ${max}`),
  );
const bool = (key: string) => v.boolean(`${key} must be true or false`);
const strict = (name: string) => (issue: v.BaseIssue<unknown>) =>
  issue.expected === 'never' ? `unknown ${name} option` : `${name} options must be an object`;

const RandomSchema = v.strictObject(
  {
    dedupe: v.optional(bool('dedupe'), RANDOM_DEFAULTS.dedupe),
    maxRetries: v.optional(int('maxRetries', 0, 1_000_000), RANDOM_DEFAULTS.maxRetries),
  },
  strict('random'),
);

const EvolutionSchema = v.pipe(
  v.strictObject(
    {
      populationSize: v.optional(int('populationSize', 1, 1_000_000), EVOLUTION_DEFAULTS.populationSize),
      sampleSize: v.optional(int('sampleSize', 1, 1_000_000), EVOLUTION_DEFAULTS.sampleSize),
      crossoverProb: v.optional(real('crossoverProb', 0, 1), EVOLUTION_DEFAULTS.crossoverProb),
    },
    strict('evolution'),
  ),
  v.forward(
    v.check((o) => o.sampleSize <= o.populationSize, (issue) => {
      const o = issue.input as EvolutionOptions;
      return `sampleSize (${o.sampleSize}) must be <= populationSize (${o.populationSize})`;
    }),
    ['sampleSize'],
  ),
);

const ReinforceSchema = v.strictObject(
  {
    learningRate: v.optional(
      v.pipe(v.number('learningRate must be a number'), v.finite('learningRate must be finite'), v.gtValue(0, 'learningRate must be > 0')),
      REINFORCE_DEFAULTS.learningRate,
    ),
    baselineMomentum: v.optional(real('baselineMomentum', 0, 1, true), REINFORCE_DEFAULTS.baselineMomentum),
    entropyWeight: v.optional(real('entropyWeight', 0, 1e6), REINFORCE_DEFAULTS.entropyWeight),
  },
  strict('reinforce'),
);

const LocalSchema = v.strictObject(
  {
    neighbourSample: v.optional(int('neighbourSample', 0), LOCAL_DEFAULTS.neighbourSample),
    firstImprovement: v.optional(bool('firstImprovement'), LOCAL_DEFAULTS.firstImprovement),
    maxRetries: v.optional(int('maxRetries', 0, 1_000_000), LOCAL_DEFAULTS.maxRetries),
  },
  strict('local'),
);

const SCHEMAS = {
  random: RandomSchema,
  evolution: EvolutionSchema,
  reinforce: ReinforceSchema,
  local: LocalSchema,
} as const;

function formatIssues(name: string, issues: readonly v.BaseIssue<unknown>[]): string[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue);
    return `${name}${path ? `.${path}` : ''}: ${issue.message}`;
  });
}

export function isStrategyName(name: unknown): name is StrategyName {
  return typeof name === 'string' && (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** Validates and fills defaults; throws StrategyConfigError naming every problem. */
export function parseStrategyOptions<N extends StrategyName>(name: N, options: unknown): StrategyOptionsByName[N];
export function parseStrategyOptions(name: string, options: unknown): StrategyOptionsByName[StrategyName];
export function parseStrategyOptions(name: string, options: unknown): StrategyOptionsByName[StrategyName] {
  if (!isStrategyName(name)) {
    throw new StrategyConfigError(`unknown strategy "${name}" (expected one of: ${STRATEGY_NAMES.join(', ')})`);
  }
  const res = v.safeParse(SCHEMAS[name], options ?? {});
  if (!res.success) {
    const issues = formatIssues(name, res.issues);
    throw new StrategyConfigError(issues.join('; '), issues);
  }
  return res.output;
}

export function createStrategy<G>(name: string, space: SearchSpace<G>, options: unknown, seed: number): Strategy<G> {
  if (!Number.isFinite(seed)) throw new StrategyConfigError(`seed must be a finite number, got ${seed}`);
  const o = parseStrategyOptions(name, options);
  switch (name as StrategyName) {
    case 'random':
      return new RandomSearch(space, o as RandomOptions, seed);
    case 'evolution':
      return new RegularizedEvolution(space, o as EvolutionOptions, seed);
    case 'reinforce':
      return new Reinforce(space, o as ReinforceOptions, seed);
    case 'local':
      return new LocalSearch(space, o as LocalSearchOptions, seed);
  }
}
