/**
 * Random search: uniform samples from the space. The baseline every NAS strategy must beat
 * (Li & Talwalkar, "Random Search and Reproducibility for Neural Architecture Search", UAI 2019;
 * Yu et al., "Evaluating the Search Phase of Neural Architecture Search", ICLR 2020).
 *
 * With `dedupe`, a genotype whose canonical hash was already proposed is redrawn, up to `maxRetries`
 * times; after that a space small enough to list is searched for an unseen genotype, and when none is
 * left the strategy is done (ask() returns null). With `prerank`, the top-K of a zero-cost-scored pool
 * come first, in score order (Abdelfattah et al., ICLR 2021).
 */
import type { SearchSpace } from '../space/types';
import type { Candidate, EvalResult, StrategyState } from './types';
import { BaseStrategy, isStringArray, sampleUnseen, stateField } from './base';
import type { ProxyScorer } from './prerank';
import { RANDOM_DEFAULTS, type RandomOptions } from '../../shared/strategy-options';

// The options and their defaults are plain data in the shared layer (the run config validates them).
export { RANDOM_DEFAULTS, type RandomOptions };

export class RandomSearch<G> extends BaseStrategy<G, RandomOptions> {
  readonly name = 'random';
  private seen = new Set<string>();

  constructor(space: SearchSpace<G>, options: Partial<RandomOptions>, seed: number, scorer?: ProxyScorer<G>) {
    super(space, { ...RANDOM_DEFAULTS, ...options }, seed, scorer);
  }

  protected propose(): G | null {
    const w = this.takeWarm(this.options.dedupe ? this.seen : undefined);
    if (w !== null) {
      if (this.options.dedupe) this.seen.add(this.space.hash(w));
      return w;
    }
    if (!this.options.dedupe) return this.space.sample(this.rng);
    const g = sampleUnseen(this.space, this.rng, this.seen, this.options.maxRetries);
    if (g !== null) this.seen.add(this.space.hash(g));
    return g;
  }

  protected learn(_c: Candidate<G>, _r: EvalResult): void {
    // Random search does not learn.
  }

  protected saveState(): Record<string, unknown> {
    return { seen: [...this.seen] };
  }

  protected loadState(state: StrategyState): void {
    this.seen = new Set(stateField(state, 'seen', isStringArray, 'an array of hashes'));
  }
}
