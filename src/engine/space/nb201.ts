/**
 * NAS-Bench-201 cell space (Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible
 * Neural Architecture Search", ICLR 2020): a 4-node DAG, 6 edges i->j (i<j), each one of 5 ops.
 */
import type { Rng } from '../util/rng';
import type { ChoiceSpec, SearchSpace } from './types';

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** Edges in the order of the NB201 string: node1 <- 0; node2 <- 0,1; node3 <- 0,1,2. */
export const NB201_EDGES: readonly (readonly [from: number, to: number])[] = [
  [0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3],
];

export interface Nb201Genotype {
  readonly ops: readonly Nb201Op[]; // length 6, in NB201_EDGES order
}

export function nb201ToString(g: Nb201Genotype): string {
  const op = (e: number) => `${g.ops[e]}~${NB201_EDGES[e][0]}`;
  return `|${op(0)}|+|${op(1)}|${op(2)}|+|${op(3)}|${op(4)}|${op(5)}|`;
}

export function nb201FromString(text: string): Nb201Genotype {
  const trimmed = text.trim();
  const nodes = trimmed.split('+');
  if (nodes.length !== 3) throw new Error(`NB201 arch string must have 3 nodes separated by '+', got "${text}"`);
  const ops: Nb201Op[] = [];
  nodes.forEach((node, j) => {
    const parts = node.split('|').filter((p) => p.length > 0);
    if (parts.length !== j + 1) throw new Error(`NB201 node ${j + 1} must have ${j + 1} input(s), got ${parts.length} in "${text}"`);
    parts.forEach((part, i) => {
      const [op, from] = part.split('~');
      if (!(NB201_OPS as readonly string[]).includes(op)) throw new Error(`Unknown NB201 op "${op}" in "${text}"`);
      if (Number(from) !== i) throw new Error(`NB201 edge "${part}" should come from node ${i}`);
      ops.push(op as Nb201Op);
    });
  });
  return { ops };
}

const CHOICES: ChoiceSpec[] = NB201_EDGES.map(([i, j]) => ({ name: `edge ${i}->${j}`, options: NB201_OPS }));

export const nb201Space: SearchSpace<Nb201Genotype> = {
  id: 'nb201',
  name: 'NAS-Bench-201 cell',
  choices: CHOICES,
  sample: (rng: Rng) => ({ ops: NB201_EDGES.map(() => rng.choice(NB201_OPS)) }),
  mutate: (g, rng) => {
    const e = rng.int(6);
    const others = NB201_OPS.filter((o) => o !== g.ops[e]);
    const ops = g.ops.slice();
    ops[e] = rng.choice(others);
    return { ops };
  },
  crossover: (a, b, rng) => ({ ops: a.ops.map((o, e) => (rng.next() < 0.5 ? o : b.ops[e])) }),
  neighbours: (g) => {
    const out: Nb201Genotype[] = [];
    g.ops.forEach((cur, e) => {
      for (const o of NB201_OPS) if (o !== cur) out.push({ ops: g.ops.map((x, k) => (k === e ? o : x)) });
    });
    return out;
  },
  encode: nb201ToString,
  decode: nb201FromString,
  hash: (g) => nb201ToString(g),
  size: () => 15625n,
  *enumerate() {
    for (let n = 0; n < 15625; n++) {
      const idx: number[] = [];
      let r = n;
      for (let e = 0; e < 6; e++) { idx.push(r % 5); r = Math.floor(r / 5); }
      yield { ops: idx.map((i) => NB201_OPS[i]) };
    }
  },
  toIndices: (g) => g.ops.map((o) => NB201_OPS.indexOf(o)),
  fromIndices: (idx) => {
    if (idx.length !== 6 || idx.some((i) => !Number.isInteger(i) || i < 0 || i >= 5)) throw new Error(`NB201 needs 6 op indices in 0..4, got [${idx.join(',')}]`);
    return { ops: idx.map((i) => NB201_OPS[i]) };
  },
  validate: (value) => {
    const ops = (value as { ops?: unknown })?.ops;
    if (!Array.isArray(ops) || ops.length !== 6) throw new Error('NB201 genotype needs "ops": an array of 6 op names');
    ops.forEach((o, e) => {
      if (!(NB201_OPS as readonly string[]).includes(o as string)) throw new Error(`NB201 edge ${e}: unknown op ${JSON.stringify(o)} (allowed: ${NB201_OPS.join(', ')})`);
    });
    return { ops: ops as Nb201Op[] };
  },
};
