/**
 * Discretising architecture weights into a genotype.
 * DARTS (Liu, Simonyan & Yang, ICLR 2019, model_search.py `genotype()`): for every intermediate node keep the 2
 * incoming edges with the largest non-'none' weight, each with its argmax op excluding 'none'; edges are listed
 * strongest first, ties broken towards the lower input (Python's stable sort). PC-DARTS (Xu et al., ICLR 2020)
 * multiplies each edge's op weights by its normalised edge weight before ranking edges.
 * NB201 (Dong & Yang, ICLR 2020, xautodl `genotype()`): argmax per edge, 'none' included unless excluded.
 * Inputs are softmaxed weights (use softmaxRows on raw logits).
 */
import { DARTS_CONCAT, DARTS_STEPS, type DartsEdge, type DartsGenotype } from '../space/darts/genotype';
import type { Nb201Genotype, Nb201Op } from '../space/nb201/space';
import type { DartsGenotypeOp, DartsOp } from '../../shared/space-vocab';

export function softmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

export function softmaxRows(rows: readonly (readonly number[])[]): number[][] {
  return rows.map(softmax);
}

/** Index of the first maximum among indices allowed by `ok`. */
function argmax(xs: readonly number[], ok: (k: number) => boolean = () => true): number {
  let best = -1;
  for (let k = 0; k < xs.length; k++) if (ok(k) && (best < 0 || xs[k] > xs[best])) best = k;
  return best;
}

export function deriveNb201Genotype(
  weights: readonly (readonly number[])[],
  ops: readonly Nb201Op[],
  opts: { readonly excludeNone?: boolean } = {},
): Nb201Genotype {
  if (weights.length !== 6) throw new Error(`deriveNb201Genotype: need 6 edge rows, got ${weights.length}`);
  const none = ops.indexOf('none');
  return {
    ops: weights.map((row, e) => {
      if (row.length !== ops.length) throw new Error(`deriveNb201Genotype: edge ${e} has ${row.length} weights for ${ops.length} ops`);
      const k = argmax(row, (k) => !(opts.excludeNone && k === none));
      if (k < 0) throw new Error(`deriveNb201Genotype: edge ${e} has no op besides 'none'`);
      return ops[k];
    }),
  };
}

/** Row of edge (node, input) in a DARTS alpha matrix: node k (0-based intermediate) reads states 0..k+1. */
export function dartsEdgeIndex(node: number, input: number): number {
  let offset = 0;
  for (let k = 0; k < node; k++) offset += k + 2;
  return offset + input;
}

/** Number of mixed edges in a DARTS cell with `steps` intermediate nodes (14 for 4). */
export function dartsEdgeCount(steps = DARTS_STEPS): number {
  return dartsEdgeIndex(steps, 0);
}

/** PC-DARTS edge normalisation: softmax of the betas over each node's incoming edges. */
export function normalizeDartsBetas(betas: readonly number[], steps = DARTS_STEPS): number[] {
  if (betas.length !== dartsEdgeCount(steps)) throw new Error(`normalizeDartsBetas: need ${dartsEdgeCount(steps)} betas, got ${betas.length}`);
  const out: number[] = [];
  for (let k = 0; k < steps; k++) out.push(...softmax(betas.slice(dartsEdgeIndex(k, 0), dartsEdgeIndex(k + 1, 0))));
  return out;
}

function deriveDartsCell(w: readonly (readonly number[])[], ops: readonly DartsOp[], edgeWeights?: readonly number[]): DartsEdge[] {
  if (w.length !== dartsEdgeCount()) throw new Error(`deriveDartsGenotype: need ${dartsEdgeCount()} edge rows, got ${w.length}`);
  const none = ops.indexOf('none');
  if (!ops.some((o) => o !== 'none')) throw new Error("deriveDartsGenotype: no op besides 'none'");
  const gene: DartsEdge[] = [];
  for (let node = 0; node < DARTS_STEPS; node++) {
    const rows = Array.from({ length: node + 2 }, (_, input) => {
      const row = w[dartsEdgeIndex(node, input)];
      const scale = edgeWeights ? edgeWeights[dartsEdgeIndex(node, input)] : 1;
      return row.map((x) => x * scale);
    });
    const strength = rows.map((row) => Math.max(...row.filter((_, k) => k !== none)));
    const order = rows.map((_, i) => i).sort((a, b) => strength[b] - strength[a] || a - b);
    for (const input of order.slice(0, 2)) {
      const k = argmax(rows[input], (k) => k !== none);
      gene.push([ops[k] as DartsGenotypeOp, input]);
    }
  }
  return gene;
}

export interface DartsCellWeights<T> {
  readonly normal: T;
  readonly reduce: T;
}

/**
 * `weights`: softmaxed alphas per cell type ([14][ops]); `betas`: normalised edge weights per cell type
 * ([14], see normalizeDartsBetas), for PC-DARTS.
 */
export function deriveDartsGenotype(
  weights: DartsCellWeights<readonly (readonly number[])[]>,
  ops: readonly DartsOp[],
  betas?: DartsCellWeights<readonly number[]>,
): DartsGenotype {
  return {
    normal: deriveDartsCell(weights.normal, ops, betas?.normal),
    normal_concat: DARTS_CONCAT.slice(),
    reduce: deriveDartsCell(weights.reduce, ops, betas?.reduce),
    reduce_concat: DARTS_CONCAT.slice(),
  };
}
