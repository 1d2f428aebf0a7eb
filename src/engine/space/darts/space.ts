/**
 * DARTS cell space (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019):
 * a normal and a reduction cell, each with 4 intermediate nodes that sum two ops applied to two distinct
 * earlier states (the 2 cell inputs or earlier nodes); all intermediate nodes are concatenated.
 * Choice vector, per cell and node: the ordered input pair (one choice, so every index vector is valid)
 * and the two ops. Sampled genotypes never contain 'none', as DARTS' derivation never keeps it.
 * encode = the DARTS text form; hash = isomorphism-aware (canonical.ts).
 */
import type { Rng } from '../../util/rng';
import { parseDartsConfig, type DartsSpaceConfig, type DartsSpaceConfigInput } from '../../../shared/space-config';
import { dartsCanonical, dartsHash } from './canonical';
import { checkDartsGenotype, DARTS_CONCAT, DARTS_STEPS, type DartsCellName, type DartsEdge, type DartsGenotype } from './genotype';
import { dartsFromString, dartsToString } from './text';
import { checkIndices, choicesSize, crossoverIndices, mutateIndices, neighbourIndices, sampleIndices } from '../indexed';
import type { ChoiceSpec, SearchSpace } from '../types';
import type { DartsGenotypeOp, DartsOp } from '../../../shared/space-vocab';

export * from './genotype';
export { dartsFromString, dartsToString } from './text';
export { dartsCanonical, dartsCellCanonical, dartsHash } from './canonical';

const CELLS: readonly DartsCellName[] = ['normal', 'reduce'];

/** Ordered pairs (a, b), a != b, of states available to intermediate node k (states 0..k+1), lexicographic. */
export function dartsInputPairs(k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < k + 2; a++) for (let b = 0; b < k + 2; b++) if (a !== b) out.push([a, b]);
  return out;
}
const PAIRS = Array.from({ length: DARTS_STEPS }, (_, k) => dartsInputPairs(k));

export interface DartsSpace extends SearchSpace<DartsGenotype> {
  readonly id: 'darts';
  readonly config: DartsSpaceConfig;
  /** Candidate ops of the supernet's MixedOp (may include 'none'). */
  readonly candidateOps: readonly DartsOp[];
  /** Ops a genotype may contain here (candidateOps without 'none'). */
  readonly ops: readonly DartsGenotypeOp[];
  canonical(g: DartsGenotype): string;
}

/** A DARTS space, optionally restricted to a subset of ops (config validated; throws SpaceConfigError). */
export function createDartsSpace(input: DartsSpaceConfigInput = {}): DartsSpace {
  const config = parseDartsConfig(input);
  const ops = config.ops.filter((o): o is DartsGenotypeOp => o !== 'none');
  const choices: ChoiceSpec[] = [];
  const groups: number[] = [];
  CELLS.forEach((cell, c) => {
    for (let k = 0; k < DARTS_STEPS; k++) {
      const node = k + 2;
      choices.push({ name: `${cell} node ${node} inputs`, options: PAIRS[k].map(([a, b]) => `${a},${b}`) });
      choices.push({ name: `${cell} node ${node} op 1`, options: ops });
      choices.push({ name: `${cell} node ${node} op 2`, options: ops });
      groups.push(c * DARTS_STEPS + k, c * DARTS_STEPS + k, c * DARTS_STEPS + k);
    }
  });
  const name = ops.length === 7 ? 'DARTS cells' : `DARTS cells (${ops.join(', ')})`;

  const validate = (value: unknown): DartsGenotype => checkDartsGenotype(value, ops);
  const toIndices = (g: DartsGenotype): number[] => {
    const v = validate(g);
    const out: number[] = [];
    for (const cell of CELLS) {
      const edges = v[cell];
      for (let k = 0; k < DARTS_STEPS; k++) {
        const [opA, a] = edges[2 * k];
        const [opB, b] = edges[2 * k + 1];
        out.push(PAIRS[k].findIndex(([x, y]) => x === a && y === b), ops.indexOf(opA), ops.indexOf(opB));
      }
    }
    return out;
  };
  const fromIndices = (idx: readonly number[]): DartsGenotype => {
    checkIndices(name, choices, idx);
    let n = 0;
    const cell = (): DartsEdge[] => {
      const edges: DartsEdge[] = [];
      for (let k = 0; k < DARTS_STEPS; k++) {
        const [a, b] = PAIRS[k][idx[n]];
        edges.push([ops[idx[n + 1]], a], [ops[idx[n + 2]], b]);
        n += 3;
      }
      return edges;
    };
    const normal = cell();
    const reduce = cell();
    return { normal, normal_concat: DARTS_CONCAT.slice(), reduce, reduce_concat: DARTS_CONCAT.slice() };
  };

  return {
    id: 'darts',
    name,
    config,
    candidateOps: config.ops,
    ops,
    choices,
    sample: (rng: Rng) => fromIndices(sampleIndices(choices, rng)),
    mutate: (g, rng) => fromIndices(mutateIndices(name, choices, toIndices(g), rng)),
    crossover: (a, b, rng) => fromIndices(crossoverIndices(toIndices(a), toIndices(b), groups, rng)),
    neighbours: (g) => neighbourIndices(choices, toIndices(g)).map(fromIndices),
    encode: (g) => dartsToString(validate(g)),
    decode: (text) => validate(dartsFromString(text)),
    hash: (g) => dartsHash(validate(g)),
    canonical: (g) => dartsCanonical(validate(g)),
    size: () => choicesSize(choices),
    toIndices,
    fromIndices,
    validate,
  };
}

/** The full DARTS space: 7 ops (all primitives but 'none'). */
export const dartsSpace: DartsSpace = createDartsSpace();
