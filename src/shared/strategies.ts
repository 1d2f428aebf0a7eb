/**
 * The black-box search strategies and their zero-cost warm start, by name: one list the engine's registry
 * builds from, the run record types and the app's forms and labels all read. Plain data (shared layer).
 * Strategies: random search; regularized evolution (Real et al., AAAI 2019); REINFORCE (Williams 1992, as in
 * Zoph & Le, ICLR 2017); local search (White et al., UAI 2021). Warm start: Abdelfattah et al., ICLR 2021.
 */
export const STRATEGY_NAMES = ['random', 'evolution', 'reinforce', 'local'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function isStrategyName(name: unknown): name is StrategyName {
  return typeof name === 'string' && (STRATEGY_NAMES as readonly string[]).includes(name);
}

export interface StrategyLabel {
  /** Title, e.g. in the lab's legend: "Regularized evolution". */
  readonly title: string;
  /** In a sentence or a run name: "DARTS evolution on MNIST". */
  readonly inline: string;
  /** What it does, in one line. */
  readonly blurb: string;
}

export const STRATEGY_LABELS: Readonly<Record<StrategyName, StrategyLabel>> = {
  random: { title: 'Random search', inline: 'random search', blurb: 'samples cells uniformly, never repeating one: the baseline every method must beat' },
  evolution: { title: 'Regularized evolution', inline: 'evolution', blurb: 'mutates the best of a random sample of a population, retiring the oldest (REA)' },
  reinforce: { title: 'REINFORCE', inline: 'REINFORCE', blurb: 'a policy over each edge\'s op, pushed towards ops of high-reward cells' },
  local: { title: 'Local search', inline: 'local search', blurb: 'climbs to the best neighbour (one edge changed), restarting at local optima' },
};

/** Zero-cost proxies a warm start can rank its pool by (higher is better). */
export const ZERO_COST_PROXIES = ['synflow', 'naswot', 'jacob_cov', 'grad_norm'] as const;
export type ZeroCostProxy = (typeof ZERO_COST_PROXIES)[number];

export interface ZeroCostProxyInfo {
  readonly label: string;
  /** The proxy reads ReLU activations through a tap only the NB201 network builder has. */
  readonly nb201Only: boolean;
}

export const ZERO_COST_PROXY_INFO: Readonly<Record<ZeroCostProxy, ZeroCostProxyInfo>> = {
  synflow: { label: 'SynFlow (Tanaka et al. 2020)', nb201Only: false },
  naswot: { label: 'NASWOT (Mellor et al. 2021)', nb201Only: true },
  jacob_cov: { label: 'jacob_cov', nb201Only: false },
  grad_norm: { label: 'grad-norm', nb201Only: false },
};

/** Warm-start pool size when `pool` is not given. */
export const PRERANK_DEFAULT_POOL = 100;
/** Top-K handed out first when `keep` is not given (evolution: its populationSize). */
export const PRERANK_DEFAULT_KEEP = 10;
