/**
 * Which edges of a NAS-Bench-201 cell (Dong & Yang, ICLR 2020) matter: node j = sum of op_ij(node i), output =
 * node 3, and 'none' is the zero op, so an edge whose source never receives a non-zero tensor, or whose target
 * never reaches the output, can be pruned without changing the cell. Pure; the app's cell diagram draws it and
 * the engine's canonical form (space/nb201/canonical.ts nb201LiveEdges) prunes the same edges
 * (tests/unit/app-graph-layout.test.ts checks all 15,625 cells).
 */
import { NB201_EDGES } from './space-vocab';

export interface Nb201Liveness {
  /** Node i receives a non-zero tensor (a chain of non-none edges from node 0). */
  readonly fed: readonly boolean[];
  /** Node i's output reaches node 3 through non-none edges. */
  readonly reaches: readonly boolean[];
  /** Per edge, in NB201_EDGES order. */
  readonly edges: readonly ('live' | 'none' | 'dead')[];
  /** Some path of non-none edges joins input to output. */
  readonly connected: boolean;
}

/** `ops`: the 6 edge ops in NB201_EDGES order (any strings; only 'none' is special). */
export function nb201Liveness(ops: readonly string[]): Nb201Liveness {
  const on = (e: number) => ops[e] !== 'none';
  const fed = [true, false, false, false];
  for (let j = 1; j <= 3; j++) fed[j] = NB201_EDGES.some(([a, b], e) => b === j && on(e) && fed[a]);
  const reaches = [false, false, false, true];
  for (let i = 2; i >= 0; i--) reaches[i] = NB201_EDGES.some(([a, b], e) => a === i && on(e) && reaches[b]);
  const edges = NB201_EDGES.map(([a, b], e) => (!on(e) ? 'none' : fed[a] && reaches[b] ? 'live' : 'dead') as 'live' | 'none' | 'dead');
  return { fed, reaches, edges, connected: fed[3] };
}
