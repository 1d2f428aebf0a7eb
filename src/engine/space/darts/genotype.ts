/**
 * DARTS genotype as plain data (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019):
 * the `Genotype(normal, normal_concat, reduce, reduce_concat)` namedtuple of quark0/darts genotypes.py.
 * Each cell has DARTS_STEPS intermediate nodes (states 2..5; states 0 and 1 are the two cell inputs); node k
 * takes entries 2k and 2k+1 of the list, each [op, input state], with two distinct inputs from states 0..k+1.
 */
import { DARTS_OPS, type DartsGenotypeOp } from '../../../shared/space-vocab';

export type DartsEdge = readonly [op: DartsGenotypeOp, input: number];
export type DartsCellName = 'normal' | 'reduce';

export interface DartsGenotype {
  readonly normal: readonly DartsEdge[];
  readonly normal_concat: readonly number[];
  readonly reduce: readonly DartsEdge[];
  readonly reduce_concat: readonly number[];
}

export const DARTS_STEPS = 4;
/** Every intermediate node is concatenated into the cell output, as in DARTS. */
export const DARTS_CONCAT: readonly number[] = [2, 3, 4, 5];
export const DARTS_GENOTYPE_OPS = DARTS_OPS.filter((o): o is DartsGenotypeOp => o !== 'none');

/** The published DARTS (second order) cell, `DARTS_V2` in quark0/darts genotypes.py. */
export const DARTS_V2: DartsGenotype = {
  normal: [
    ['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2],
  ],
  normal_concat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 1],
    ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['max_pool_3x3', 1],
  ],
  reduce_concat: [2, 3, 4, 5],
};

const show = (x: unknown): string => JSON.stringify(x) ?? String(x);

/**
 * Checks `value` is a DARTS genotype whose ops all lie in `allowed`; returns a fresh plain copy.
 * Errors name the first problem by path, e.g. `normal[5]: input 4 is not available to node 4 (inputs 0..3)`.
 */
export function checkDartsGenotype(value: unknown, allowed: readonly DartsGenotypeOp[] = DARTS_GENOTYPE_OPS): DartsGenotype {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`DARTS genotype must be an object {normal, normal_concat, reduce, reduce_concat}, got ${show(value)}`);
  }
  const obj = value as Record<string, unknown>;
  const cell = (name: DartsCellName): DartsEdge[] => {
    const raw = obj[name];
    if (!Array.isArray(raw)) throw new Error(`${name}: must be an array of ${2 * DARTS_STEPS} [op, input] pairs, got ${show(raw)}`);
    if (raw.length !== 2 * DARTS_STEPS) throw new Error(`${name}: must have ${2 * DARTS_STEPS} [op, input] pairs (2 per node, ${DARTS_STEPS} nodes), got ${raw.length}`);
    const edges = raw.map((entry, e): DartsEdge => {
      const path = `${name}[${e}]`;
      const node = Math.floor(e / 2) + 2;
      if (!Array.isArray(entry) || entry.length !== 2) throw new Error(`${path}: must be an [op, input] pair, got ${show(entry)}`);
      const [op, input] = entry as unknown[];
      if (op === 'none') throw new Error(`${path}: 'none' never appears in a derived DARTS genotype (it exists only in the supernet)`);
      if (typeof op !== 'string' || !(DARTS_OPS as readonly string[]).includes(op)) {
        throw new Error(`${path}: unknown op ${show(op)} (allowed: ${DARTS_GENOTYPE_OPS.join(', ')})`);
      }
      if (!(allowed as readonly string[]).includes(op)) throw new Error(`${path}: op "${op}" is not allowed in this space (allowed: ${allowed.join(', ')})`);
      if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input >= node) {
        throw new Error(`${path}: input ${show(input)} is not available to node ${node} (inputs 0..${node - 1})`);
      }
      return [op as DartsGenotypeOp, input];
    });
    for (let k = 0; k < DARTS_STEPS; k++) {
      if (edges[2 * k][1] === edges[2 * k + 1][1]) {
        throw new Error(`${name}[${2 * k + 1}]: node ${k + 2}'s two inputs must differ (both are ${edges[2 * k][1]})`);
      }
    }
    return edges;
  };
  const concat = (name: 'normal_concat' | 'reduce_concat'): number[] => {
    const raw = obj[name];
    const ok = Array.isArray(raw) && raw.length === DARTS_CONCAT.length && raw.every((x, i) => x === DARTS_CONCAT[i]);
    if (!ok) throw new Error(`${name}: must be [${DARTS_CONCAT.join(', ')}] (every intermediate node is concatenated), got ${show(raw)}`);
    return DARTS_CONCAT.slice();
  };
  return { normal: cell('normal'), normal_concat: concat('normal_concat'), reduce: cell('reduce'), reduce_concat: concat('reduce_concat') };
}
