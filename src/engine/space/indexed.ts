/**
 * Generic operations on a space's flat choice vector (one option index per ChoiceSpec).
 * Every space in this folder is a bijection between genotypes and index vectors, so sampling,
 * mutation, crossover and neighbours are written once here and shared.
 */
import type { Rng } from '../util/rng';
import type { ChoiceSpec } from './types';

/** Number of index vectors = product of option counts. */
export function choicesSize(choices: readonly ChoiceSpec[]): bigint {
  return choices.reduce((acc, c) => acc * BigInt(c.options.length), 1n);
}

/** Throws a specific error if `indices` is not a valid vector for `choices`. */
export function checkIndices(spaceName: string, choices: readonly ChoiceSpec[], indices: readonly number[]): void {
  if (indices.length !== choices.length) {
    throw new Error(`${spaceName}: expected ${choices.length} choice indices, got ${indices.length}`);
  }
  indices.forEach((v, k) => {
    const n = choices[k].options.length;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new Error(`${spaceName}: index ${k} (${choices[k].name}) must be an integer in 0..${n - 1}, got ${v}`);
    }
  });
}

export function sampleIndices(choices: readonly ChoiceSpec[], rng: Rng): number[] {
  return choices.map((c) => rng.int(c.options.length));
}

/** Changes exactly one choice (picked uniformly among choices that have an alternative) to a different option. */
export function mutateIndices(spaceName: string, choices: readonly ChoiceSpec[], indices: readonly number[], rng: Rng): number[] {
  const mutable: number[] = [];
  choices.forEach((c, k) => { if (c.options.length > 1) mutable.push(k); });
  if (mutable.length === 0) throw new Error(`${spaceName}: the space holds a single genotype, so nothing can be mutated`);
  const k = rng.choice(mutable);
  const n = choices[k].options.length;
  const out = indices.slice();
  out[k] = (indices[k] + 1 + rng.int(n - 1)) % n;
  return out;
}

/**
 * Uniform crossover over groups of choices: each group (e.g. one NB201 edge, one DARTS node, one mobile stage)
 * is copied whole from one parent, so coupled decisions stay together. `groups[k]` is choice k's group id.
 */
export function crossoverIndices(a: readonly number[], b: readonly number[], groups: readonly number[], rng: Rng): number[] {
  const fromA = new Map<number, boolean>();
  return a.map((v, k) => {
    const g = groups[k];
    let pick = fromA.get(g);
    if (pick === undefined) { pick = rng.next() < 0.5; fromA.set(g, pick); }
    return pick ? v : b[k];
  });
}

/** All vectors that differ from `indices` in exactly one position: sum over choices of (options - 1). */
export function neighbourIndices(choices: readonly ChoiceSpec[], indices: readonly number[]): number[][] {
  const out: number[][] = [];
  choices.forEach((c, k) => {
    for (let o = 0; o < c.options.length; o++) {
      if (o === indices[k]) continue;
      const v = indices.slice();
      v[k] = o;
      out.push(v);
    }
  });
  return out;
}
