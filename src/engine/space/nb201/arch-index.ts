/**
 * NAS-Bench-201 (Dong & Yang, ICLR 2020) architecture indices.
 * The benchmark lists cells in the order of `CellStructure.gen_all` (edge 0->1 most significant, ops in
 * NB201_OPS order) after `random.seed(88); random.shuffle(archs)` in CPython; we replay that shuffle bit-exactly
 * (python-random.ts), so index <-> cell needs no 15,625-row table. Verified against the published table in tests.
 */
import { PythonRandom } from '../python-random';
import type { Nb201Genotype } from './space';
import { NB201_OPS, type Nb201Op } from '../../../shared/space-vocab';

export const NB201_SIZE = 15625;
const NUM_EDGES = 6;

let byIndex: Int32Array | null = null; // NB201 index -> lexicographic id
let byLex: Int32Array | null = null; // lexicographic id -> NB201 index

function tables(): { byIndex: Int32Array; byLex: Int32Array } {
  if (byIndex === null || byLex === null) {
    const order = new Int32Array(NB201_SIZE);
    for (let i = 0; i < NB201_SIZE; i++) order[i] = i;
    new PythonRandom(88).shuffle(order);
    const inverse = new Int32Array(NB201_SIZE);
    for (let i = 0; i < NB201_SIZE; i++) inverse[order[i]] = i;
    byIndex = order;
    byLex = inverse;
  }
  return { byIndex, byLex };
}

function opIndex(op: string, e: number): number {
  const k = (NB201_OPS as readonly string[]).indexOf(op);
  if (k < 0) throw new Error(`NB201 edge ${e}: unknown op ${JSON.stringify(op)} (allowed: ${NB201_OPS.join(', ')})`);
  return k;
}

/** Position in `gen_all` order: sum of op index * 5^(5-e), edge 0->1 most significant. */
export function nb201LexIndex(g: Nb201Genotype): number {
  if (g.ops.length !== NUM_EDGES) throw new Error(`NB201 genotype needs 6 ops, got ${g.ops.length}`);
  return g.ops.reduce((acc, op, e) => acc * 5 + opIndex(op, e), 0);
}

export function nb201FromLexIndex(lex: number): Nb201Genotype {
  if (!Number.isInteger(lex) || lex < 0 || lex >= NB201_SIZE) throw new Error(`NB201 lexicographic index must be an integer in 0..15624, got ${lex}`);
  const ops: Nb201Op[] = new Array(NUM_EDGES);
  let r = lex;
  for (let e = NUM_EDGES - 1; e >= 0; e--) {
    ops[e] = NB201_OPS[r % 5];
    r = Math.floor(r / 5);
  }
  return { ops };
}

/** The cell's index in NAS-Bench-201 (the `index` column of its tables, `api.query_index_by_arch`). */
export function nb201Index(g: Nb201Genotype): number {
  return tables().byLex[nb201LexIndex(g)];
}

/** The cell at NAS-Bench-201 index `index` (0..15624). */
export function nb201FromIndex(index: number): Nb201Genotype {
  if (!Number.isInteger(index) || index < 0 || index >= NB201_SIZE) throw new Error(`NB201 index must be an integer in 0..15624, got ${index}`);
  return nb201FromLexIndex(tables().byIndex[index]);
}
