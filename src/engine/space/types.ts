import type { Rng } from '../util/rng';

/** One discrete decision of a search space, e.g. "op on edge 0->1" or "width of stage 3". */
export interface ChoiceSpec {
  readonly name: string;
  readonly options: readonly string[];
}

/**
 * A search space over genotypes G (plain JSON data).
 * Every space also exposes a flat vector of categorical choices (`choices`, `toIndices`, `fromIndices`),
 * so generic strategies (random, evolution, REINFORCE's factorised policy) work on any space.
 */
export interface SearchSpace<G> {
  readonly id: string;
  readonly name: string;
  readonly choices: readonly ChoiceSpec[];
  sample(rng: Rng): G;
  /** Exactly one choice changed (to a different valid value). */
  mutate(g: G, rng: Rng): G;
  crossover(a: G, b: G, rng: Rng): G;
  /** All genotypes one mutation away. */
  neighbours(g: G): G[];
  /** Canonical text form; decode(encode(g)) deep-equals g. */
  encode(g: G): string;
  /** Parses the text form; throws an Error with a specific message on bad input. */
  decode(text: string): G;
  /** Stable hash of the computation: isomorphic genotypes share it where the space defines isomorphism. */
  hash(g: G): string;
  /** Number of distinct genotypes (as encoded). */
  size(): bigint;
  /** All genotypes, where the space is small enough to list. */
  enumerate?(): Iterable<G>;
  toIndices(g: G): number[];
  fromIndices(indices: readonly number[]): G;
  /** Throws an Error naming the first problem if `value` is not a valid genotype of this space. */
  validate(value: unknown): G;
}
