/**
 * The options of each black-box strategy as plain data: their types, defaults and valibot schemas, and
 * parseStrategyOptions (validate + fill defaults). The engine's registry builds strategies from what this
 * returns; the run config (./run-config.ts) validates `strategy.options` with it, so the tab checks a form
 * without the engine. Unknown keys are rejected, so a typo ("popSize") fails loudly.
 */
import * as v from 'valibot';
import { isStrategyName, PRERANK_DEFAULT_KEEP, PRERANK_DEFAULT_POOL, STRATEGY_NAMES, ZERO_COST_PROXIES, type StrategyName, type ZeroCostProxy } from './strategies';

/** A zero-cost warm start (Abdelfattah et al., ICLR 2021; the engine's strategy/prerank.ts runs it). */
export interface PrerankOptions {
  /** Proxy the pool is ranked by (higher is better). */
  readonly proxy: ZeroCostProxy;
  /** M: architectures sampled and scored. */
  readonly pool: number;
  /** How many of the best are proposed first (evolution: the initial population, <= populationSize). */
  readonly keep: number;
}

export interface RandomOptions {
  /** Skip genotypes whose hash was already proposed (default true). */
  readonly dedupe: boolean;
  /** Redraws per proposal before falling back to enumeration (default 100). */
  readonly maxRetries: number;
  /** Zero-cost warm start (engine/strategy/prerank.ts): the top `keep` of a scored pool are proposed first. */
  readonly prerank?: PrerankOptions;
}

export const RANDOM_DEFAULTS: RandomOptions = { dedupe: true, maxRetries: 100 };

export interface EvolutionOptions {
  /** P: population size (default 10, as NAS-Bench-201's REA baseline). */
  readonly populationSize: number;
  /** S: tournament sample size, 1..P (default 3). */
  readonly sampleSize: number;
  /** Probability of a crossover child instead of a mutant (default 0: the paper's algorithm). */
  readonly crossoverProb: number;
  /** Zero-cost warm start (engine/strategy/prerank.ts): the initial population is the top `keep` (<= P) of a scored pool. */
  readonly prerank?: PrerankOptions;
}

export const EVOLUTION_DEFAULTS: EvolutionOptions = { populationSize: 10, sampleSize: 3, crossoverProb: 0 };

export interface ReinforceOptions {
  /** Step size of the logit updates (default 0.05, for rewards in accuracy percent). */
  readonly learningRate: number;
  /** EMA momentum of the reward baseline (default 0.9). */
  readonly baselineMomentum: number;
  /** Entropy bonus coefficient beta (default 0). */
  readonly entropyWeight: number;
  /** Zero-cost warm start (engine/strategy/prerank.ts): the top `keep` of a scored pool are proposed first. */
  readonly prerank?: PrerankOptions;
}

export const REINFORCE_DEFAULTS: ReinforceOptions = { learningRate: 0.05, baselineMomentum: 0.9, entropyWeight: 0 };

export interface LocalSearchOptions {
  /** Evaluate at most this many neighbours per step, in random order (default 0: all). */
  readonly neighbourSample: number;
  /** Move to the first improving neighbour instead of the best one (default false). */
  readonly firstImprovement: boolean;
  /** Redraws per restart before falling back to enumeration (default 100). */
  readonly maxRetries: number;
  /** Zero-cost warm start (engine/strategy/prerank.ts): the first `keep` starting points are the top of a scored pool. */
  readonly prerank?: PrerankOptions;
}

export const LOCAL_DEFAULTS: LocalSearchOptions = { neighbourSample: 0, firstImprovement: false, maxRetries: 100 };

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
