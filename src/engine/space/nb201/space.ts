/**
 * NAS-Bench-201 cell space (Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible
 * Neural Architecture Search", ICLR 2020): a 4-node DAG, 6 edges i->j (i<j), each one of 5 ops; 5^6 = 15,625 cells.
 * Text form: the benchmark's arch string `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`.
 * hash = isomorphism-aware canonical hash (canonical.ts); encode = exact string.
 * enumerate() follows the NAS-Bench-201 index order (arch-index.ts).
 */
import type { Rng } from '../../util/rng';
import { parseNb201Config, type Nb201SpaceConfig, type Nb201SpaceConfigInput } from '../../../shared/space-config';
import { checkIndices, choicesSize, crossoverIndices, mutateIndices, neighbourIndices, sampleIndices } from '../indexed';
import { nb201Canonical, nb201Hash } from './canonical';
import { NB201_SIZE, nb201FromIndex, nb201Index } from './arch-index';
import type { ChoiceSpec, SearchSpace } from '../types';
import { NB201_EDGES, NB201_OPS, type Nb201Op } from '../../../shared/space-vocab';

export { NB201_EDGES, NB201_OPS, type Nb201Op } from '../../../shared/space-vocab';

export interface Nb201Genotype {
  readonly ops: readonly Nb201Op[]; // length 6, in NB201_EDGES order
}

export function nb201ToString(g: Nb201Genotype): string {
  const op = (e: number) => `${g.ops[e]}~${NB201_EDGES[e][0]}`;
  return `|${op(0)}|+|${op(1)}|${op(2)}|+|${op(3)}|${op(4)}|${op(5)}|`;
}

const FORMAT = '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|';

/** Parses the NAS-Bench-201 arch string (surrounding whitespace allowed). */
export function nb201FromString(text: string): Nb201Genotype {
  if (typeof text !== 'string') throw new Error(`NB201 arch string must be a string, got ${typeof text}`);
  const trimmed = text.trim();
  const nodes = trimmed.split('+');
  if (nodes.length !== 3) throw new Error(`NB201 arch string must have 3 nodes separated by '+' (${FORMAT}), got "${text}"`);
  const ops: Nb201Op[] = [];
  nodes.forEach((node, k) => {
    const j = k + 1;
    if (!node.startsWith('|') || !node.endsWith('|')) throw new Error(`NB201 node ${j} must be written between '|' bars (${FORMAT}), got "${node}"`);
    const parts = node.slice(1, -1).split('|');
    if (parts.length !== j) throw new Error(`NB201 node ${j} must have ${j} input(s), got ${parts.length} in "${node}"`);
    parts.forEach((part, i) => {
      const m = /^([a-z0-9_]+)~(\d+)$/.exec(part);
      if (!m) throw new Error(`NB201 edge "${part}" of node ${j} must look like op~${i}`);
      const [, op, from] = m;
      if (!(NB201_OPS as readonly string[]).includes(op)) throw new Error(`Unknown NB201 op "${op}" in edge "${part}" (allowed: ${NB201_OPS.join(', ')})`);
      if (Number(from) !== i) throw new Error(`NB201 edge "${part}" of node ${j} should come from node ${i}`);
      ops.push(op as Nb201Op);
    });
  });
  return { ops };
}

export interface Nb201Space extends SearchSpace<Nb201Genotype> {
  readonly id: 'nb201';
  /** The normalised config this space was built from (plain JSON; store it to rebuild the space). */
  readonly config: Nb201SpaceConfig;
  /** Ops an edge may take here, in NB201_OPS order. */
  readonly ops: readonly Nb201Op[];
  /** Human-readable canonical expression behind `hash` (see canonical.ts). */
  canonical(g: Nb201Genotype): string;
  /** NAS-Bench-201 index (0..15624) of a cell, for tabular look-ups. */
  index(g: Nb201Genotype): number;
}

/** An NB201 space, optionally restricted to a subset of ops (config validated; throws SpaceConfigError). */
export function createNb201Space(input: Nb201SpaceConfigInput = {}): Nb201Space {
  const config = parseNb201Config(input);
  const ops = config.ops;
  const full = ops.length === NB201_OPS.length;
  const choices: ChoiceSpec[] = NB201_EDGES.map(([i, j]) => ({ name: `edge ${i}->${j}`, options: ops }));
  const groups = choices.map((_, k) => k);
  const name = full ? 'NAS-Bench-201 cell' : `NAS-Bench-201 cell (${ops.join(', ')})`;

  const validate = (value: unknown): Nb201Genotype => {
    if (typeof value !== 'object' || value === null) throw new Error(`NB201 genotype must be an object {ops: [6 op names]}, got ${JSON.stringify(value)}`);
    const raw = (value as { ops?: unknown }).ops;
    if (!Array.isArray(raw)) throw new Error('NB201 genotype needs "ops": an array of 6 op names');
    if (raw.length !== 6) throw new Error(`NB201 genotype "ops" must have 6 entries (one per edge), got ${raw.length}`);
    raw.forEach((o, e) => {
      const [i, j] = NB201_EDGES[e];
      if (!(NB201_OPS as readonly string[]).includes(o as string)) {
        throw new Error(`ops[${e}] (edge ${i}->${j}): unknown op ${JSON.stringify(o)} (allowed: ${NB201_OPS.join(', ')})`);
      }
      if (!(ops as readonly string[]).includes(o as string)) {
        throw new Error(`ops[${e}] (edge ${i}->${j}): op "${o}" is not allowed in this space (allowed: ${ops.join(', ')})`);
      }
    });
    return { ops: raw.slice() as Nb201Op[] };
  };

  const toIndices = (g: Nb201Genotype): number[] => validate(g).ops.map((o) => ops.indexOf(o));
  const fromIndices = (idx: readonly number[]): Nb201Genotype => {
    checkIndices(name, choices, idx);
    return { ops: idx.map((i) => ops[i]) };
  };

  return {
    id: 'nb201',
    name,
    config,
    ops,
    choices,
    sample: (rng: Rng) => fromIndices(sampleIndices(choices, rng)),
    mutate: (g, rng) => fromIndices(mutateIndices(name, choices, toIndices(g), rng)),
    crossover: (a, b, rng) => fromIndices(crossoverIndices(toIndices(a), toIndices(b), groups, rng)),
    neighbours: (g) => neighbourIndices(choices, toIndices(g)).map(fromIndices),
    encode: (g) => nb201ToString(validate(g)),
    decode: (text) => validate(nb201FromString(text)),
    hash: nb201Hash,
    canonical: nb201Canonical,
    index: nb201Index,
    size: () => choicesSize(choices),
    *enumerate() {
      for (let i = 0; i < NB201_SIZE; i++) {
        const g = nb201FromIndex(i);
        if (full || g.ops.every((o) => ops.includes(o))) yield g;
      }
    },
    toIndices,
    fromIndices,
    validate,
  };
}

/** The full NAS-Bench-201 space (all 5 ops). */
export const nb201Space: Nb201Space = createNb201Space();
