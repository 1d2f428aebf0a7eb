/**
 * createStrategy(name, space, options, seed): the one place a strategy is built from plain JSON options
 * (a config file, the UI, a stored run). Options are validated by the shared layer's schemas
 * (src/shared/strategy-options.ts); unknown keys are rejected, so a typo ("popSize") fails loudly.
 */
import type { SearchSpace } from '../space/types';
import type { Strategy } from './types';
import { RandomSearch } from './random';
import { RegularizedEvolution } from './evolution';
import { Reinforce } from './reinforce';
import { LocalSearch } from './local-search';
import type { ProxyScorer } from './prerank';
import { isStrategyName, PRERANK_DEFAULT_KEEP, PRERANK_DEFAULT_POOL, STRATEGY_NAMES, type StrategyName } from '../../shared/strategies';
import {
  parseStrategyOptions, prerankOf, StrategyConfigError,
  type EvolutionOptions, type LocalSearchOptions, type RandomOptions, type ReinforceOptions, type StrategyOptionsByName,
} from '../../shared/strategy-options';

// The names and the option schemas live in the shared layer (the app's forms, the run config and the run
// records read the same lists).
export { isStrategyName, PRERANK_DEFAULT_KEEP, PRERANK_DEFAULT_POOL, STRATEGY_NAMES, type StrategyName };
export { parseStrategyOptions, prerankOf, StrategyConfigError, type StrategyOptionsByName };

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
