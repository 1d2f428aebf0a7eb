/**
 * Regularized (aging) evolution: Real, Aggarwal, Huang & Le, "Regularized Evolution for Image
 * Classifier Architecture Search", AAAI 2019, Algorithm 1.
 *
 *   population <- empty queue; history <- empty
 *   while |population| < P: model <- random; evaluate; add to population and history
 *   while |history| < C:
 *     sample <- S individuals drawn at random from population
 *     parent <- highest-accuracy model in sample
 *     child <- mutate(parent); evaluate; add child to the right of population and to history
 *     remove the oldest (leftmost) model from population
 *
 * The budget C belongs to the search loop. Here the first P *proposals* are random; after that a
 * proposal is a tournament child (falling back to random while the population is still empty, which
 * only happens when more than P candidates are asked before any is told). The tournament draws S
 * distinct members (as NNI and naszilla do); ties go to the younger member. With probability
 * `crossoverProb` the child is the uniform crossover of the winners of two tournaments, mutated once
 * more when it equals either parent. Infeasible members (objective -Infinity) stay in the population
 * and age out like any other, but never win a tournament against a feasible one.
 *
 * Warm start (`prerank`, Abdelfattah et al., ICLR 2021): the initial population is the top-`keep` of a
 * pool scored by a zero-cost proxy instead of random samples (the rest of it, if keep < P, is random).
 *
 * Lineage: a child names its parent's candidate id (both, for a crossover child) in `Candidate.parents`.
 */
import type { SearchSpace } from '../space/types';
import type { Candidate, EvalResult, StrategyState } from './types';
import { BaseStrategy, decodeObjective, isScoredRecords, stateField, type ScoredRecord } from './base';
import type { ProxyScorer } from './prerank';
import { EVOLUTION_DEFAULTS, type EvolutionOptions } from '../../shared/strategy-options';

// The options and their defaults are plain data in the shared layer (the run config validates them).
export { EVOLUTION_DEFAULTS, type EvolutionOptions };

interface Member<G> {
  readonly record: ScoredRecord;
  readonly genotype: G;
  readonly objective: number;
}

export class RegularizedEvolution<G> extends BaseStrategy<G, EvolutionOptions> {
  readonly name = 'evolution';
  /** Oldest first. */
  private population: Member<G>[] = [];

  constructor(space: SearchSpace<G>, options: Partial<EvolutionOptions>, seed: number, scorer?: ProxyScorer<G>) {
    const o = { ...EVOLUTION_DEFAULTS, ...options };
    if (!(Number.isInteger(o.populationSize) && o.populationSize >= 1)) throw new Error(`evolution: populationSize must be an integer >= 1, got ${o.populationSize}`);
    if (!(Number.isInteger(o.sampleSize) && o.sampleSize >= 1 && o.sampleSize <= o.populationSize)) {
      throw new Error(`evolution: sampleSize must be an integer in 1..populationSize (${o.populationSize}), got ${o.sampleSize}`);
    }
    if (!(o.crossoverProb >= 0 && o.crossoverProb <= 1)) throw new Error(`evolution: crossoverProb must be in [0, 1], got ${o.crossoverProb}`);
    if (o.prerank && o.prerank.keep > o.populationSize) {
      throw new Error(`evolution: prerank.keep (${o.prerank.keep}) must be <= populationSize (${o.populationSize}): the warm start fills the initial population`);
    }
    super(space, o, seed, scorer);
  }

  /** Current population, oldest first (for display). */
  members(): readonly { arch: string; hash: string; objective: number }[] {
    return this.population.map((m) => ({ arch: m.record.arch, hash: m.record.hash, objective: m.objective }));
  }

  private tournament(): Member<G> {
    const pop = this.population;
    const k = Math.min(this.options.sampleSize, pop.length);
    // Partial Fisher-Yates over indices: k distinct members.
    const idx = pop.map((_, i) => i);
    let best: Member<G> | null = null;
    let bestIdx = -1;
    for (let i = 0; i < k; i++) {
      const j = i + this.rng.int(idx.length - i);
      [idx[i], idx[j]] = [idx[j], idx[i]];
      const m = pop[idx[i]];
      if (best === null || m.objective > best.objective || (m.objective === best.objective && idx[i] > bestIdx)) {
        best = m;
        bestIdx = idx[i];
      }
    }
    return best as Member<G>;
  }

  protected propose(): G | null {
    if (this.nextId < this.options.populationSize || this.population.length === 0) return this.takeWarm() ?? this.space.sample(this.rng);
    const parent = this.tournament();
    if (this.options.crossoverProb > 0 && this.rng.next() < this.options.crossoverProb) {
      const other = this.tournament();
      const child = this.space.crossover(parent.genotype, other.genotype, this.rng);
      const h = this.space.hash(child);
      this.proposeWithParents(parent.record.id === other.record.id ? [parent.record.id] : [parent.record.id, other.record.id]);
      return h === parent.record.hash || h === other.record.hash ? this.space.mutate(child, this.rng) : child;
    }
    this.proposeWithParents([parent.record.id]);
    return this.space.mutate(parent.genotype, this.rng);
  }

  protected learn(c: Candidate<G>, r: EvalResult): void {
    this.population.push({ record: this.record(c, r.objective), genotype: c.genotype, objective: r.objective });
    while (this.population.length > this.options.populationSize) this.population.shift();
  }

  protected saveState(): Record<string, unknown> {
    return { population: this.population.map((m) => m.record) };
  }

  protected loadState(state: StrategyState): void {
    const recs = stateField(state, 'population', isScoredRecords, 'an array of {id, arch, hash, objective}');
    this.population = recs.map((record, i) => ({
      record,
      genotype: this.space.decode(record.arch),
      objective: decodeObjective(record.objective, `evolution state population[${i}]`),
    }));
  }
}
