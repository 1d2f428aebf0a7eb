/**
 * Whether a NAS-Bench-201 cell connects its input to its output. An edge whose op is 'none' carries nothing, so a
 * cell in which every path from node 0 to node 3 crosses a 'none' edge outputs zeros whatever its weights: a
 * one-shot derivation can produce one (e.g. 'none' winning an edge by 0.201 to 0.200), and it is no model to use.
 * Plain data (the app warns with it; no tfjs).
 */
import { NB201_EDGES } from './space-vocab';

/** True when some path of non-'none' edges leads from the cell's input (node 0) to its output (node 3). */
export function nb201Connected(ops: readonly string[]): boolean {
  const reached = new Set<number>([0]);
  // NB201_EDGES is ordered by target node, so one pass reaches every node that can be reached.
  NB201_EDGES.forEach(([from, to], e) => {
    if (ops[e] !== 'none' && reached.has(from)) reached.add(to);
  });
  return reached.has(3);
}

/** For a genotype of `space`: why it is disconnected, or null (spaces other than NB201 derive no 'none' edge). */
export function disconnectedCellReason(space: string, genotype: unknown): string | null {
  if (space !== 'nb201' || typeof genotype !== 'object' || genotype === null) return null;
  const ops = (genotype as { ops?: unknown }).ops;
  if (!Array.isArray(ops) || ops.length !== NB201_EDGES.length) return null;
  if (nb201Connected(ops.map(String))) return null;
  const none = ops.filter((o) => o === 'none').length;
  return `This cell is disconnected: ${none === ops.length ? "every edge is 'none'" : `its ${none} 'none' edges cut every path`} from the input to the output, so the network outputs the same for every image. It is not a usable model; re-run with "derive without 'none'" or more epochs.`;
}
