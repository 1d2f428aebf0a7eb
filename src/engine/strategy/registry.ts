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
import { ZERO_COST_PROXIES, type PrerankOptions, type ProxyScorer } from './prerank';
import { isStrategyName, PRERANK_DEFAULT_KEEP, PRERANK_DEFAULT_POOL, STRATEGY_NAMES, type StrategyName } from '../../shared/strategies';

// The names live in the shared layer (the app's forms and the run records read the same list).
export { isStrategyName, PRERANK_DEFAULT_KEEP, PRERANK_DEFAULT_POOL, STRATEGY_NAMES, type StrategyName };

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


/** prerank: {proxy, pool?, keep?}; keep is defaulted per strategy after parsing. */
const PrerankSchema = v.pipe(
  v.strictObject(
    {
      proxy: v.picklist(ZERO_COST_PROXIES, `prerank.proxy must be one of: ${ZERO_COST_PROXIES.join(', ')}`),
      pool: v.optional(int('prerank.pool', 1, 100_000), PRERANK_DEFAULT_POOL),
      keep: v.optional(int('prerank.keep', 1, 100_000)),
    },
    (issue) => (issue.expected === 'never' ? 'unknown prerank option (expected proxy, pool, keep)' : 'prerank must be an object {proxy, pool, keep}'),
  ),
  v.check((o) => o.keep === undefined || o.keep <= o.pool, (issue) => {
    const o = issue.input as { pool: number; keep: number };
    return `prerank.keep (${o.keep}) must be <= prerank.pool (${o.pool})`;
  }),
);
const prerank = v.optional(PrerankSchema);

function withKeep(p: { proxy: PrerankOptions['proxy']; pool: number; keep?: number } | undefined, defaultKeep: number): PrerankOptions | undefined {
  return p ? { proxy: p.proxy, pool: p.pool, keep: p.keep ?? Math.min(defaultKeep, p.pool) } : undefined;
}

const RandomSchema = v.strictObject(
  {
    dedupe: v.optional(bool('dedupe'), RANDOM_DEFAULTS.dedupe),
    maxRetries: v.optional(int('maxRetries', 0, 1_000_000), RANDOM_DEFAULTS.maxRetries),
    prerank,
  },
  strict('random'),
);

const EvolutionSchema = v.pipe(
  v.strictObject(
    {
      populationSize: v.optional(int('populationSize', 1, 1_000_000), EVOLUTION_DEFAULTS.populationSize),
      sampleSize: v.optional(int('sampleSize', 1, 1_000_000), EVOLUTION_DEFAULTS.sampleSize),
      crossoverProb: v.optional(real('crossoverProb', 0, 1), EVOLUTION_DEFAULTS.crossoverProb),
      prerank,
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
  v.check((o) => o.prerank?.keep === undefined || o.prerank.keep <= o.populationSize, (issue) => {
    const o = issue.input as EvolutionOptions;
    return `prerank.keep (${o.prerank?.keep}) must be <= populationSize (${o.populationSize}): the warm start fills the initial population`;
  }),
);

const ReinforceSchema = v.strictObject(
  {
    learningRate: v.optional(
      v.pipe(v.number('learningRate must be a number'), v.finite('learningRate must be finite'), v.gtValue(0, 'learningRate must be > 0')),
      REINFORCE_DEFAULTS.learningRate,
    ),
    baselineMomentum: v.optional(real('baselineMomentum', 0, 1, true), REINFORCE_DEFAULTS.baselineMomentum),
    entropyWeight: v.optional(real('entropyWeight', 0, 1e6), REINFORCE_DEFAULTS.entropyWeight),
    prerank,
  },
  strict('reinforce'),
);

const LocalSchema = v.strictObject(
  {
    neighbourSample: v.optional(int('neighbourSample', 0), LOCAL_DEFAULTS.neighbourSample),
    firstImprovement: v.optional(bool('firstImprovement'), LOCAL_DEFAULTS.firstImprovement),
    maxRetries: v.optional(int('maxRetries', 0, 1_000_000), LOCAL_DEFAULTS.maxRetries),
    prerank,
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
  const out = res.output as StrategyOptionsByName[StrategyName] & { prerank?: { proxy: PrerankOptions['proxy']; pool: number; keep?: number } };
  if (out.prerank === undefined) {
    const { prerank: _drop, ...rest } = out;
    return rest;
  }
  const defaultKeep = name === 'evolution' ? (out as EvolutionOptions).populationSize : PRERANK_DEFAULT_KEEP;
  return { ...out, prerank: withKeep(out.prerank, defaultKeep) };
}

/** The proxy a strategy's options ask to pre-rank with, or null (the caller then needs no scorer). */
export function prerankOf(options: StrategyOptionsByName[StrategyName]): PrerankOptions | null {
  return (options as { prerank?: PrerankOptions }).prerank ?? null;
}

/**
 * Builds a strategy. `scorer` is the zero-cost proxy for a warm start (options.prerank): the caller
 * builds networks (tfjs), the strategy only ranks by the numbers it returns.
 */
export function createStrategy<G>(name: string, space: SearchSpace<G>, options: unknown, seed: number, scorer?: ProxyScorer<G>): Strategy<G> {
  if (!Number.isFinite(seed)) throw new StrategyConfigError(`seed must be a finite number, got ${seed}`);
  const o = parseStrategyOptions(name, options);
  const pr = prerankOf(o);
  if (pr && !scorer) throw new StrategyConfigError(`${name}.prerank: a warm start with proxy "${pr.proxy}" needs a zero-cost scorer; this caller did not provide one`);
  switch (name as StrategyName) {
    case 'random':
      return new RandomSearch(space, o as RandomOptions, seed, scorer);
    case 'evolution':
      return new RegularizedEvolution(space, o as EvolutionOptions, seed, scorer);
    case 'reinforce':
      return new Reinforce(space, o as ReinforceOptions, seed, scorer);
    case 'local':
      return new LocalSearch(space, o as LocalSearchOptions, seed, scorer);
  }
}
